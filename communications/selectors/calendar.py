"""Reads of the master calendar: the entries of a period (tenant, a CSM's accounts or one account, with
filters) and the account card. Periods are the tenant's: a month is a calendar month and a week an ISO week
(Mon-Sun) in the tenant's time zone."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import Account
from core import tenant_time, text
from tenancy.models import Tenant, User

from ..models import CalendarEntry, EntryStatus
from .entries import entry_list

MONTH, WEEK, LIST = "month", "week", "list"
VIEWS = (MONTH, WEEK, LIST)
SCOPE_ALL, SCOPE_MINE, SCOPE_ACCOUNT = "all", "mine", "account"
# Still to happen: what the customer will receive unless someone changes it.
PLANNED = (EntryStatus.SCHEDULED, EntryStatus.DEFERRED, EntryStatus.PENDING_APPROVAL, EntryStatus.SENDING)


@dataclass(frozen=True)
class Period:
    """A stretch of local days [first, last] and its bounds in UTC, with the anchors of its neighbours."""

    view: str
    first: dt.date
    last: dt.date
    start: dt.datetime
    end: dt.datetime
    previous: dt.date
    next: dt.date
    label: str


def _month_first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def calendar_period(*, tenant: Tenant, view: str, anchor: dt.date) -> Period:
    """The month (its whole weeks for the grid, Mon-Sun) or the ISO week around `anchor`; the list
    view covers the calendar month."""
    if view == WEEK:
        first = anchor - dt.timedelta(days=anchor.weekday())
        last = first + dt.timedelta(days=6)
        year, week, _ = first.isocalendar()
        label = f"Week {week} of {year}: {text.day(first)} to {text.day(last)}"
        previous, following = first - dt.timedelta(days=7), first + dt.timedelta(days=7)
    else:
        month = _month_first(anchor)
        following = _add_months(month, 1)
        previous = _add_months(month, -1)
        label = f"{month:%B %Y}"
        if view == MONTH:
            first = month - dt.timedelta(days=month.weekday())
            end_of_month = following - dt.timedelta(days=1)
            last = end_of_month + dt.timedelta(days=6 - end_of_month.weekday())
        else:
            first, last = month, following - dt.timedelta(days=1)
    return Period(
        view=view,
        first=first,
        last=last,
        start=tenant_time.at(tenant, first),
        end=tenant_time.at(tenant, last + dt.timedelta(days=1)),
        previous=previous,
        next=following,
        label=label,
    )


def calendar_entries(
    *,
    tenant: Tenant,
    start: dt.datetime,
    end: dt.datetime,
    account_owner: User | None = None,
    account: Account | None = None,
    team: str = "",
    message_type: str = "",
    channel: str = "",
    status: str = "",
) -> QuerySet[CalendarEntry]:
    """Every team's entries in [start, end), in time order: the whole tenant, the accounts `account_owner`
    owns, or one account; cancelled ones only when asked for by status."""
    entries = entry_list(tenant=tenant).filter(scheduled_at__gte=start, scheduled_at__lt=end)
    if account is not None:
        entries = entries.filter(account=account)
    elif account_owner is not None:
        entries = entries.filter(account__owner=account_owner)
    if team:
        entries = entries.filter(team=team)
    if message_type:
        entries = entries.filter(message_type=message_type)
    if channel:
        entries = entries.filter(channel=channel)
    entries = entries.filter(status=status) if status else entries.exclude(status=EntryStatus.CANCELLED)
    return entries.order_by("scheduled_at", "id")


def entries_by_day(entries, *, tenant: Tenant, first: dt.date, last: dt.date) -> dict[dt.date, list]:
    """The entries under their local day, every day of [first, last] present."""
    days: dict[dt.date, list] = {}
    day = first
    while day <= last:
        days[day] = []
        day += dt.timedelta(days=1)
    for entry in entries:
        local = tenant_time.local(tenant, entry.scheduled_at).date()
        if local in days:
            days[local].append(entry)
    return days


@dataclass
class AccountTouchpoints:
    upcoming: list[CalendarEntry]
    upcoming_count: int
    last_sent: CalendarEntry | None


def account_touchpoints(*, tenant: Tenant, account: Account, now: dt.datetime, shown: int = 5) -> AccountTouchpoints:
    """The account card: the next planned touchpoints (any team) and the last one sent."""
    planned = entry_list(tenant=tenant).filter(account=account, status__in=PLANNED, scheduled_at__gte=now)
    upcoming = list(planned.order_by("scheduled_at", "id")[: shown + 1])
    last_sent = (
        entry_list(tenant=tenant).filter(account=account, status=EntryStatus.SENT).order_by("-sent_at", "-id").first()
    )
    count = len(upcoming) if len(upcoming) <= shown else planned.count()
    return AccountTouchpoints(upcoming=upcoming[:shown], upcoming_count=count, last_sent=last_sent)


def status_counts(entries: list[CalendarEntry]) -> dict[str, int]:
    return dict(Counter(entry.status for entry in entries))
