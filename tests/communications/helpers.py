"""Building communications fixtures through the services the product uses. Each helper enters the
tenant's scope itself."""

import datetime as dt

from django_scopes import scope

from accounts import services as accounts_services
from communications import services
from communications.models import CalendarEntry

from ..accounts.conftest import make_account

__all__ = ["at_local", "contact_of", "entry_for", "make_account", "reload_entry"]


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
