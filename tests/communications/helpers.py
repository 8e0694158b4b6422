"""Building communications fixtures through the services the product uses. Each helper enters the
tenant's scope itself."""

import datetime as dt

from django_scopes import scope

from accounts import services as accounts_services
from communications import services
from communications.models import CadenceAnchor, CalendarEntry
from communications.services import cadences
from core import tenant_time

from ..accounts.conftest import make_account

__all__ = [
    "at_local",
    "contact_of",
    "custom_cadence",
    "enrol",
    "entries_of",
    "entry_for",
    "make_account",
    "reload_entry",
    "today",
]


def today(tenant) -> dt.date:
    """Today in the tenant's zone."""
    return tenant_time.today(tenant)


def at_local(tenant, year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment in the tenant's zone, as an aware datetime."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=tenant.zone)


def contact_of(tenant, account, n: int, roles=("champion",), **fields):
    """Contact n of `account` ("Contact n" <contact-n@account-id.example>), made through the service."""
    fields.setdefault("name", f"Contact {n}")
    fields.setdefault("email", f"contact-{n}@account-{account.pk}.example")
    with scope(tenant=tenant):
        return accounts_services.contact_create(tenant=tenant, account=account, roles=list(roles), **fields)


def entry_for(
    tenant,
    account,
    *,
    at: dt.datetime,
    contacts=(),
    message_type: str = "educational",
    channel: str = "email",
    by=None,
    **kw,
) -> CalendarEntry:
    """An entry for `account` at `at`, scheduled under the rules (by=None: the system, which governance
    allows); pass schedule=False for a draft."""
    kw.setdefault("subject", f"{message_type.title()} touchpoint")
    with scope(tenant=tenant):
        return services.entry_create(
            tenant=tenant,
            account=account,
            by=by,
            message_type=message_type,
            channel=channel,
            scheduled_at=at,
            contacts=contacts,
            **kw,
        )


def reload_entry(tenant, entry: CalendarEntry) -> CalendarEntry:
    with scope(tenant=tenant):
        return CalendarEntry.objects.get(pk=entry.pk)


def custom_cadence(tenant, steps, *, key="check-ins", anchor=CadenceAnchor.ENROLLED, **fields):
    """A cadence "Check-ins" with one relationship email per (offset_days, send_hour, extra fields) step."""
    with scope(tenant=tenant):
        cadence = cadences.cadence_save(tenant=tenant, key=key, anchor=anchor, name="Check-ins", **fields)
        for offset, hour, extra in steps:
            cadences.cadence_step_save(
                cadence=cadence,
                offset_days=offset,
                send_hour=hour,
                message_type="relationship",
                subject=extra.pop("subject", f"Day {offset}: hello {{{{ contact.first_name }}}}"),
                **extra,
            )
        return cadence


def entries_of(tenant, enrollment) -> list[CalendarEntry]:
    """The enrolment's calendar entries, in the order they go out."""
    with scope(tenant=tenant):
        return list(
            CalendarEntry.objects.filter(enrollment=enrollment).prefetch_related("contacts").order_by("scheduled_at")
        )


def enrol(tenant, cadence, account, anchor_on, anchor_ref="", by=None):
    with scope(tenant=tenant):
        return cadences.enrollment_enrol(
            cadence=cadence, account=account, anchor_on=anchor_on, anchor_ref=anchor_ref, by=by
        )
