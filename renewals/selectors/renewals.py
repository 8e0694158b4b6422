"""Reads of the renewals list and a renewal's page: the list with each row's next checkpoint, the upcoming
and flagged renewals, a renewal's runway, its schedule sentences and its forecast history."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, OuterRef, QuerySet, Subquery

from accounts.models import Segment
from activities.models.tasks import LIVE
from core.text import plural
from tenancy.models import Tenant, User

from ..models import Checkpoint, ForecastChange, Renewal, RenewalStatus

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


def checkpoints_open(*, tenant: Tenant) -> QuerySet[Checkpoint]:
    """Checkpoints whose task is still work (open or snoozed), by their task's due day; `due_on` is an
    alias of it for filters and ordering."""
    # An alias, not an annotation: it is never set on the rows, where `due_on` is the property.
    live = Checkpoint.objects.filter(tenant=tenant, task__status__in=LIVE)
    return live.alias(due_on=F("task__due_on")).order_by("due_on", "position", "id")  # type: ignore[no-redef]


def _next_checkpoint(tenant: Tenant) -> QuerySet[Checkpoint]:
    return checkpoints_open(tenant=tenant).filter(renewal=OuterRef("pk"))


def renewal_list(*, tenant: Tenant) -> QuerySet[Renewal]:
    """Renewals with what a row shows (account, health, owner, the next open checkpoint), in one query."""
    upcoming = _next_checkpoint(tenant)
    return (
        Renewal.objects.filter(tenant=tenant)
        .select_related("account", "account__owner", "owner", "contract")
        .annotate(
            next_checkpoint_id=Subquery(upcoming.values("id")[:1]),
            next_checkpoint_title=Subquery(upcoming.values("title")[:1]),
            next_checkpoint_due_on=Subquery(upcoming.values("task__due_on")[:1]),
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
        .select_related("task", "task__owner", "task__closed_by")
        .order_by("task__due_on", "position", "id")
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
