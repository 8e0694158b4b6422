"""Processing playbook runs, exactly once: a worker claims the waiting runs, reads their accounts' facts in
bulk, and per run holds it back (broken, cool-down, the daily cap), skips it (conditions not met) or takes
its actions in order.

Exactly once: a run is claimed before it is worked (core.work.claim; two workers never win the same run,
and a claim older than the task lease has no live worker and may be taken over). Each action runs in a
transaction with its RunAction's mark (unique per run and position): it commits with its effects or not
at all, and a run redelivered after a killed worker skips the actions already done. The actions are
idempotent besides (a task's source key per run and position, a notification's source key, an enrolment's
anchor per run).
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from accounts.models import Account
from activities.services.tasks import TaskDraft, tasks_create
from core import tenant_time
from core.work import UNREACHABLE, claim, lease_ended
from renewals.peers import accounts_next_renewal
from tenancy.models import Tenant, User

from ..models import (
    ActionStatus,
    HeldReason,
    PlaybookRun,
    PlaybookSettings,
    PlaybookVersion,
    RunAction,
    RunStatus,
)
from .actions import ActionFailed, People, RunContext, action_take, error_text, task_draft, task_outcome
from .conditions import ACTED, account_facts, conditions_evaluate, custom_field_types
from .playbooks import playbooks_check_broken
from .run_writes import MARK_COLUMNS, rows_update, runs_write
from .settings import playbook_settings
from .triggers import Occurrence, occurrences_record, runs_queue

logger = logging.getLogger(__name__)

# Runs that took actions: what the cool-down waits after and the daily cap counts.
ACTIONS_TAKEN = (RunStatus.DONE, RunStatus.PARTIAL, RunStatus.FAILED)
COOLDOWN_AFTER = (RunStatus.DONE, RunStatus.PARTIAL)


@dataclass
class Processed:
    """What a batch came to, by status (for the task's result and the tests)."""

    claimed: int = 0
    done: int = 0
    partial: int = 0
    failed: int = 0
    skipped: int = 0
    held: int = 0

    def count(self, status: str) -> None:
        if status in (RunStatus.DONE, RunStatus.PARTIAL, RunStatus.FAILED, RunStatus.SKIPPED, RunStatus.HELD):
            setattr(self, str(status), getattr(self, str(status)) + 1)


def _claimable(tenant: Tenant, now: dt.datetime) -> Q:
    """Waiting, or claimed by a worker that is gone (its lease ended)."""
    return Q(status=RunStatus.PENDING) | (Q(status=RunStatus.RUNNING) & lease_ended("claimed_at", now))


def _day_start(tenant: Tenant, today: dt.date) -> dt.datetime:
    return tenant_time.at(tenant, today)


def _acted_today(tenant: Tenant, today: dt.date) -> int:
    """Automatic runs that took actions today (the tenant's day): what the daily cap counts. Runs by hand
    are a person's decision and do not count."""
    return PlaybookRun.objects.filter(
        tenant=tenant, status__in=ACTIONS_TAKEN, finished_at__gte=_day_start(tenant, today), by__isnull=True
    ).count()


def _history(tenant: Tenant, runs: list[PlaybookRun]) -> tuple[dict, dict]:
    """Per (playbook, account): when the playbook last acted for it (the playbook_history condition), and
    when it last finished acting (the cool-down). The runs being processed are left out. One query."""
    last_acted: dict[tuple[int, int], dt.datetime] = {}
    last_done: dict[tuple[int, int], dt.datetime] = {}
    rows = (
        PlaybookRun.objects.filter(
            tenant=tenant,
            playbook_id__in={run.playbook_id for run in runs},
            account_id__in={run.account_id for run in runs},
            status__in={*ACTED, *COOLDOWN_AFTER},
        )
        .exclude(pk__in=[run.pk for run in runs])
        .values("playbook_id", "account_id", "status")
        .annotate(last=Max("fired_at"))
    )
    for row in rows:
        key = (row["playbook_id"], row["account_id"])
        if row["status"] in ACTED:
            last_acted[key] = max(row["last"], last_acted.get(key, row["last"]))
        if row["status"] in COOLDOWN_AFTER:
            last_done[key] = max(row["last"], last_done.get(key, row["last"]))
    return last_acted, last_done


def _finish(run: PlaybookRun, status: str, *, held_reason: str = "", evaluated: list | None = None) -> None:
    """Finish the run in memory; the batch writes its finished runs in one bulk update."""
    run.status, run.held_reason, run.finished_at = status, held_reason, timezone.now()
    if evaluated is not None:
        run.conditions_evaluated = evaluated


def _broken(tenant: Tenant, runs: list[PlaybookRun]) -> None:
    """Re-check the batch's playbooks before they act: one whose custom field, cadence or member is gone is
    marked broken now (switched off, an admin's task) and its runs are held, instead of failing actions.
    A handful of queries for the batch, whatever the number of runs."""
    broken = {
        playbook.pk: playbook
        for playbook in playbooks_check_broken(tenant=tenant, playbook_ids={run.playbook_id for run in runs})
    }
    for run in runs:
        if run.playbook_id in broken:
            run.playbook.broken_reason = broken[run.playbook_id].broken_reason
            run.playbook.is_enabled = False


def runs_process(*, tenant: Tenant, run_ids: list[int], now: dt.datetime | None = None) -> Processed:
    """Claim and process the runs among `run_ids` that are waiting (or whose worker died); the others are
    someone else's or finished, and left alone. The queries are the same for one run or a full batch on
    the common path (held, skipped, tasks made); actions other than tasks go one at a time through their
    apps' services."""
    now = now or timezone.now()
    processed = Processed()
    rows = PlaybookRun.objects.filter(tenant=tenant, pk__in=list(run_ids)).filter(_claimable(tenant, now))
    won = claim(rows.order_by("pk"), status=RunStatus.RUNNING, claimed_at=now, attempts=F("attempts") + 1)
    if not won:
        return processed
    processed.claimed = len(won)
    runs = list(PlaybookRun.objects.filter(tenant=tenant, pk__in=won).select_related("playbook").order_by("pk"))
    _broken(tenant, runs)
    today = tenant_time.today(tenant)
    account_ids = {run.account_id for run in runs if run.account_id}
    facts = account_facts(tenant=tenant, account_ids=account_ids, today=today)
    accounts = {a.pk: a for a in Account.objects.filter(tenant=tenant, pk__in=account_ids).select_related("tenant")}
    field_types = custom_field_types(tenant=tenant)
    last_acted, last_done = _history(tenant, runs)
    # First the rules that need no count: off, broken, conditions, cool-down.
    acting: list[PlaybookRun] = []
    finished: list[PlaybookRun] = []
    for run in runs:
        playbook, key = run.playbook, (run.playbook_id, run.account_id)
        by_hand = run.by_id is not None
        account = accounts.get(run.account_id or 0)
        finished.append(run)
        if account is None:
            _finish(run, RunStatus.SKIPPED, evaluated=[{"field": "account", "held": False, "actual": "deleted"}])
            continue
        if playbook.is_broken:
            _finish(run, RunStatus.HELD, held_reason=HeldReason.BROKEN)
            continue
        if not playbook.is_enabled and not by_hand:
            # Switched off after the occurrence was recorded: held like the runs recorded while it was off.
            _finish(run, RunStatus.HELD, held_reason=HeldReason.DISABLED)
            continue
        met, evaluated = conditions_evaluate(
            conditions=playbook.conditions,
            facts=facts[account.pk],
            last_run_at=last_acted.get(key),
            now=now,
            field_types=field_types,
        )
        run.conditions_evaluated = evaluated
        cooled = last_done.get(key)
        if not met and not by_hand:
            _finish(run, RunStatus.SKIPPED, evaluated=evaluated)
        elif not by_hand and cooled is not None and cooled >= now - dt.timedelta(days=playbook.cooldown_days):
            _finish(run, RunStatus.HELD, held_reason=HeldReason.COOLDOWN, evaluated=evaluated)
        else:
            finished.pop()
            acting.append(run)
            # A second occurrence in this batch for the same account waits out the cool-down too.
            last_done[key] = last_acted[key] = run.fired_at
    if finished:
        # Held and skipped runs take no action: written together, one statement for the batch.
        runs_write(tenant, finished)
    actions_of = _actions_of(tenant, acting)
    # Then the daily cap, decided for the batch under a lock, so workers racing never pass it together.
    allowed = [run for run in _within_cap(tenant, today, acting, actions_of) if run.status != RunStatus.HELD]
    if allowed:
        renewals = accounts_next_renewal(tenant=tenant, account_ids={run.account_id for run in allowed})
        people = People(tenant)
        contexts = [
            RunContext(
                tenant=tenant,
                today=today,
                run=run,
                playbook=run.playbook,
                account=accounts[run.account_id or 0],
                renewal_on=renewals.get(run.account_id or 0),
                people=people,
            )
            for run in allowed
        ]
        _act(tenant, contexts, actions_of)
    for run in runs:
        processed.count(run.status)
    return processed


def _within_cap(
    tenant: Tenant, today: dt.date, acting: list[PlaybookRun], actions_of: dict[int, list[dict]]
) -> list[PlaybookRun]:
    """The runs about to act, those past the tenant's daily cap held back (runs by hand are a person's call
    and neither count nor wait). The ones allowed are reserved (their actions' rows written) in the same
    locked transaction as the count, so another worker's count sees them."""
    if not acting:
        return acting
    automatic = [run for run in acting if run.by_id is None]
    with transaction.atomic():
        if automatic:
            cap = playbook_settings(tenant=tenant)
            # Locked: one batch of the tenant counts and reserves at a time.
            PlaybookSettings.objects.select_for_update().filter(tenant=tenant, pk=cap.pk).first()
            taken = _acted_today(tenant, today) + _reserved_elsewhere(tenant, [run.pk for run in acting])
            for run in automatic:
                if taken >= cap.daily_cap:
                    _finish(run, RunStatus.HELD, held_reason=HeldReason.DAILY_CAP)
                else:
                    taken += 1
        # The held ones finished, the others' conditions as evaluated: one statement.
        runs_write(tenant, acting)
        RunAction.objects.bulk_create(
            [
                RunAction(tenant=tenant, run=run, position=position, action_type=str(action.get("type", ""))[:20])
                for run in acting
                if run.status != RunStatus.HELD
                for position, action in enumerate(actions_of[run.pk])
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )
    return acting


def _reserved_elsewhere(tenant: Tenant, mine: list[int]) -> int:
    """Automatic runs other workers are acting on right now (reserved: their actions' rows are written)."""
    return (
        PlaybookRun.objects.filter(
            tenant=tenant, status=RunStatus.RUNNING, by__isnull=True, action_results__isnull=False
        )
        .exclude(pk__in=mine)
        .values("pk")
        .distinct()
        .count()
    )


def _actions_of(tenant: Tenant, runs: list[PlaybookRun]) -> dict[int, list[dict]]:
    """Each run's actions: those of the version the run recorded, even if the playbook was saved since (the
    older versions read in one query, and only when some run needs one)."""
    older = {(run.playbook_id, run.version) for run in runs if run.version != run.playbook.version}
    recorded: dict[tuple[int, int], dict] = {}
    if older:
        rows = PlaybookVersion.objects.filter(
            tenant=tenant,
            playbook_id__in={playbook_id for playbook_id, _version in older},
            version__in={version for _playbook_id, version in older},
        ).values_list("playbook_id", "version", "definition")
        recorded = {(playbook_id, version): definition for playbook_id, version, definition in rows}
    actions: dict[int, list[dict]] = {}
    for run in runs:
        definition = recorded.get((run.playbook_id, run.version))
        if definition:
            actions[run.pk] = list(definition.get("actions") or [])
        else:
            actions[run.pk] = list(run.playbook.actions or [])
    return actions


def _marks(tenant: Tenant, contexts: list[RunContext], actions_of: dict[int, list[dict]]) -> dict[int, dict]:
    """Each run's RunAction marks by position (written when the runs passed the cap; written again here only
    if some are missing, for a run redelivered from before that)."""
    run_ids = [context.run.pk for context in contexts]
    marks: dict[int, dict[int, RunAction]] = defaultdict(dict)
    for mark in RunAction.objects.filter(tenant=tenant, run_id__in=run_ids):
        marks[mark.run_id][mark.position] = mark
    missing = [
        RunAction(tenant=tenant, run=context.run, position=position, action_type=str(action.get("type", ""))[:20])
        for context in contexts
        for position, action in enumerate(actions_of[context.run.pk])
        if position not in marks[context.run.pk]
    ]
    if missing:
        RunAction.objects.bulk_create(missing, ignore_conflicts=True)
        marks = defaultdict(dict)
        for mark in RunAction.objects.filter(tenant=tenant, run_id__in=run_ids):
            marks[mark.run_id][mark.position] = mark
    return marks


def _tasks_in_bulk(
    tenant: Tenant, contexts: list[RunContext], actions_of: dict[int, list[dict]], marks: dict[int, dict]
) -> None:
    """The batch's create_task actions not done yet: their tasks made in one insert (a task per run and
    position, once: the source key) and their marks written in one update, in one transaction, so a crash
    rolls back both and a redelivery makes them again, still once. An action whose draft cannot be built,
    or a batch the task rules refuse, is left to the one-at-a-time path, which records why."""
    pending: list[tuple[RunAction, TaskDraft, User | None]] = []
    for context in contexts:
        for position, action in enumerate(actions_of[context.run.pk]):
            mark = marks[context.run.pk].get(position)
            if action.get("type") != "create_task" or mark is None or mark.status == ActionStatus.DONE:
                continue
            try:
                draft, owner = task_draft(context=context, position=position, action=action)
            except UNREACHABLE:
                raise
            except Exception:  # noqa: S112 - the one-at-a-time path takes it again and records the error
                continue
            pending.append((mark, draft, owner))
    if not pending:
        return
    try:
        with transaction.atomic():
            tasks = tasks_create(tenant=tenant, drafts=[draft for _mark, draft, _owner in pending])
            at = timezone.now()
            outcomes = [
                task_outcome(task=task, owner=owner) for (_m, _d, owner), task in zip(pending, tasks, strict=True)
            ]
            changed = [
                (mark.pk, ActionStatus.DONE, outcome.result[:500], "", outcome.object_kind, outcome.object_id, at)
                for (mark, _d, _o), outcome in zip(pending, outcomes, strict=True)
            ]
            rows_update(RunAction, tenant, MARK_COLUMNS, changed)
    except ValidationError:
        # A draft the task rules refuse (a kind or priority no longer known): one at a time, each recorded.
        return
    for (mark, _d, _o), row in zip(pending, changed, strict=True):
        for name, value in zip(MARK_COLUMNS, row, strict=True):
            setattr(mark, name, value)


def _act(tenant: Tenant, contexts: list[RunContext], actions_of: dict[int, list[dict]]) -> None:
    """Take the runs' actions, each once: the tasks of the whole batch in bulk, then the other actions in
    order, each in a transaction with its mark. Each run ends DONE, PARTIAL (some failed) or FAILED (all
    failed), the runs written in one statement."""
    marks = _marks(tenant, contexts, actions_of)
    _tasks_in_bulk(tenant, contexts, actions_of, marks)
    for context in contexts:
        run, actions = context.run, actions_of[context.run.pk]
        for position, action in enumerate(actions):
            mark = marks[run.pk][position]
            if mark.status == ActionStatus.DONE:
                # Done in bulk just now, or by an earlier delivery of this run (its worker died after it).
                continue
            _act_one(context, position, action, mark)
        statuses = [marks[run.pk][position].status for position in range(len(actions))]
        if all(status == ActionStatus.DONE for status in statuses):
            status = RunStatus.DONE
        elif any(status == ActionStatus.DONE for status in statuses):
            status = RunStatus.PARTIAL
        else:
            status = RunStatus.FAILED
        _finish(run, status)
    runs_write(tenant, [context.run for context in contexts])


def _act_one(context: RunContext, position: int, action: dict, mark: RunAction) -> None:
    """One action in a transaction with its mark: it commits with its effects or not at all."""
    tenant, run = context.tenant, context.run
    try:
        with transaction.atomic():
            outcome = action_take(context=context, position=position, action=action)
            RunAction.objects.filter(tenant=tenant, pk=mark.pk).update(
                status=ActionStatus.DONE,
                result=outcome.result[:500],
                error="",
                object_kind=outcome.object_kind,
                object_id=outcome.object_id,
                at=timezone.now(),
            )
        mark.status = ActionStatus.DONE
    except UNREACHABLE:
        # The database or the broker is out of reach: the task retries the run, not a failed action.
        raise
    except Exception as error:
        if not isinstance(error, ValidationError | ActionFailed):
            # Not a rule of the lower app saying no: a bug worth a traceback in the log.
            logger.exception("tenant %s: playbook run %s action %s failed", tenant.pk, run.pk, position)
        RunAction.objects.filter(tenant=tenant, pk=mark.pk).update(
            status=ActionStatus.FAILED, error=error_text(error)[:2000], at=timezone.now()
        )
        mark.status = ActionStatus.FAILED


def runs_requeue(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Send again the runs whose message was lost (the broker was down when they were recorded) and the
    runs whose worker died (claimed, and the claim older than the lease): the beat's recovery."""
    from tenancy.queue import requeue_before

    now = now or timezone.now()
    lost = Q(status=RunStatus.PENDING, fired_at__lt=requeue_before(now)) | (
        Q(status=RunStatus.RUNNING) & lease_ended("claimed_at", now)
    )
    ids = list(PlaybookRun.objects.filter(lost, tenant=tenant).order_by("pk").values_list("pk", flat=True)[:5000])
    runs_queue(tenant=tenant, run_ids=ids)
    return len(ids)


# By hand


__all__ = [
    "Occurrence",
    "Processed",
    "occurrences_record",
    "runs_process",
    "runs_requeue",
]
