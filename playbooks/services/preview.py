"""Preview before enabling: "over the last 30 days this would have fired N times for M accounts; here are the
first 20 with the actions they would get".

The preview replays the stored history (health signals, journey transitions and flags, milestones, renewal
checkpoints, forecast changes, decided renewals, contracts, accounts and tier changes, and for a schedule
the weekdays) day by day, in the background, counting its progress on the PreviewJob row. Each day's
occurrences go through the engine's own trigger matcher (triggers.trigger_matches) and condition test
(conditions.conditions_evaluate), and the playbook's cool-down is simulated across the window, as the engine
would hold a second run. The conditions are tested against the accounts as they are today (the history of
segments, owners and custom fields is not kept), and the result says so.
"""

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Max, Q
from django.utils import timezone

from core import tenant_time
from core.text import plural
from core.work import claim_one, lease_ended
from tenancy.models import Tenant, User
from tenancy.queue import enqueue, enqueue_on_commit, requeue_before

from ..models import Playbook, PlaybookRun, PreviewJob, PreviewStatus
from .actions import action_describe
from .conditions import ACTED, AccountFacts, account_facts, conditions_evaluate, custom_field_types
from .definitions import definition_errors
from .history import HISTORY, NO_HISTORY, Seen, schedule_history
from .triggers import trigger_matches

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 30
MAX_DAYS = 180
EXAMPLES = 20
# Accounts whose facts are read at once: a few queries per batch, whatever the tenant's size.
FACTS_BATCH = 500
TODAY_NOTE = "Conditions are checked against the accounts as they are today."


def _definition_of(*, tenant: Tenant, definition: dict | None, playbook: Playbook | None) -> dict:
    if definition is None:
        if playbook is None:
            raise ValidationError({"definition": ["Preview a playbook or a definition."]})
        return playbook.definition()
    if not isinstance(definition, dict):
        raise ValidationError({"definition": ["Expected a playbook definition."]})
    # A draft's actions may still be unfinished: the preview needs only the trigger and the conditions.
    errors = {
        key: messages
        for key, messages in definition_errors(tenant=tenant, definition=definition).items()
        if key.startswith(("trigger", "conditions"))
    }
    if errors:
        raise ValidationError(errors)
    cooldown = definition.get("cooldown_days", playbook.cooldown_days if playbook else 30)
    try:
        cooldown = max(0, int(cooldown or 0))
    except (TypeError, ValueError) as error:
        raise ValidationError({"cooldown_days": ["Enter a whole number of days."]}) from error
    return {
        "trigger": definition.get("trigger"),
        "trigger_params": definition.get("trigger_params") or {},
        "conditions": definition.get("conditions") or [],
        "actions": definition.get("actions") or [],
        "cooldown_days": cooldown,
    }


def preview_start(
    *,
    tenant: Tenant,
    by: User | None,
    definition: dict | None = None,
    playbook: Playbook | None = None,
    days: int = DEFAULT_DAYS,
) -> PreviewJob:
    """Queue the preview of a saved playbook (its definition now) or of the editor's unsaved `definition`
    over the last `days` days; a worker replays them (preview_run). A definition whose trigger or
    conditions have errors is refused (ValidationError keyed like definitions.definition_errors)."""
    if playbook is not None and playbook.tenant_id != tenant.pk:
        raise ValidationError({"playbook": ["No such playbook."]})
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": [f"Preview from 1 to {MAX_DAYS} days."]})
    clean = _definition_of(tenant=tenant, definition=definition, playbook=playbook)
    job = PreviewJob.objects.create(
        tenant=tenant, playbook=playbook, definition=clean, days=days, total=days, requested_by=by
    )
    from ..tasks import playbook_preview_task

    enqueue_on_commit(playbook_preview_task, tenant_id=tenant.pk, job_id=job.pk)
    return job


def preview_get(*, tenant: Tenant, job_id: int) -> PreviewJob:
    return PreviewJob.objects.select_related("playbook").get(tenant=tenant, pk=job_id)


@dataclass
class _Replay:
    """What the replay has seen so far."""

    matched: int = 0
    skipped: int = 0
    held: int = 0
    gone: int = 0
    fired: int = 0
    accounts: set[int] = field(default_factory=set)
    by_day: Counter[int] = field(default_factory=Counter)
    examples: list[dict] = field(default_factory=list)


