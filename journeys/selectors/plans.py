"""Reads of success plans that the pages and the API share: an account's plan, and the book's objectives."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q, QuerySet

from accounts.models import Account
from core import tenant_time
from tenancy.models import Tenant, User

from ..models import Measurement, Milestone, Objective, ObjectiveStatus

# Statuses that are settled: a past due date is no longer a problem for them.
CLOSED_STATUSES = (ObjectiveStatus.ACHIEVED, ObjectiveStatus.MISSED)
DONE, DUE, OVERDUE = "done", "due", "overdue"


def objective_list(*, tenant: Tenant) -> QuerySet[Objective]:
    return Objective.objects.filter(tenant=tenant).select_related("account", "account__owner", "owner")


def objective_get(*, tenant: Tenant, objective_id: int) -> Objective:
    return objective_list(tenant=tenant).get(pk=objective_id)


def measurement_list(*, tenant: Tenant) -> QuerySet[Measurement]:
    return Measurement.objects.filter(tenant=tenant).select_related("by")


def measurement_get(*, tenant: Tenant, measurement_id: int) -> Measurement:
    return measurement_list(tenant=tenant).select_related("objective__account").get(pk=measurement_id)


def milestone_list(*, tenant: Tenant) -> QuerySet[Milestone]:
    return Milestone.objects.filter(tenant=tenant).select_related("account", "objective")


def milestone_get(*, tenant: Tenant, milestone_id: int) -> Milestone:
    return milestone_list(tenant=tenant).get(pk=milestone_id)


def objective_is_overdue(objective: Objective, *, today: dt.date) -> bool:
    return objective.due_on is not None and objective.due_on < today and objective.status not in CLOSED_STATUSES


def milestone_state(milestone: Milestone, *, today: dt.date) -> str:
    if milestone.done_on is not None:
        return DONE
    return OVERDUE if milestone.due_on < today else DUE


@dataclass
class PlannedObjective:
    objective: Objective
    measurements: list[Measurement]
    overdue: bool
    chart: dict | None = None

    @property
    def percent(self) -> int | None:
        progress = self.objective.progress
        return None if progress is None else round(progress * 100)

    @property
    def chart_id(self) -> str:
        return f"objective-{self.objective.pk}-chart"


@dataclass
class SuccessPlan:
    account: Account
    today: dt.date
    objectives: list[PlannedObjective] = field(default_factory=list)
    milestones: list[tuple[Milestone, str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.objectives and not self.milestones

    @property
    def has_charts(self) -> bool:
        return any(item.chart for item in self.objectives)


def success_plan(*, tenant: Tenant, account: Account) -> SuccessPlan:
    """The account's objectives with their measurements (oldest first) and its milestones: three queries."""
    today = tenant_time.today(tenant)
    measurements = Prefetch("measurements", queryset=measurement_list(tenant=tenant).order_by("measured_on", "id"))
    objectives = (
        Objective.objects.filter(tenant=tenant, account=account).select_related("owner").prefetch_related(measurements)
    )
    plan = SuccessPlan(account=account, today=today)
    for objective in objectives:
        rows = list(objective.measurements.all())
        chart = None
        if len(rows) >= 2:
            chart = {
                "days": [row.measured_on.isoformat() for row in rows],
                "values": [float(row.value) for row in rows],
                "baseline": float(objective.baseline),
                "target": float(objective.target),
                "unit": objective.unit,
                "metric": objective.metric,
            }
        plan.objectives.append(
            PlannedObjective(objective, rows, objective_is_overdue(objective, today=today), chart=chart)
        )
    for milestone in Milestone.objects.filter(tenant=tenant, account=account).select_related("objective"):
        plan.milestones.append((milestone, milestone_state(milestone, today=today)))
    return plan


def objective_book(
    *,
    tenant: Tenant,
    status: str | None = None,
    owner: User | None = None,
    csm: User | None = None,
    due_within: int | None = None,
    overdue: bool = False,
) -> QuerySet[Objective]:
    """Every objective in the tenant for a leader's view of value realisation, the soonest due first.

    `owner` is the objective's owner, `csm` the account's; `due_within` days from today (overdue
    ones included, they are due too), `overdue` only those past due and not achieved or missed.
    """
    today = tenant_time.today(tenant)
    objectives = objective_list(tenant=tenant)
    if status:
        objectives = objectives.filter(status=status)
    if owner is not None:
        objectives = objectives.filter(owner=owner)
    if csm is not None:
        objectives = objectives.filter(account__owner=csm)
    if due_within is not None:
        objectives = objectives.filter(due_on__lte=today + dt.timedelta(days=due_within))
    if overdue:
        objectives = objectives.filter(Q(due_on__lt=today) & ~Q(status__in=CLOSED_STATUSES))
    # Undated objectives last on every database.
    return objectives.order_by(F("due_on").asc(nulls_last=True), "account__name", "id")
