"""Reads of renewals the pages and the API share: upcoming renewals, the quarter's forecast, the forecast
by month, the owners' checkpoint tasks and the renewals card of an account."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth

from accounts.models import Account, Segment
from core.text import plural
from tenancy.models import Tenant, User

from .metrics_periods import next_quarter, quarter_start
from .models import (
    Checkpoint,
    CheckpointStatus,
    Contract,
    ExpansionOpportunity,
    Forecast,
    ForecastChange,
    OpportunityStage,
    Outcome,
    OutcomeReason,
    Renewal,
    RenewalStatus,
    RunwayStep,
)

ZERO = Decimal(0)
# Sorts of the renewals list; health without a score sorts last either way.
RENEWAL_SORTS = {
    "due": (F("due_on").asc(), "pk"),
    "-due": (F("due_on").desc(), "-pk"),
    "arr": (F("arr").asc(), "due_on", "pk"),
    "-arr": (F("arr").desc(), "due_on", "pk"),
    "health": (F("account__health_score").asc(nulls_last=True), "due_on", "pk"),
    "-health": (F("account__health_score").desc(nulls_last=True), "due_on", "pk"),
}
ON_SCHEDULE, OVERDUE, COMPRESSED = "on_schedule", "overdue", "compressed"


def _next_checkpoint(tenant: Tenant) -> QuerySet[Checkpoint]:
    return Checkpoint.objects.filter(tenant=tenant, renewal=OuterRef("pk"), status=CheckpointStatus.OPEN).order_by(
        "due_on", "position", "id"
    )


def renewal_list(*, tenant: Tenant) -> QuerySet[Renewal]:
    """Renewals with what a row shows (account, health, owner, the next open checkpoint), in one query."""
    upcoming = _next_checkpoint(tenant)
    return (
        Renewal.objects.filter(tenant=tenant)
        .select_related("account", "account__owner", "owner", "contract")
        .annotate(
            next_checkpoint_id=Subquery(upcoming.values("id")[:1]),
            next_checkpoint_title=Subquery(upcoming.values("title")[:1]),
            next_checkpoint_due_on=Subquery(upcoming.values("due_on")[:1]),
            next_checkpoint_planned_on=Subquery(upcoming.values("planned_on")[:1]),
        )
    )


def renewal_get(*, tenant: Tenant, renewal_id: int) -> Renewal:
    return (
        renewal_list(tenant=tenant)
        .select_related("new_contract", "new_contract__renewal", "outcome_reason", "reviewed_by", "closed_by")
        .get(pk=renewal_id)
    )


def renewals_upcoming(
    *,
    tenant: Tenant,
    today: dt.date,
    within_days: int | None = None,
    overdue: bool = False,
    owner: User | None = None,
    segment: str | None = None,
    forecast: str | None = None,
    flagged: bool | None = None,
    search: str = "",
) -> QuerySet[Renewal]:
    """Open renewals due in the next `within_days` days (today included), or past their due date
    when `overdue`; narrowed by the renewal's owner, the account's segment, the forecast category,
    the review flag and the account's name."""
    renewals = renewal_list(tenant=tenant).filter(status=RenewalStatus.OPEN)
    if overdue:
        renewals = renewals.filter(due_on__lt=today)
    elif within_days is not None:
        renewals = renewals.filter(due_on__gte=today, due_on__lte=today + dt.timedelta(days=within_days))
    if owner is not None:
        renewals = renewals.filter(owner=owner)
    if segment:
        renewals = renewals.filter(account__segment=segment)
    if forecast:
        renewals = renewals.filter(forecast=forecast)
    if flagged is not None:
        renewals = renewals.filter(needs_review=flagged)
    if search.strip():
        renewals = renewals.filter(account__name__icontains=search.strip())
    return renewals.order_by(*RENEWAL_SORTS["due"])


def renewals_sorted(renewals: QuerySet[Renewal], sort: str) -> QuerySet[Renewal]:
    return renewals.order_by(*RENEWAL_SORTS.get(sort, RENEWAL_SORTS["due"]))


def renewals_flagged(*, tenant: Tenant) -> QuerySet[Renewal]:
    """Open renewals whose override the data disagrees with late in the runway: the leader's to look at."""
    return renewal_list(tenant=tenant).filter(status=RenewalStatus.OPEN, needs_review=True).order_by("due_on", "pk")


@dataclass(frozen=True)
class Schedule:
    key: str
    label: str


def checkpoint_schedule(*, due_on: dt.date | None, planned_on: dt.date | None, today: dt.date) -> Schedule | None:
    """Where an open checkpoint stands: overdue by some days, compressed after a late start, or on schedule."""
    if due_on is None:
        return None
    if due_on < today:
        days = (today - due_on).days
        return Schedule(OVERDUE, f"overdue {plural(days, 'day')}")
    if planned_on is not None and due_on != planned_on:
        return Schedule(COMPRESSED, "compressed")
    return Schedule(ON_SCHEDULE, "due today" if due_on == today else "on schedule")


