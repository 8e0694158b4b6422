"""Time as the tenant lives it: every date a person or a rule means ("today", "due on", "the day an event
happened") is a day in the tenant's time zone, and this module is the one way to get it.

Times are stored in UTC. A request runs with the tenant's zone active (the tenant middleware), a task does
not: so nothing here reads the active zone, every function takes the tenant.
"""

import datetime as dt

from django.utils import timezone

from tenancy.models import Tenant


def today(tenant: Tenant, *, at: dt.datetime | None = None) -> dt.date:
    """The tenant's date now (or at the moment `at`)."""
    return timezone.localdate(at or timezone.now(), timezone=tenant.zone)


def now(tenant: Tenant) -> dt.datetime:
    """The current moment, as a time in the tenant's zone (for display and for local clock arithmetic)."""
    return timezone.localtime(timezone.now(), tenant.zone)


def local(tenant: Tenant, moment: dt.datetime) -> dt.datetime:
    """A stored moment as the tenant's wall-clock time."""
    return timezone.localtime(moment, tenant.zone)


def day_of(tenant: Tenant, moment: dt.datetime) -> dt.date:
    """The tenant's date at a stored moment: the day an event happened, as its reports count it."""
    return timezone.localdate(moment, timezone=tenant.zone)


def at(tenant: Tenant, day: dt.date, time: dt.time = dt.time.min) -> dt.datetime:
    """The moment the tenant's clock shows `time` on `day` (its midnight by default): where a day's window or
    a send hour begins."""
    return dt.datetime.combine(day, time, tzinfo=tenant.zone)


def business_days_after(day: dt.date, count: int) -> dt.date:
    """The day `count` working days (Monday to Friday) after `day`; 0 keeps the day, or the next working day
    when `day` falls on a weekend. What "due in 2 business days" means on the tenant's calendar: `day` is
    the tenant's today."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    while count > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


def week_end(day: dt.date) -> dt.date:
    """The Sunday that ends `day`'s week: where "this week" stops."""
    return day + dt.timedelta(days=6 - day.weekday())
