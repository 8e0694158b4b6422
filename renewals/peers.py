"""Reads renewals offers the apps above it (communications' blackouts, cadences and merge fields, journeys'
board) and health's backtest (through the reader renewals registers there), so none imports its models."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from activities.models.tasks import CLOSED
from tenancy.models import Tenant

from .models import (
    Checkpoint,
    Contract,
    ExpansionOpportunity,
    Forecast,
    ForecastChange,
    OpportunityStage,
    Outcome,
    Renewal,
    RenewalStatus,
)


def accounts_next_renewal(*, tenant: Tenant, account_ids) -> dict[int, dt.date]:
    """Per account, the due date of its next open renewal."""
    found: dict[int, dt.date] = {}
    rows = (
        Renewal.objects.filter(tenant=tenant, account_id__in=list(account_ids), status=RenewalStatus.OPEN)
        .order_by("due_on", "id")
        .values_list("account_id", "due_on")
    )
    for account_id, due_on in rows:
        found.setdefault(account_id, due_on)
    return found


def accounts_in_renewal_negotiation(
    *, tenant: Tenant, account_ids, on: dt.date, window_days: int
) -> dict[int, dt.date]:
    """Per account negotiating a renewal on `on` (an open renewal due within `window_days`, or overdue and
    still open), the renewal's due date."""
    return {
        account_id: due_on
        for account_id, due_on in accounts_next_renewal(tenant=tenant, account_ids=account_ids).items()
        if (due_on - on).days <= window_days
    }


def renewal_outcomes(*, tenant: Tenant, until: dt.date) -> list[tuple[int, bool, dt.date]]:
    """Every decided renewal up to `until`: (account, churned, the day it was decided), oldest first.

    The day is the renewal date (the contract's end), or the day it was closed when that came first: a
    renewal signed a month early was decided then, and a churn recorded late still happened at the end."""
    rows = (
        Renewal.objects.filter(tenant=tenant, status=RenewalStatus.CLOSED, closed_on__isnull=False)
        .filter(Q(due_on__lte=until) | Q(closed_on__lte=until))
        .exclude(outcome="")
        .values_list("account_id", "outcome", "due_on", "closed_on")
    )
    decided = [
        (account_id, outcome == Outcome.CHURNED, min(due_on, closed_on))
        for account_id, outcome, due_on, closed_on in rows
    ]
    return sorted(decided, key=lambda o: (o[2], o[0]))


@dataclass(frozen=True)
class RenewalInRunway:
    """An open renewal whose runway has begun: its account is in the renewal phase of its journey."""

    renewal_id: int
    account_id: int
    account_name: str
    owner_name: str
    due_on: dt.date
    runway_from: dt.date
    forecast: str
    forecast_label: str
    checkpoints_done: int
    checkpoints_total: int
    days_left: int

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)


def _in_runway(*, tenant: Tenant, today: dt.date, account_ids: Iterable[int] | QuerySet | None) -> QuerySet[Renewal]:
    """Open renewals whose runway_begins_on is on or before `today`, worked out in SQL."""
    renewals = Renewal.objects.filter(tenant=tenant, status=RenewalStatus.OPEN, runway_started_on__lte=today)
    if account_ids is not None:
        renewals = renewals.filter(account_id__in=account_ids)
    # Each renewal carries its segment's runway length and a tenant uses only a few, so the due-date half of
    # runway_begins_on is one condition per length: the page then reads only the renewals it shows.
    begun = Q()
    for days in renewals.order_by().values_list("runway_days", flat=True).distinct():
        begun |= Q(runway_days=days, due_on__lte=today + dt.timedelta(days=days))
    return renewals.filter(begun) if begun else renewals.none()


def renewals_in_runway(
    *,
    tenant: Tenant,
    today: dt.date,
    account_ids: Iterable[int] | QuerySet | None = None,
    limit: int | None = None,
) -> tuple[list[RenewalInRunway], int]:
    """Open renewals whose runway has begun by `today`, soonest due first (an overdue one still open is in it),
    at most `limit` of them, and how many there are in all.

    The runway begins the segment's runway days before the due date, or the day the renewal opened when
    the contract became known later than that (a late start)."""
    renewals = _in_runway(tenant=tenant, today=today, account_ids=account_ids)
    # Counted in the same query: a board of many renewals costs one read.
    rows = (
        renewals.annotate(
            done=Count("checkpoints", filter=Q(checkpoints__task__status__in=CLOSED)),
            total=Count("checkpoints"),
        )
        .select_related("account", "owner")
        .order_by("due_on", "id")
    )
    rows = list(rows if limit is None else rows[:limit])
    total = len(rows) if limit is None or len(rows) < limit else renewals.count()
    labels = dict(Renewal._meta.get_field("forecast").choices)
    found = [
        RenewalInRunway(
            renewal_id=renewal.pk,
            account_id=renewal.account_id,
            account_name=renewal.account.name,
            owner_name=str(renewal.owner) if renewal.owner else "",
            due_on=renewal.due_on,
            runway_from=renewal.runway_begins_on,
            forecast=renewal.forecast,
            forecast_label=labels.get(renewal.forecast, renewal.forecast),
            checkpoints_done=renewal.done,
            checkpoints_total=renewal.total,
            days_left=(renewal.due_on - today).days,
        )
        for renewal in rows
    ]
    return found, total


# The forecast categories a playbook may set (playbooks.catalogue).
FORECASTS = tuple(Forecast.choices)


# What a playbook's preview replays and its effectiveness measures (playbooks.services.preview,
# playbooks.selectors.effectiveness): the stored history in a window, one query each.