def late_start_sentence(*, renewal: Renewal, checkpoints: list[Checkpoint]) -> str:
    """'Runway started late: contract known 45 days before its end; enterprise runways start at T-180;
    4 checkpoints compressed', or '' when the runway started in time."""
    if not renewal.is_late_start:
        return ""
    known = (renewal.due_on - renewal.runway_started_on).days
    segment = Segment(renewal.account.segment).label if renewal.account.segment in Segment.values else "this"
    compressed = sum(1 for c in checkpoints if c.is_compressed)
    return (
        f"Runway started late: contract known {plural(known, 'day')} before its end; "
        f"{segment.lower() if segment != 'SMB' else segment} runways start at T-{renewal.runway_days}; "
        f"{plural(compressed, 'checkpoint')} compressed"
    )


def renewal_checkpoints(*, tenant: Tenant, renewal: Renewal) -> list[Checkpoint]:
    """The runway in order, each with its renewal (already loaded) so rows need no more queries."""
    found = list(
        Checkpoint.objects.filter(tenant=tenant, renewal=renewal)
        .select_related("owner", "completed_by")
        .order_by("due_on", "position", "id")
    )
    for checkpoint in found:
        checkpoint.renewal = renewal
    return found


def renewal_forecast_changes(*, tenant: Tenant, renewal: Renewal) -> QuerySet[ForecastChange]:
    return (
        ForecastChange.objects.filter(tenant=tenant, renewal=renewal)
        .select_related("by")
        .order_by("-changed_at", "-id")
    )


def checkpoint_get(*, tenant: Tenant, checkpoint_id: int) -> Checkpoint:
    return Checkpoint.objects.select_related("renewal", "renewal__account", "owner", "completed_by").get(
        tenant=tenant, pk=checkpoint_id
    )


def quarter_of(day: dt.date, *, offset: int = 0) -> tuple[dt.date, dt.date]:
    """The first and last day of the quarter `day` is in, or of the `offset`-th one after it."""
    start = quarter_start(day)
    for _ in range(offset):
        start = next_quarter(start)
    return start, next_quarter(start) - dt.timedelta(days=1)


def quarter_label(start: dt.date) -> str:
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


@dataclass
class CategoryTotal:
    category: str
    label: str
    arr: Decimal = ZERO
    count: int = 0


@dataclass
class ForecastRollup:
    """A quarter's renewals: the open ones by forecast category, and what already closed."""

    start: dt.date
    end: dt.date
    categories: list[CategoryTotal] = field(default_factory=list)
    renewed_arr: Decimal = ZERO
    renewed_count: int = 0
    churned_arr: Decimal = ZERO
    churned_count: int = 0

    @property
    def label(self) -> str:
        return quarter_label(self.start)

    @property
    def open_arr(self) -> Decimal:
        return sum((c.arr for c in self.categories), ZERO)

    @property
    def open_count(self) -> int:
        return sum(c.count for c in self.categories)

    @property
    def at_risk_arr(self) -> Decimal:
        return next((c.arr for c in self.categories if c.category == Forecast.AT_RISK), ZERO)


def forecast_rollup(
    *, tenant: Tenant, start: dt.date, end: dt.date, owner: User | None = None, segment: str | None = None
) -> ForecastRollup:
    """The renewals due between `start` and `end` (both included), in one query: open ones by category
    (ARR up for renewal), closed ones as renewed (the new ARR of renewed, expanded and contracted
    renewals) and churned (the ARR lost)."""
    renewals = Renewal.objects.filter(tenant=tenant, due_on__gte=start, due_on__lte=end)
    if owner is not None:
        renewals = renewals.filter(owner=owner)
    if segment:
        renewals = renewals.filter(account__segment=segment)
    is_open = Q(status=RenewalStatus.OPEN)
    kept = Q(status=RenewalStatus.CLOSED) & ~Q(outcome=Outcome.CHURNED)
    churned = Q(status=RenewalStatus.CLOSED, outcome=Outcome.CHURNED)
    sums = {}
    for category in Forecast.values:
        sums[f"{category}_arr"] = Coalesce(Sum("arr", filter=is_open & Q(forecast=category)), ZERO)
        sums[f"{category}_count"] = Count("pk", filter=is_open & Q(forecast=category))
    totals = renewals.aggregate(
        **sums,
        renewed_arr=Coalesce(Sum("outcome_arr", filter=kept), ZERO),
        renewed_count=Count("pk", filter=kept),
        churned_arr=Coalesce(Sum("arr", filter=churned), ZERO),
        churned_count=Count("pk", filter=churned),
    )
    return ForecastRollup(
        start=start,
        end=end,
        categories=[
            CategoryTotal(value, label, totals[f"{value}_arr"], totals[f"{value}_count"])
            for value, label in Forecast.choices
        ],
        renewed_arr=totals["renewed_arr"],
        renewed_count=totals["renewed_count"],
        churned_arr=totals["churned_arr"],
        churned_count=totals["churned_count"],
    )