def _last_acted(*, tenant: Tenant, playbook_id: int | None, account_ids: list[int], before: dt.datetime) -> dict:
    """When the saved playbook last acted for each account before the window: its cool-down carries in."""
    if playbook_id is None or not account_ids:
        return {}
    rows = (
        PlaybookRun.objects.filter(
            tenant=tenant, playbook_id=playbook_id, account_id__in=account_ids, status__in=ACTED, fired_at__lt=before
        )
        .values("account_id")
        .annotate(last=Max("fired_at"))
    )
    return {row["account_id"]: row["last"] for row in rows}


def _replay(tenant: Tenant, job: PreviewJob) -> dict:
    definition = job.definition
    trigger = definition["trigger"]
    params = definition.get("trigger_params") or {}
    conditions = definition.get("conditions") or []
    cooldown = dt.timedelta(days=int(definition.get("cooldown_days") or 0))
    today = tenant_time.today(tenant)
    start = today - dt.timedelta(days=job.days - 1)
    actions = [action_describe(action=action, tenant=tenant) for action in definition.get("actions") or []]
    base = {
        "days": job.days,
        "start": start.isoformat(),
        "end": today.isoformat(),
        "actions": actions,
        "note": TODAY_NOTE,
    }
    if trigger in NO_HISTORY:
        PreviewJob.objects.filter(tenant=tenant, pk=job.pk).update(done=job.days)
        return {**base, "fired": 0, "accounts": 0, "examples": [], "replayed": False, "sentence": NO_HISTORY[trigger]}

    history = schedule_history(tenant, str(params.get("weekday") or "")) if trigger == "schedule" else HISTORY[trigger]
    field_types = custom_field_types(tenant=tenant)
    facts: dict[int, AccountFacts | None] = {}
    last: dict[int, dt.datetime] = {}
    names: dict[int, str] = {}
    seen = _Replay()
    for index in range(job.days):
        day = start + dt.timedelta(days=index)
        occurrences = [
            o
            for o in history(tenant, day)
            if trigger_matches(playbook_trigger_params=params, trigger=trigger, facts=o.facts)
        ]
        new = sorted({o.account_id for o in occurrences} - facts.keys())
        for batch in range(0, len(new), FACTS_BATCH):
            ids = new[batch : batch + FACTS_BATCH]
            found = account_facts(tenant=tenant, account_ids=ids, today=today)
            facts.update({pk: found.get(pk) for pk in ids})
            names.update({pk: f.name for pk, f in found.items()})
            last.update(
                _last_acted(
                    tenant=tenant, playbook_id=job.playbook_id, account_ids=ids, before=tenant_time.at(tenant, start)
                )
            )
        for occurrence in sorted(occurrences, key=lambda o: o.at):
            if not _replay_one(
                seen, occurrence, facts.get(occurrence.account_id), conditions, field_types, cooldown, last
            ):
                continue
            seen.by_day[index] += 1
            if len(seen.examples) < EXAMPLES:
                seen.examples.append(
                    {
                        "account_id": occurrence.account_id,
                        "account": names.get(occurrence.account_id, ""),
                        "day": day.isoformat(),
                        "what": occurrence.what,
                        "actions": actions,
                    }
                )
        PreviewJob.objects.filter(tenant=tenant, pk=job.pk).update(done=index + 1)
    return {
        **base,
        "replayed": True,
        "fired": seen.fired,
        "accounts": len(seen.accounts),
        "matched": seen.matched,
        "skipped": seen.skipped,
        "held": seen.held,
        "gone": seen.gone,
        "cooldown_days": cooldown.days,
        "by_day": [seen.by_day.get(i, 0) for i in range(job.days)],
        "examples": seen.examples,
        "sentence": _sentence(job.days, seen, cooldown.days),
    }