@dataclass(frozen=True)
class CheckpointPlanned:
    checkpoint_id: int
    account_id: int
    renewal_id: int
    days_before: int
    planned_on: dt.date


def checkpoints_planned_between(*, tenant: Tenant, start: dt.date, end: dt.date) -> list[CheckpointPlanned]:
    """Runway checkpoints whose planned day (T-minus) fell from `start` to `end`, both included, in day order."""
    rows = (
        Checkpoint.objects.filter(tenant=tenant, planned_on__gte=start, planned_on__lte=end)
        .order_by("planned_on", "pk")
        .values_list("pk", "renewal__account_id", "renewal_id", "days_before", "planned_on")
    )
    return [CheckpointPlanned(*row) for row in rows]


@dataclass(frozen=True)
class RenewalDecided:
    renewal_id: int
    account_id: int
    outcome: str
    closed_on: dt.date
    arr: Decimal
    outcome_arr: Decimal | None


def renewals_decided_between(*, tenant: Tenant, start: dt.date, end: dt.date, account_ids=None) -> list[RenewalDecided]:
    """Renewals closed with an outcome from `start` to `end` (both included; of these accounts only, if
    given), in the order they were closed."""
    found = Renewal.objects.filter(
        tenant=tenant, status=RenewalStatus.CLOSED, closed_on__gte=start, closed_on__lte=end
    ).exclude(outcome="")
    if account_ids is not None:
        found = found.filter(account_id__in=list(account_ids))
    rows = found.order_by("closed_on", "pk").values_list(
        "pk", "account_id", "outcome", "closed_on", "arr", "outcome_arr"
    )
    return [RenewalDecided(*row) for row in rows]


@dataclass(frozen=True)
class ContractSeen:
    contract_id: int
    account_id: int
    created_at: dt.datetime


def contracts_created_between(*, tenant: Tenant, start: dt.datetime, end: dt.datetime) -> list[ContractSeen]:
    """Contracts recorded from `start` (included) to `end` (excluded), oldest first."""
    rows = (
        Contract.objects.filter(tenant=tenant, created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "pk")
        .values_list("pk", "account_id", "created_at")
    )
    return [ContractSeen(*row) for row in rows]


@dataclass(frozen=True)
class ForecastChangeSeen:
    change_id: int
    account_id: int
    renewal_id: int
    from_category: str
    to_category: str
    changed_at: dt.datetime


def forecast_changes_between(
    *, tenant: Tenant, start: dt.datetime, end: dt.datetime, to_category: str | None = None
) -> list[ForecastChangeSeen]:
    """Forecast changes from `start` (included) to `end` (excluded), to this category only if given."""
    found = ForecastChange.objects.filter(tenant=tenant, changed_at__gte=start, changed_at__lt=end)
    if to_category is not None:
        found = found.filter(to_category=to_category)
    rows = found.order_by("changed_at", "pk").values_list(
        "pk", "renewal__account_id", "renewal_id", "from_category", "to_category", "changed_at"
    )
    return [ForecastChangeSeen(*row) for row in rows]


@dataclass(frozen=True)
class OpportunitySeen:
    opportunity_id: int
    account_id: int
    identified_on: dt.date
    stage: str
    value: Decimal
    closed_on: dt.date | None

    @property
    def is_won(self) -> bool:
        return self.stage == OpportunityStage.WON


def opportunities_identified_between(
    *, tenant: Tenant, account_ids, start: dt.date, end: dt.date
) -> list[OpportunitySeen]:
    """The expansion opportunities of these accounts identified from `start` to `end` (both included), with
    their stage and value now."""
    rows = (
        ExpansionOpportunity.objects.filter(
            tenant=tenant, account_id__in=list(account_ids), identified_on__gte=start, identified_on__lte=end
        )
        .order_by("identified_on", "pk")
        .values_list("pk", "account_id", "identified_on", "stage", "value", "closed_on")
    )
    return [OpportunitySeen(*row) for row in rows]


def renewal_forecast_for_playbook(
    *, tenant: Tenant, account_id: int, category: str, reason: str, playbook_id: int
) -> int | None:
    """A playbook's "set the forecast": the account's next open renewal gets `category` as an override with
    `reason`, and the forecast_changed news names the playbook as its origin (so it does not fire itself).
    The renewal's id, or None when the account has no open renewal."""
    from .services.forecast import renewal_set_forecast

    renewal = (
        Renewal.objects.filter(tenant=tenant, account_id=account_id, status=RenewalStatus.OPEN)
        .select_related("tenant")
        .order_by("due_on", "id")
        .first()
    )
    if renewal is None:
        return None
    if renewal.is_override and renewal.forecast == category:
        # Already where the playbook wants it: a second run changes nothing and announces nothing.
        return renewal.pk
    renewal_set_forecast(
        renewal=renewal, category=category, by=None, reason=reason[:300], origin_playbook_id=playbook_id
    )
    return renewal.pk


def opportunity_open_for_playbook(*, tenant: Tenant, account, title: str, amount, note: str = "") -> int:
    """A playbook's "open an expansion opportunity" (source: a playbook), owned by the account's owner."""
    from .models import OpportunityKind, OpportunitySource
    from .services.pipeline import opportunity_create

    opportunity = opportunity_create(
        tenant=tenant,
        account=account,
        title=title,
        kind=OpportunityKind.SEATS,
        value=amount or 0,
        by=None,
        source=OpportunitySource.PLAYBOOK,
        note=note,
    )
    return opportunity.pk
