"""The master calendar's vocabulary that every communications API module shares: the tenant's rows a client
may name, one named enum per choice set, and times read in the tenant's zone.

Every related id a client sends is chosen among the request tenant's rows only (TenantPrimaryKeyRelatedField):
another tenant's id reads 'Invalid pk "7" - object does not exist.', like an id that exists nowhere.
"""

from django.db.models import QuerySet
from rest_framework import exceptions

from accounts import selectors as account_selectors
from accounts.models import Account, Contact, ContactRole
from core.api import DateTimeField, NamedChoiceField
from tenancy.models import Team, Tenant, User
from tenancy.parsing import parse_id

from .. import selectors
from ..models import CalendarEntry, Channel, EntrySource, EntryStatus, MessageType

ROLE_OR_BLANK = [("", "The named contacts"), *ContactRole.choices]


def message_type_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=MessageType.choices, enum_name="CommunicationMessageTypeEnum", **kwargs)


def channel_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Channel.choices, enum_name="CommunicationChannelEnum", **kwargs)


def team_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Team.choices, enum_name="CommunicationTeamEnum", **kwargs)


def audience_role_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=ROLE_OR_BLANK, enum_name="CommunicationAudienceRoleEnum", **kwargs)


def entry_status_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=EntryStatus.choices, enum_name="CalendarEntryStatusEnum", **kwargs)


def entry_source_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=EntrySource.choices, enum_name="CalendarEntrySourceEnum", **kwargs)


class TenantDateTimeField(DateTimeField):
    """A time in the API: a naive value ("2026-12-07T09:00") is read in the tenant's zone, and times are
    answered with the tenant's offset, so "9:00" means 9:00 where the tenant works."""

    def default_timezone(self):
        request = self.context.get("request")
        tenant = getattr(request, "tenant", None)
        return tenant.zone if tenant is not None else super().default_timezone()


def tenant_accounts(tenant: Tenant) -> QuerySet[Account]:
    return account_selectors.account_list(tenant=tenant)


def tenant_contacts(tenant: Tenant) -> QuerySet[Contact]:
    return account_selectors.contact_list(tenant=tenant)


def tenant_owners(tenant: Tenant) -> QuerySet[User]:
    return account_selectors.assignable_owners(tenant=tenant)


def tenant_entries(tenant: Tenant) -> QuerySet[CalendarEntry]:
    return selectors.entry_list(tenant=tenant)


def check_contacts_of(account: Account, contacts: list[Contact], field: str = "contacts") -> None:
    """Named contacts must be people at the entry's account: a message is planned for one account."""
    strangers = [contact.name for contact in contacts if contact.account_id != account.pk]
    if strangers:
        raise exceptions.ValidationError({field: [f"Not a contact of {account.name}: {', '.join(strangers)}."]})


def filter_owner(filterset, queryset, field: str, value: str):
    """'me' (the caller) or a user id."""
    value = value.strip()
    if value == "me":
        return queryset.filter(**{field: filterset.request.user.pk})
    if (owner_id := parse_id(value)) is None:
        raise exceptions.ValidationError({"owner": ["Use 'me' or a user id."]})
    return queryset.filter(**{field: owner_id})
