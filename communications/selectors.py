"""Reads of the master calendar that the pages share: the entries of a period (tenant, a CSM's accounts or
one account, with filters), an entry with what happened to it, the approvals queue, the owners' tasks and
the account card. Periods are the tenant's: a month is a calendar month and a week an ISO week (Mon-Sun)
in the tenant's time zone."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet

from accounts.models import Account, Contact
from core import tenant_time, text
from tenancy.models import Tenant, User

from .models import (
    Approval,
    ApprovalDecision,
    CalendarEntry,
    Delivery,
    DeliveryStatus,
    EngagementEvent,
    EntryStatus,
    OwnerTask,
    OwnerTaskStatus,
)

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


def entry_list(*, tenant: Tenant) -> QuerySet[CalendarEntry]:
    return CalendarEntry.objects.filter(tenant=tenant).select_related("account", "owner")


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


def entry_get(*, tenant: Tenant, entry_id: int) -> CalendarEntry:
    return entry_list(tenant=tenant).select_related("created_by", "enrollment__cadence").get(pk=entry_id)


def entry_contacts(*, tenant: Tenant, entry: CalendarEntry) -> list[Contact]:
    return list(Contact.objects.filter(tenant=tenant, calendar_entries=entry).order_by("name", "id"))


def entry_approvals(*, tenant: Tenant, entry: CalendarEntry) -> list[Approval]:
    return list(Approval.objects.filter(tenant=tenant, entry=entry).select_related("by"))


def entry_deliveries(*, tenant: Tenant, entry: CalendarEntry) -> list[Delivery]:
    return list(Delivery.objects.filter(tenant=tenant, entry=entry).select_related("contact").order_by("id"))


REACHED = (DeliveryStatus.SENT, DeliveryStatus.AVAILABLE, DeliveryStatus.READ)


@dataclass(frozen=True)
class Reach:
    """How many of the entry's recipients it reached, and how many a worker stopped while sending to."""

    reached: int
    intended: int
    unreached: int


def entry_reach(deliveries: list[Delivery]) -> Reach:
    return Reach(
        reached=sum(d.status in REACHED for d in deliveries),
        intended=len(deliveries),
        unreached=sum(d.status == DeliveryStatus.SENDING for d in deliveries),
    )


@dataclass
class Engagement:
    deliveries: int = 0
    opened: int = 0
    clicked: int = 0
    events: dict[str, int] = field(default_factory=dict)
    logged: list = field(default_factory=list)


def entry_engagement(*, tenant: Tenant, entry: CalendarEntry, deliveries: list[Delivery]) -> Engagement:
    """How the entry's deliveries were received: opens and clicks per delivery, and the events logged."""
    events = EngagementEvent.objects.filter(tenant=tenant, entry=entry)
    counts = dict(events.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return Engagement(
        deliveries=len(deliveries),
        opened=sum(1 for d in deliveries if d.opened_at),
        clicked=sum(1 for d in deliveries if d.clicked_at),
        events=counts,
        logged=list(events.filter(kind__in=("reply", "meeting")).select_related("contact", "logged_by")[:20]),
    )


def approvals_pending(*, tenant: Tenant) -> QuerySet[CalendarEntry]:
    """Bulk sends waiting for a leader or an admin, the earliest due first, with who asked."""
    requests = Approval.objects.filter(tenant=tenant, decision=ApprovalDecision.REQUESTED).select_related("by")
    return (
        entry_list(tenant=tenant)
        .filter(status=EntryStatus.PENDING_APPROVAL)
        .prefetch_related(Prefetch("approvals", queryset=requests, to_attr="requests"))
        .order_by("scheduled_at", "id")
    )


def approvals_decided(*, tenant: Tenant, limit: int = 20) -> list[Approval]:
    return list(
        Approval.objects.filter(tenant=tenant)
        .exclude(decision=ApprovalDecision.REQUESTED)
        .select_related("entry__account", "by")
        .order_by("-at", "-id")[:limit]
    )


def owner_tasks(*, tenant: Tenant, owner: User, status: str = OwnerTaskStatus.OPEN) -> QuerySet[OwnerTask]:
    """A person's calls, webinars, community posts and SMS, the earliest due first (done: the latest first)."""
    tasks = OwnerTask.objects.filter(tenant=tenant, owner=owner, status=status).select_related(
        "entry__account", "owner"
    )
    return tasks.order_by("due_at", "id") if status == OwnerTaskStatus.OPEN else tasks.order_by("-done_at", "-id")


def owner_task_get(*, tenant: Tenant, task_id: int) -> OwnerTask:
    return OwnerTask.objects.select_related("entry__account", "owner").get(tenant=tenant, pk=task_id)


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


def contacts_of(*, tenant: Tenant, account_id: int | None) -> QuerySet[Contact]:
    if not account_id:
        return Contact.objects.none()
    return Contact.objects.filter(tenant=tenant, account_id=account_id, is_active=True).order_by("name")
