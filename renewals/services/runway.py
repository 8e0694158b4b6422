"""The renewal runway: a renewal opens the day its contract is known, with the segment's checkpoints, each
with the owner's task (activities.Task, source renewal_checkpoint). A runway that starts late is compressed
into the days left, never planned in the past: the compressed day is the task's due day."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.selectors import assignable_owners
from activities.models import Task, TaskSource, TaskStatus
from activities.models.tasks import LIVE
from activities.services.tasks import TaskDraft, task_close, task_reopen, tasks_create
from core import tenant_time
from tenancy.models import Tenant, User

from ..models import Checkpoint, CheckpointStatus, Contract, Renewal, RunwayStep
from ..signals import announce_renewal_opened
from .forecast import renewal_refresh_forecast
from .settings import runway_steps


@dataclass(frozen=True)
class PlannedCheckpoint:
    days_before: int
    title: str
    description: str
    planned_on: dt.date
    due_on: dt.date

    @property
    def is_compressed(self) -> bool:
        return self.due_on != self.planned_on


@dataclass
class RunwayPlan:
    checkpoints: list[PlannedCheckpoint] = field(default_factory=list)
    runway_days: int = 0
    is_late_start: bool = False

    @property
    def compressed(self) -> int:
        return sum(1 for c in self.checkpoints if c.is_compressed)


def runway_plan(*, steps: list[RunwayStep], due_on: dt.date, today: dt.date) -> RunwayPlan:
    """Each step at T-minus its days. Steps already past are spread evenly from today up to the first
    step still ahead (or the end date): late, but each still gets its day, in the runway's order."""
    ordered = sorted(steps, key=lambda s: -s.days_before)
    plan = RunwayPlan(runway_days=ordered[0].days_before if ordered else 0)
    planned = [(step, due_on - dt.timedelta(days=step.days_before)) for step in ordered]
    past = [(step, day) for step, day in planned if day < today]
    ahead = [(step, day) for step, day in planned if day >= today]
    plan.is_late_start = bool(past)
    anchor = ahead[0][1] if ahead else max(due_on, today)
    gap = max(0, (anchor - today).days)
    for index, (step, day) in enumerate(past):
        squeezed = today + dt.timedelta(days=index * gap // len(past))
        plan.checkpoints.append(PlannedCheckpoint(step.days_before, step.title, step.description, day, squeezed))
    for step, day in ahead:
        plan.checkpoints.append(PlannedCheckpoint(step.days_before, step.title, step.description, day, day))
    return plan


@transaction.atomic
def renewal_open(*, contract: Contract, today: dt.date, by: User | None = None) -> Renewal:
    """The renewal of `contract`, opened with its runway; a second call returns the same renewal."""
    existing = Renewal.objects.filter(tenant=contract.tenant, contract=contract).first()
    if existing is not None:
        return existing
    account = contract.account
    plan = runway_plan(
        steps=runway_steps(tenant=contract.tenant, segment=account.segment), due_on=contract.end_on, today=today
    )
    renewal = Renewal.objects.create(
        tenant=contract.tenant,
        contract=contract,
        account=account,
        owner_id=account.owner_id,
        due_on=contract.end_on,
        arr=contract.current_arr,
        runway_started_on=today,
        runway_days=plan.runway_days,
        is_late_start=plan.is_late_start,
    )
    checkpoints = Checkpoint.objects.bulk_create(
        [
            Checkpoint(
                tenant=contract.tenant,
                renewal=renewal,
                days_before=planned.days_before,
                title=planned.title,
                description=planned.description,
                position=position,
                planned_on=planned.planned_on,
            )
            for position, planned in enumerate(plan.checkpoints, start=1)
        ]
    )
    tasks = tasks_create(
        tenant=contract.tenant,
        drafts=[
            TaskDraft(
                title=checkpoint.title,
                details=checkpoint.description,
                due_on=planned.due_on,
                owner_id=account.owner_id,
                account_id=account.pk,
                source=TaskSource.RENEWAL_CHECKPOINT,
                source_id=checkpoint.pk,
                source_key=checkpoint_task_key(checkpoint.pk),
                created_by_id=by.pk if by else None,
            )
            for checkpoint, planned in zip(checkpoints, plan.checkpoints, strict=True)
        ],
    )
    for checkpoint, task in zip(checkpoints, tasks, strict=True):
        checkpoint.task = task
    Checkpoint.objects.bulk_update(checkpoints, ["task"])
    announce_renewal_opened(renewal)
    return renewal_refresh_forecast(renewal=renewal, today=today)


def checkpoint_task_key(checkpoint_id: int) -> str:
    """The one task of a checkpoint (activities' unique source key)."""
    return f"{TaskSource.RENEWAL_CHECKPOINT}:{checkpoint_id}"


TASK_STATUS_OF_CHECKPOINT: dict[str, str] = {
    CheckpointStatus.DONE: TaskStatus.DONE,
    CheckpointStatus.SKIPPED: TaskStatus.SKIPPED,
}


def checkpoint_complete(
    *, checkpoint: Checkpoint, by: User | None, status: str = CheckpointStatus.DONE, note: str = ""
) -> Checkpoint:
    """Done or skipped (a skip says why), or back to open: its task is closed or reopened; the forecast sees
    the runway's progress."""
    note = (note or "").strip()
    if status not in CheckpointStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}: done, skipped or open."})
    if status == CheckpointStatus.SKIPPED and not note:
        raise ValidationError({"note": f"Say why “{checkpoint.title}” is skipped."})
    if checkpoint.task is None:
        raise ValidationError(f"“{checkpoint.title}” has no task any more: there is nothing to complete.")
    tenant = checkpoint.tenant
    if status == CheckpointStatus.OPEN:
        checkpoint.task = task_reopen(tenant=tenant, task=checkpoint.task)
    else:
        checkpoint.task = task_close(
            tenant=tenant, task=checkpoint.task, status=TASK_STATUS_OF_CHECKPOINT[status], by=by, note=note
        )
    renewal = checkpoint.renewal
    if renewal.is_open:
        renewal_refresh_forecast(renewal=renewal, today=tenant_time.today(renewal.tenant))
    return checkpoint


def checkpoint_tasks_reassign(*, tenant: Tenant, renewal: Renewal, owner: User | None) -> int:
    """The renewal's live checkpoint tasks go to `owner` (done ones keep who did them)."""
    task_ids = Checkpoint.objects.filter(tenant=tenant, renewal=renewal).values("task_id")
    return Task.objects.filter(tenant=tenant, pk__in=task_ids, status__in=LIVE).update(owner=owner)


@transaction.atomic
def renewal_assign(*, renewal: Renewal, owner: User | None, by: User | None) -> Renewal:
    """A new owner for the renewal and its open checkpoints (done ones keep who did them)."""
    if owner is not None and not assignable_owners(tenant=renewal.tenant).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": f"{owner} is not a CSM, leader or admin of {renewal.tenant.name}."})
    renewal.owner = owner
    renewal.save(update_fields=["owner"])
    checkpoint_tasks_reassign(tenant=renewal.tenant, renewal=renewal, owner=owner)
    return renewal