@dataclass
class ForecastMonth:
    month: dt.date
    arr: dict[str, Decimal]

    @property
    def label(self) -> str:
        return f"{self.month:%b %Y}"


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, 1)


def forecast_by_month(
    *, tenant: Tenant, today: dt.date, months: int = 12, owner: User | None = None, segment: str | None = None
) -> list[ForecastMonth]:
    """The open renewals' ARR by due month and category, this month and the `months - 1` after it, in one query."""
    first = today.replace(day=1)
    after = _add_months(first, months)
    renewals = Renewal.objects.filter(tenant=tenant, status=RenewalStatus.OPEN, due_on__gte=first, due_on__lt=after)
    if owner is not None:
        renewals = renewals.filter(owner=owner)
    if segment:
        renewals = renewals.filter(account__segment=segment)
    rows = (
        renewals.annotate(month=TruncMonth("due_on"))
        .order_by()
        .values("month", "forecast")
        .annotate(total=Coalesce(Sum("arr"), ZERO))
    )
    by_month = {_add_months(first, i): dict.fromkeys(Forecast.values, ZERO) for i in range(months)}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        by_month[month][row["forecast"]] += row["total"]
    return [ForecastMonth(month=month, arr=arr) for month, arr in by_month.items()]


def forecast_chart(months: list[ForecastMonth]) -> dict:
    """The chart's data: labels and one ARR series per category (floats: the chart only draws them)."""
    return {
        "labels": [m.label for m in months],
        "series": [
            {"key": value, "label": label, "data": [float(m.arr[value]) for m in months]}
            for value, label in Forecast.choices
        ],
    }


def checkpoint_tasks(*, tenant: Tenant, owner: User | None, today: dt.date) -> QuerySet[Checkpoint]:
    """Open checkpoints of open renewals, the earliest first: the `owner`'s, or everyone's when None.
    `today` marks which are overdue (each row gets `is_late`)."""
    tasks = Checkpoint.objects.filter(
        tenant=tenant, status=CheckpointStatus.OPEN, renewal__status=RenewalStatus.OPEN
    ).select_related("renewal", "renewal__account", "owner")
    if owner is not None:
        tasks = tasks.filter(owner=owner)
    return tasks.order_by("due_on", "position", "id")


def week_end(today: dt.date) -> dt.date:
    """The Sunday that ends `today`'s week: "due this week" runs to it."""
    return today + dt.timedelta(days=6 - today.weekday())


@dataclass
class AccountRenewalsCard:
    contracts: list[Contract]
    renewal: Renewal | None
    checkpoints: list[Checkpoint]
    opportunities: list[ExpansionOpportunity]


def account_renewals_card(*, tenant: Tenant, account: Account) -> AccountRenewalsCard:
    """An account's contracts, its next open renewal with the runway, and its open opportunities."""
    contracts = list(Contract.objects.filter(tenant=tenant, account=account).order_by("-end_on", "-id"))
    renewal = (
        renewal_list(tenant=tenant).filter(account=account, status=RenewalStatus.OPEN).order_by("due_on", "pk").first()
    )
    checkpoints = renewal_checkpoints(tenant=tenant, renewal=renewal) if renewal else []
    opportunities = list(
        ExpansionOpportunity.objects.filter(
            tenant=tenant, account=account, stage__in=OpportunityStage.open_stages()
        ).order_by("expected_close_on", "-identified_on", "id")
    )
    return AccountRenewalsCard(contracts, renewal, checkpoints, opportunities)


def runway_step_get(*, tenant: Tenant, runway_step_id: int) -> RunwayStep:
    return RunwayStep.objects.get(tenant=tenant, pk=runway_step_id)


def outcome_reason_get(*, tenant: Tenant, outcome_reason_id: int) -> OutcomeReason:
    return OutcomeReason.objects.get(tenant=tenant, pk=outcome_reason_id)


@dataclass
class RunwayGrid:
    """The runway steps as a grid: one row per segment, one column per T-minus day in use anywhere."""

    days: list[int]
    rows: list[tuple[str, str, list[RunwayStep | None]]]


def runway_grid(steps: list[RunwayStep]) -> RunwayGrid:
    days = sorted({s.days_before for s in steps}, reverse=True)
    cells = {(s.segment, s.days_before): s for s in steps}
    return RunwayGrid(
        days=days,
        rows=[(value, label, [cells.get((value, d)) for d in days]) for value, label in Segment.choices],
    )
