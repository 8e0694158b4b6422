"""Success plans: objectives with a metric, baseline and target, their measurements, and milestones."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Account
from accounts.selectors import assignable_owners
from tenancy.models import Tenant, User

from ..models import Measurement, Milestone, Objective, ObjectiveStatus
from ..signals import announce_milestone_met

OBJECTIVE_FIELDS = {
    "title",
    "metric",
    "unit",
    "baseline",
    "target",
    "due_on",
    "source",
    "calculation",
    "owner",
    "status",
}


def _validate_objective(objective: Objective) -> None:
    objective.full_clean(exclude=["tenant", "account", "current", "current_on"], validate_constraints=False)
    if objective.baseline == objective.target:
        raise ValidationError({"target": "The target must differ from the baseline, or there is nothing to achieve."})
    owner = objective.owner
    if owner is not None and not assignable_owners(tenant=objective.tenant).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": f"{owner} is not a CSM, leader or admin of {objective.tenant.name}."})


def objective_create(*, tenant: Tenant, account: Account, **fields) -> Objective:
    unknown = set(fields) - OBJECTIVE_FIELDS
    if unknown:
        raise TypeError(f"objective_create() got unexpected fields {sorted(unknown)}")
    if account.tenant_id != tenant.pk:
        raise ValidationError({"account": "Unknown account."})
    objective = Objective(tenant=tenant, account=account, **fields)
    _validate_objective(objective)
    objective.save()
    return objective


def objective_update(*, objective: Objective, **fields) -> Objective:
    unknown = set(fields) - OBJECTIVE_FIELDS
    if unknown:
        raise TypeError(f"objective_update() got unexpected fields {sorted(unknown)}")
    for name, value in fields.items():
        setattr(objective, name, value)
    _validate_objective(objective)
    if "status" not in fields and ({"baseline", "target"} & set(fields)):
        # A moved target can make the current value reach it (or no longer reach it).
        _follow_status(objective, measured=objective.current is not None)
    objective.save()
    return objective


@transaction.atomic
def objective_delete(*, objective: Objective) -> None:
    """Its measurements go with it; milestones stay on the plan, no longer tied to an objective."""
    objective.delete()


def _latest(objective: Objective) -> Measurement | None:
    return (
        Measurement.objects.filter(tenant=objective.tenant, objective=objective).order_by("-measured_on", "-id").first()
    )


def _follow_status(objective: Objective, *, measured: bool) -> None:
    """Move the statuses that measurements decide; at risk and missed are a person's call and stay."""
    if objective.progress is not None and objective.progress >= 1:
        objective.status = ObjectiveStatus.ACHIEVED
    elif measured and objective.status in (ObjectiveStatus.NOT_STARTED, ObjectiveStatus.ACHIEVED):
        objective.status = ObjectiveStatus.IN_PROGRESS
    elif not measured and objective.status == ObjectiveStatus.ACHIEVED:
        # The only measurement that showed it achieved was deleted.
        objective.status = ObjectiveStatus.NOT_STARTED


def _follow(objective: Objective) -> None:
    """Keep the latest value on the objective, and move a status that measurements decide."""
    latest = _latest(objective)
    objective.current = latest.value if latest else None
    objective.current_on = latest.measured_on if latest else None
    _follow_status(objective, measured=latest is not None)
    objective.save(update_fields=["current", "current_on", "status"])


@transaction.atomic
def measurement_record(
    *, objective: Objective, value: Decimal, measured_on: dt.date, by: User | None, note: str = ""
) -> Measurement:
    """One value of the metric on a day; the objective's current value is the latest by date."""
    measurement = Measurement(
        tenant=objective.tenant, objective=objective, value=value, measured_on=measured_on, note=note, by=by
    )
    measurement.full_clean(exclude=["tenant", "objective"], validate_constraints=False)
    measurement.save()
    _follow(objective)
    return measurement


@transaction.atomic
def measurement_delete(*, measurement: Measurement) -> None:
    """The objective's current value falls back to the latest measurement left."""
    objective = measurement.objective
    measurement.delete()
    _follow(objective)


def _validate_milestone(milestone: Milestone) -> None:
    milestone.full_clean(exclude=["tenant", "account", "objective"], validate_constraints=False)
    objective = milestone.objective
    if objective is not None and (
        objective.tenant_id != milestone.tenant_id or objective.account_id != milestone.account_id
    ):
        raise ValidationError({"objective": "Choose an objective of this account's success plan."})
    if milestone.done_on and milestone.done_on > dt.date.today() + dt.timedelta(days=1):
        raise ValidationError({"done_on": "A milestone cannot be done in the future."})


def milestone_create(
    *,
    tenant: Tenant,
    account: Account,
    title: str,
    due_on: dt.date,
    objective: Objective | None = None,
    note: str = "",
    done_on: dt.date | None = None,
) -> Milestone:
    if account.tenant_id != tenant.pk:
        raise ValidationError({"account": "Unknown account."})
    milestone = Milestone(
        tenant=tenant, account=account, title=title, due_on=due_on, objective=objective, note=note, done_on=done_on
    )
    _validate_milestone(milestone)
    milestone.save()
    if milestone.done_on is not None:
        announce_milestone_met(milestone)
    return milestone


def milestone_update(*, milestone: Milestone, **fields) -> Milestone:
    unknown = set(fields) - {"title", "due_on", "done_on", "objective", "note"}
    if unknown:
        raise TypeError(f"milestone_update() got unexpected fields {sorted(unknown)}")
    was_done = milestone.done_on is not None
    for name, value in fields.items():
        setattr(milestone, name, value)
    _validate_milestone(milestone)
    milestone.save()
    if milestone.done_on is not None and not was_done:
        announce_milestone_met(milestone)
    return milestone


def milestone_complete(*, milestone: Milestone, on: dt.date) -> Milestone:
    """Mark a milestone done on a day; done again keeps the first day."""
    if milestone.done_on is not None:
        return milestone
    return milestone_update(milestone=milestone, done_on=on)


def milestone_delete(*, milestone: Milestone) -> None:
    milestone.delete()
