"""Trigger occurrences become playbook runs: one row per (playbook, occurrence), made once.

Every event the playbooks listen to (a signal raised, a stage entered, a sweep's checkpoint) is turned into
`Occurrence`s by playbooks.receivers and handed to `occurrences_record`, which writes a PlaybookRun for each
playbook of that trigger whose parameters the occurrence matches. The run's occurrence key is unique per
playbook, so a retried event or a rerun sweep finds the run it made and makes nothing twice. The runs are
processed off the commit by a worker (playbooks.services.runs).

Disabled playbooks record their runs too, held back (`held_reason=disabled`): the comparison group the
effectiveness report measures the enabled ones against.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from tenancy.models import Tenant
from tenancy.queue import enqueue

from ..models import HeldReason, Playbook, PlaybookRun, RunStatus

# Runs handed to one processing task: a batch's facts are read in a constant number of queries.
RUN_BATCH = 100
INSERT_BATCH = 500


@dataclass(frozen=True)
class Occurrence:
    """One firing of a trigger for one account. `key` names the occurrence (the signal, the transition, the
    day of a sweep): the same key twice is the same occurrence. `facts` is what fired it, frozen (JSON).
    `origin_playbook_id`: the playbook whose action caused it (a forecast it set), which must not fire
    itself again."""

    account_id: int
    key: str
    facts: dict[str, Any] = field(default_factory=dict)
    fired_at: dt.datetime | None = None
    origin_playbook_id: int | None = None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip().lower()


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def trigger_matches(*, playbook_trigger_params: dict, trigger: str, facts: dict) -> bool:
    """Whether an occurrence of `trigger` with these `facts` fires a playbook with these parameters. A
    parameter left empty matches every occurrence."""
    params = playbook_trigger_params or {}

    def wanted(name: str) -> str:
        return _text(params.get(name))

    if trigger == "band_changed":
        return not wanted("to") or wanted("to") == _text(facts.get("to"))
    if trigger == "score_dropped":
        # A drop of `points` over `window` days fires a playbook asking for at most that many points within
        # at least that many days (a 7-day drop of 15 is also "10 points within 30 days").
        points, window = _number(facts.get("points")), _number(facts.get("window")) or 7
        least, within = _number(params.get("points")) or 0, _number(params.get("days")) or 30
        return points is not None and points >= least and window <= within
    if trigger == "signal_raised":
        return not wanted("kind") or wanted("kind") == _text(facts.get("kind"))
    if trigger == "stage_entered":
        return not wanted("stage") or wanted("stage") == _text(facts.get("to_stage"))
    if trigger == "checkpoint_reached":
        days = _number(params.get("days_before"))
        return days is None or days == _number(facts.get("days_before"))
    if trigger == "renewal_decided":
        result = wanted("result") or "any"
        churned = _text(facts.get("outcome")) == "churned"
        return result == "any" or (result == "lost") == churned
    if trigger == "custom_field_changed":
        changed = {_text(key) for key in facts.get("fields", [])}
        return not wanted("field") or wanted("field") in changed
    if trigger == "contact_role_lost":
        lost = {_text(role) for role in facts.get("roles", [])}
        return (wanted("role") or "champion") in lost
    if trigger == "schedule":
        return wanted("weekday") == "" or wanted("weekday") == _text(facts.get("weekday"))
    # The rest take no parameters: every occurrence fires them.
    return True


def occurrences_record(*, tenant: Tenant, trigger: str, occurrences: list[Occurrence]) -> list[int]:
    """Record the runs these occurrences fire and queue the waiting ones (once the transaction commits);
    returns the ids of the runs waiting to be processed, made now or by an earlier delivery of the same
    occurrences. Four queries per batch, whatever its size (the inserts go 500 at a time)."""
    if not occurrences:
        return []
    # Archived playbooks are gone for good: they record nothing, not even held runs.
    playbooks = list(Playbook.objects.filter(tenant=tenant, trigger=trigger, archived_at__isnull=True).order_by("pk"))
    if not playbooks:
        return []
    # An account deleted since the event has nothing left to act on (and its row would break the insert).
    alive = set(
        Account.objects.filter(tenant=tenant, pk__in={o.account_id for o in occurrences}).values_list("pk", flat=True)
    )
    now = timezone.now()
    rows, keys = [], set()
    for occurrence in occurrences:
        if occurrence.account_id not in alive:
            continue
        for playbook in playbooks:
            if not trigger_matches(
                playbook_trigger_params=playbook.trigger_params, trigger=trigger, facts=occurrence.facts
            ):
                continue
            held = ""
            if occurrence.origin_playbook_id == playbook.pk:
                # Its own action caused this (the forecast it set): acting again would loop.
                held = HeldReason.LOOP
            elif not playbook.is_enabled:
                held = HeldReason.DISABLED
            facts = dict(occurrence.facts)
            if occurrence.origin_playbook_id:
                facts["origin_playbook_id"] = occurrence.origin_playbook_id
            rows.append(
                PlaybookRun(
                    tenant=tenant,
                    playbook=playbook,
                    version=playbook.version,
                    account_id=occurrence.account_id,
                    trigger=trigger,
                    occurrence_key=occurrence.key[:200],
                    facts=facts,
                    status=RunStatus.HELD if held else RunStatus.PENDING,
                    held_reason=held,
                    fired_at=occurrence.fired_at or now,
                    finished_at=now if held else None,
                )
            )
            keys.add(occurrence.key[:200])
    if not rows:
        return []
    # The unique occurrence key per playbook: a second delivery of the same news inserts nothing.
    PlaybookRun.objects.bulk_create(rows, ignore_conflicts=True, batch_size=INSERT_BATCH)
    wanted = {(row.playbook_id, row.occurrence_key) for row in rows if row.status == RunStatus.PENDING}
    pending = [
        pk
        for pk, playbook_id, key in PlaybookRun.objects.filter(
            tenant=tenant,
            playbook_id__in={playbook_id for playbook_id, _key in wanted},
            occurrence_key__in=keys,
            status=RunStatus.PENDING,
        )
        .order_by("pk")
        .values_list("pk", "playbook_id", "occurrence_key")
        if (playbook_id, key) in wanted
    ]
    runs_queue(tenant=tenant, run_ids=pending)
    return pending


def runs_queue(*, tenant: Tenant, run_ids: list[int]) -> None:
    """Hand the runs to the workers in batches once the transaction commits (never raising: a broker that
    is down leaves them pending for the sweep, playbooks.services.runs.runs_requeue)."""
    from ..tasks import playbook_runs_process_task

    for start in range(0, len(run_ids), RUN_BATCH):
        transaction.on_commit(
            partial(
                enqueue,
                playbook_runs_process_task,
                tenant_id=tenant.pk,
                run_ids=list(run_ids[start : start + RUN_BATCH]),
            )
        )