def _replay_one(
    seen: _Replay,
    occurrence: Seen,
    facts: AccountFacts | None,
    conditions: list[dict],
    field_types: dict[str, str],
    cooldown: dt.timedelta,
    last: dict[int, dt.datetime],
) -> bool:
    """One occurrence, as the engine would take it: the conditions, then the cool-down; True when it would
    have acted."""
    if facts is None:
        # Deleted since: nothing of the account is left to test or show.
        seen.gone += 1
        return False
    seen.matched += 1
    previous = last.get(occurrence.account_id)
    met, _verdicts = conditions_evaluate(
        conditions=conditions, facts=facts, last_run_at=previous, now=occurrence.at, field_types=field_types
    )
    if not met:
        seen.skipped += 1
        return False
    if cooldown and previous is not None and occurrence.at - previous < cooldown:
        seen.held += 1
        return False
    seen.fired += 1
    seen.accounts.add(occurrence.account_id)
    last[occurrence.account_id] = occurrence.at
    return True


def _sentence(days: int, seen: _Replay, cooldown_days: int) -> str:
    sentence = (
        f"Over the last {plural(days, 'day')} this playbook would have fired {plural(seen.fired, 'time')} "
        f"for {plural(len(seen.accounts), 'account')}."
    )
    more = []
    if seen.skipped:
        more.append(f"{plural(seen.skipped, 'occurrence')} of the trigger did not meet the conditions")
    if seen.held:
        more.append(f"{plural(seen.held, 'more')} would have been held by the {cooldown_days}-day cool-down")
    if more:
        sentence += " " + "; ".join(more)[:1].upper() + "; ".join(more)[1:] + "."
    return f"{sentence} {TODAY_NOTE}"


def preview_run(*, tenant: Tenant, job_id: int) -> PreviewJob | None:
    """Replay the history for a queued preview: claim it (a second message, or a second worker, finds it
    taken; a claim past the task lease has no live worker and is taken over), walk the days counting its
    progress, and keep the result. None when it was not this run's to do."""
    now = timezone.now()
    rows = PreviewJob.objects.filter(tenant=tenant, pk=job_id)
    claimable = Q(status=PreviewStatus.WAITING) | (Q(status=PreviewStatus.RUNNING) & lease_ended("claimed_at", now))
    if not claim_one(rows.filter(claimable), status=PreviewStatus.RUNNING, claimed_at=now, done=0):
        return None
    job = rows.get()
    try:
        result = _replay(tenant, job)
    except Exception as error:
        logger.exception("Preview %s of tenant %s failed", job.pk, tenant.pk)
        rows.update(status=PreviewStatus.FAILED, error=str(error)[:2000], finished_at=timezone.now())
        return rows.get()
    rows.update(status=PreviewStatus.DONE, result=result, done=job.days, finished_at=timezone.now())
    return rows.get()


def preview_resume(*, tenant: Tenant, job: PreviewJob, now: dt.datetime | None = None) -> bool:
    """Send a preview's message again when it was lost (queued longer than a task's lease ago and never
    started: the broker was down) or its worker died (claimed past the lease): the page's poll calls it, so
    a preview never waits forever. True when it was sent again."""
    now = now or timezone.now()
    lost = job.status == PreviewStatus.WAITING and job.created_at < requeue_before(now)
    dead = job.status == PreviewStatus.RUNNING and job.claimed_at is not None and job.claimed_at < requeue_before(now)
    if not (lost or dead):
        return False
    from ..tasks import playbook_preview_task

    return enqueue(playbook_preview_task, tenant_id=tenant.pk, job_id=job.pk)


def preview_shown(job: PreviewJob) -> dict:
    """The job's result as the page shows it: its days as dates, the share of the work done."""
    result = dict(job.result or {})
    result["examples"] = [
        {**example, "day": dt.date.fromisoformat(example["day"])} for example in result.get("examples", [])
    ]
    for name in ("start", "end"):
        if result.get(name):
            result[name] = dt.date.fromisoformat(result[name])
    finished = job.status in (PreviewStatus.DONE, PreviewStatus.FAILED)
    percent = 100 if finished else round(100 * job.done / job.total) if job.total else 0
    return {"job": job, "result": result, "finished": finished, "percent": percent}


def preview_latest(*, tenant: Tenant, playbook: Playbook) -> PreviewJob | None:
    """The playbook's most recent preview (of its saved definition, or of an edit tried in the editor)."""
    return PreviewJob.objects.filter(tenant=tenant, playbook=playbook).order_by("-created_at", "-pk").first()
