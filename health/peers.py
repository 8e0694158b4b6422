"""What health offers the apps above it (renewals, journeys, communications): reads that take the tenant, and
the value types its events and reads carry, so no app above imports health's models or internals. Health's
event itself (signals_changed) is in health.signals."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum, Window
from django.db.models.functions import Lag

from accounts.models import Contact
from tenancy.models import Tenant

from .models import (
    AccountRollup,
    Band,
    ContactHealth,
    HealthScore,
    HealthSignal,
    Severity,
    SignalKind,
    SignalStatus,
    SupportTicket,
    TicketPriority,
    TicketStatus,
)
from .selectors.scores import SEVERITY_RANK
from .services.backtest import register_decided_outcomes

__all__ = [
    "SEVERITY_RANK",
    "Band",
    "HealthSignal",
    "LatestHealth",
    "Severity",
    "SignalKind",
    "SignalStatus",
    "account_usage_between",
    "accounts_latest_health",
    "accounts_latest_scores",
    "accounts_open_p1_tickets",
    "accounts_open_signals",
    "register_decided_outcomes",
    "signals_of",
]


def signals_of(*, tenant: Tenant, ids, kinds=None) -> list[HealthSignal]:
    """The signals of a signals_changed announcement (of these kinds only, if given), in the order they were
    raised: one query, however many."""
    found = HealthSignal.objects.filter(tenant=tenant, pk__in=list(ids))
    if kinds is not None:
        found = found.filter(kind__in=list(kinds))
    return list(found.order_by("pk"))


def accounts_latest_scores(*, tenant: Tenant, account_ids, fields: tuple[str, ...]) -> dict[int, HealthScore]:
    """Each account's most recent daily snapshot (only `fields` loaded): one query for any number of accounts."""
    last_day = HealthScore.objects.filter(tenant=tenant, account_id=OuterRef("account_id")).order_by("-day")
    return {
        s.account_id: s
        for s in HealthScore.objects.filter(tenant=tenant, account_id__in=list(account_ids))
        .filter(day=Subquery(last_day.values("day")[:1]))
        .only("account_id", *fields)
    }


def accounts_open_signals(*, tenant: Tenant, account_ids) -> dict[int, list[HealthSignal]]:
    """Per account, its open health signals (renewals' forecast weighs them): one query."""
    found: dict[int, list[HealthSignal]] = defaultdict(list)
    for signal in HealthSignal.objects.filter(
        tenant=tenant, account_id__in=list(account_ids), status=SignalStatus.OPEN
    ):
        found[signal.account_id].append(signal)
    return found


@dataclass(frozen=True)
class LatestHealth:
    """An account's most recent score, as other apps read it (journeys' exit criteria)."""

    day: dt.date | None
    score: int | None
    band: str
    measures: dict
    power_users: int

    def raw(self, key: str):
        return (self.measures.get(key) or {}).get("raw")


def accounts_latest_health(*, tenant: Tenant, account_ids: list[int]) -> dict[int, LatestHealth]:
    """Each account's latest daily score and how many power users it has: three queries for any number."""
    scores = accounts_latest_scores(tenant=tenant, account_ids=account_ids, fields=("day", "score", "band", "measures"))
    flagged = ContactHealth.objects.filter(tenant=tenant, account_id__in=account_ids, is_power_user=True)
    power = {row["account_id"]: row["n"] for row in flagged.values("account_id").annotate(n=Count("id"))}
    by_role = Contact.objects.filter(
        tenant=tenant, account_id__in=account_ids, is_active=True, roles__contains="power_user"
    ).exclude(pk__in=flagged.values("contact_id"))
    for row in by_role.values("account_id").annotate(n=Count("id")):
        power[row["account_id"]] = power.get(row["account_id"], 0) + row["n"]
    result = {}
    for account_id in account_ids:
        s = scores.get(account_id)
        result[account_id] = LatestHealth(
            s.day if s else None,
            s.score if s else None,
            s.band if s else "",
            s.measures if s else {},
            power.get(account_id, 0),
        )
    return result


def accounts_open_p1_tickets(*, tenant: Tenant, account_ids) -> dict[int, list[str]]:
    """Per account, the subjects of its open or pending P1 tickets (a promotional blackout holds while any is)."""
    found: dict[int, list[str]] = {}
    tickets = SupportTicket.objects.filter(
        tenant=tenant,
        account_id__in=list(account_ids),
        priority=TicketPriority.P1,
        status__in=[TicketStatus.OPEN, TicketStatus.PENDING],
    ).order_by("opened_at", "id")
    for account_id, subject, external_id in tickets.values_list("account_id", "subject", "external_id"):
        found.setdefault(account_id, []).append(f"{external_id} {subject}".strip() if external_id else subject)
    return found


def account_usage_between(*, tenant: Tenant, account_id: int, start: dt.date, end: dt.date) -> dict[str, int]:
    """How often each event happened at the account from `start` to `end` (both included), from the daily
    rollups: "your team used Reports 127 times this month"."""
    # The account rollups: one row per event name and day, a third of the per-person rows.
    rows = (
        AccountRollup.objects.filter(tenant=tenant, account_id=account_id, day__gte=start, day__lte=end)
        .values("name")
        .annotate(total=Sum("count"))
    )
    return {row["name"]: int(row["total"] or 0) for row in rows}


# The choices a playbook's triggers and conditions name (playbooks.catalogue).
BANDS = tuple(Band.choices)
SIGNAL_KINDS = tuple(SignalKind.choices)


# What a playbook's preview replays and its effectiveness measures (playbooks.services.preview,
# playbooks.selectors.effectiveness): the stored history, read in one query whatever its size.


@dataclass(frozen=True)
class SignalRaised:
    """A signal as a playbook's preview replays it: the day it was raised and what it said (a band change's
    bands, a score drop's scores)."""

    signal_id: int
    account_id: int
    kind: str
    raised_on: dt.date
    data: dict


def signals_raised_between(*, tenant: Tenant, start: dt.date, end: dt.date, kinds=None) -> list[SignalRaised]:
    """Every signal raised from `start` to `end` (the tenant's days, both included), of these kinds only if
    given, in the order they were raised."""
    found = HealthSignal.objects.filter(tenant=tenant, raised_on__gte=start, raised_on__lte=end)
    if kinds is not None:
        found = found.filter(kind__in=list(kinds))
    rows = found.order_by("raised_on", "raised_at", "pk").values_list("pk", "account_id", "kind", "raised_on", "data")
    return [SignalRaised(pk, account_id, kind, raised_on, data or {}) for pk, account_id, kind, raised_on, data in rows]


def accounts_band_changes(
    *, tenant: Tenant, account_ids, start: dt.date, end: dt.date
) -> dict[int, list[tuple[dt.date, str]]]:
    """Per account, its band on its first scored day from `start` to `end` and every day it changed after that,
    as (day, band) in day order: the band on any day is the last change on or before it. The database
    compares each snapshot with the one before (a window function), so a year of a stable account is one row,
    not 365."""
    previous = Window(Lag("band"), partition_by=[F("account_id")], order_by=F("day").asc())
    rows = (
        HealthScore.objects.filter(tenant=tenant, account_id__in=list(account_ids), day__gte=start, day__lte=end)
        .annotate(previous=previous)
        .filter(Q(previous__isnull=True) | ~Q(band=F("previous")))
        .order_by("account_id", "day")
        .values_list("account_id", "day", "band")
    )
    found: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for account_id, day, band in rows:
        found[account_id].append((day, band))
    return dict(found)
