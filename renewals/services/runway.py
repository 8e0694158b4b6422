"""The renewal runway: a renewal opens the day its contract is known, with the segment's checkpoints as
the owner's tasks. A runway that starts late is compressed into the days left, never planned in the past."""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.selectors import assignable_owners
from core import tenant_time
from tenancy.models import User

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
    Checkpoint.objects.bulk_create(
        [
            Checkpoint(
                tenant=contract.tenant,
                renewal=renewal,
                days_before=planned.days_before,
                title=planned.title,
                description=planned.description,
                position=position,
                planned_on=planned.planned_on,
                due_on=planned.due_on,
                owner_id=account.owner_id,
            )
            for position, planned in enumerate(plan.checkpoints, start=1)
        ]
    )
    announce_renewal_opened(renewal)
    return renewal_refresh_forecast(renewal=renewal, today=today)


def checkpoint_complete(
    *, checkpoint: Checkpoint, by: User | None, status: str = CheckpointStatus.DONE, note: str = ""
) -> Checkpoint:
    """Done or skipped (a skip says why), or back to open; the forecast sees the runway's progress."""
    note = (note or "").strip()
    if status not in CheckpointStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}: done, skipped or open."})
    if status == CheckpointStatus.SKIPPED and not note:
        raise ValidationError({"note": f"Say why “{checkpoint.title}” is skipped."})
    checkpoint.status = status
    checkpoint.note = note
    if status == CheckpointStatus.OPEN:
        checkpoint.completed_by, checkpoint.completed_at = None, None
    else:
        checkpoint.completed_by, checkpoint.completed_at = by, timezone.now()
    checkpoint.save(update_fields=["status", "note", "completed_by", "completed_at"])
    renewal = checkpoint.renewal
    if renewal.is_open:
        renewal_refresh_forecast(renewal=renewal, today=tenant_time.today(renewal.tenant))
    return checkpoint


@transaction.atomic
def renewal_assign(*, renewal: Renewal, owner: User | None, by: User | None) -> Renewal:
    """A new owner for the renewal and its open checkpoints (done ones keep who did them)."""
    if owner is not None and not assignable_owners(tenant=renewal.tenant).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": f"{owner} is not a CSM, leader or admin of {renewal.tenant.name}."})
    renewal.owner = owner
    renewal.save(update_fields=["owner"])
    Checkpoint.objects.filter(tenant=renewal.tenant, renewal=renewal, status=CheckpointStatus.OPEN).update(owner=owner)
    return renewal
