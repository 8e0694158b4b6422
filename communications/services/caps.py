"""Frequency caps: how many non-transactional messages a contact already has on a channel in the ISO
week and the calendar month (in the tenant's zone) of a moment, and the next moment everybody is under."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from accounts.models import Contact
from tenancy.models import Tenant

from ..models import CalendarEntry, Channel, EntryStatus, MessageType
from .settings import communication_settings, frequency_caps

# What a contact has "already": planned, moved, going out or gone.
COUNTED_STATUSES = (EntryStatus.SCHEDULED, EntryStatus.DEFERRED, EntryStatus.SENDING, EntryStatus.SENT)
WEEK, MONTH = "week", "month"
# Safety net only: a cap of one a week always has an open week within a few.
MAX_WINDOWS = 60

CHANNEL_NOUNS: dict[str, tuple[str, str]] = {
    Channel.EMAIL: ("email", "emails"),
    Channel.IN_APP: ("in-app message", "in-app messages"),
    Channel.CALL: ("call", "calls"),
    Channel.WEBINAR: ("webinar invitation", "webinar invitations"),
    Channel.SMS: ("text message", "text messages"),
    Channel.COMMUNITY: ("community post", "community posts"),
}


@dataclass
class CapCheck:
    # (contact, "week" or "month", how many it already has, the cap)
    over: list[tuple[Contact, str, int, int]] = field(default_factory=list)
    # `at` itself when nobody is over; else the first local send hour when everybody is under.
    next_open_at: dt.datetime | None = None

    @property
    def is_over(self) -> bool:
        return bool(self.over)


def channel_noun(channel: str, count: int) -> str:
    one, many = CHANNEL_NOUNS.get(channel, ("message", "messages"))
    return one if count == 1 else many


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _local_start(day: dt.date, zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


def _periods(at: dt.datetime, zone) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    local = at.astimezone(zone).date()
    monday = week_start(local)
    first = local.replace(day=1)
    return {
        WEEK: (_local_start(monday, zone), _local_start(monday + dt.timedelta(days=7), zone)),
        MONTH: (_local_start(first, zone), _local_start(first + relativedelta(months=1), zone)),
    }


def contact_counts(
    *,
    tenant: Tenant,
    contacts: list[Contact],
    channel: str,
    start: dt.datetime,
    end: dt.datetime,
    exclude_entry_id: int | None = None,
) -> dict[int, list[dt.datetime]]:
    """When each contact has a counted message on `channel` in [start, end): named on the entry, or
    reached through the entry's audience role at their account."""
    ids = {c.pk for c in contacts}
    found: dict[int, list[dt.datetime]] = defaultdict(list)
    if not ids:
        return found
    counted = CalendarEntry.objects.filter(
        tenant=tenant, channel=channel, status__in=COUNTED_STATUSES, scheduled_at__gte=start, scheduled_at__lt=end
    ).exclude(message_type=MessageType.TRANSACTIONAL)
    if exclude_entry_id:
        counted = counted.exclude(pk=exclude_entry_id)
    # Through the link table: one row per (entry, contact), whoever else the entry names.
    links = CalendarEntry.contacts.through.objects.filter(
        contact_id__in=ids, calendarentry__in=counted.filter(audience_role="")
    ).values_list("contact_id", "calendarentry__scheduled_at")
    for contact_id, at in links:
        found[contact_id].append(at)
    by_account: dict[int, list[Contact]] = defaultdict(list)
    for contact in contacts:
        by_account[contact.account_id].append(contact)
    by_role = (
        counted.exclude(audience_role="")
        .filter(account_id__in=by_account)
        .values_list("account_id", "audience_role", "scheduled_at")
    )
    for account_id, role, at in by_role:
        for contact in by_account[account_id]:
            if contact.is_active and role in contact.role_list:
                found[contact.pk].append(at)
    return found


def _over_at(
    tenant: Tenant, contacts: list[Contact], channel: str, limits: dict[str, int], at: dt.datetime, exclude
) -> list[tuple[Contact, str, int, int]]:
    periods = _periods(at, tenant.zone)
    wanted = [periods[p] for p in limits]
    counts = contact_counts(
        tenant=tenant,
        contacts=contacts,
        channel=channel,
        start=min(s for s, _ in wanted),
        end=max(e for _, e in wanted),
        exclude_entry_id=exclude,
    )
    over = []
    for contact in contacts:
        times = counts.get(contact.pk, [])
        for period, limit in limits.items():
            start, end = periods[period]
            count = sum(1 for t in times if start <= t < end)
            if count >= limit:
                over.append((contact, period, count, limit))
    return over


def cap_check(
    *,
    tenant: Tenant,
    contacts: Iterable[Contact],
    channel: str,
    at: dt.datetime,
    exclude_entry_id: int | None = None,
) -> CapCheck:
    """Who is already at a cap in the week or month of `at`, and the first local send hour of a day when
    nobody is (the next ISO week and/or the next month, as often as needed). Transactional messages are
    neither counted nor checked: the caller skips them."""
    contacts = list(contacts)
    cap = frequency_caps(tenant=tenant).get(channel)
    limits = {p: n for p, n in ((WEEK, cap and cap.per_week), (MONTH, cap and cap.per_month)) if n}
    if not limits or not contacts:
        return CapCheck(over=[], next_open_at=at)
    over = _over_at(tenant, contacts, channel, limits, at, exclude_entry_id)
    if not over:
        return CapCheck(over=[], next_open_at=at)
    zone, send_hour = tenant.zone, communication_settings(tenant=tenant).send_hour
    candidate, blocking = at, over
    for _ in range(MAX_WINDOWS):
        local = candidate.astimezone(zone).date()
        day = local
        if any(period == WEEK for _, period, _, _ in blocking):
            day = max(day, week_start(local) + dt.timedelta(days=7))
        if any(period == MONTH for _, period, _, _ in blocking):
            day = max(day, local.replace(day=1) + relativedelta(months=1))
        candidate = dt.datetime.combine(day, dt.time(send_hour), tzinfo=zone).astimezone(dt.UTC)
        blocking = _over_at(tenant, contacts, channel, limits, candidate, exclude_entry_id)
        if not blocking:
            return CapCheck(over=over, next_open_at=candidate)
    return CapCheck(over=over, next_open_at=None)
