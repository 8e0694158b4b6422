"""Writes on the book of business: accounts and contacts."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from core import tenant_time
from core.text import money
from tenancy.models import Tenant, User

from .. import selectors
from ..models import Account, AccountStatus, Contact, ContactRole
from ..selectors.custom_fields import custom_field_definitions
from ..selectors.tiers import service_tiers
from ..signals import (
    announce_accounts_created,
    announce_contacts_changed,
    announce_custom_fields_changed,
    contact_change,
)
from .custom_fields import custom_field_values_clean
from .tiers import account_apply_tier_rule, account_save_tier_change

# The account fields a person edits (forms, API, imports); the tier and overrides have services of their own.
ACCOUNT_EDITABLE_FIELDS = (
    "external_id",
    "name",
    "domain",
    "segment",
    "arr",
    "acv",
    "seats_purchased",
    "industry",
    "region",
    "owner",
    "signed_on",
    "go_live_on",
    "parent",
)
# What account_create and account_update take: those, and whether contracts keep the ARR, which only renewals
# sets (with the ARR they sum to).
ACCOUNT_FIELDS = (*ACCOUNT_EDITABLE_FIELDS, "arr_from_contracts")
CONTACT_FIELDS = {"external_id", "name", "email", "title", "roles", "is_active", "last_seen_at", "account"}


def arr_from_contracts_message(arr: Decimal, tenant: Tenant) -> str:
    """Why a hand-typed ARR is refused, by the service and the import alike."""
    return (
        f"This account's ARR is the sum of its active contracts (currently {money(arr, tenant)}); "
        "change it with a contract amendment."
    )


def _check_arr_by_hand(account: Account, fields: dict) -> None:
    """Once contracts keep the ARR, only renewals (passing arr_from_contracts=True) may move it; the same ARR
    sent back by a form or a client passes."""
    if not account.arr_from_contracts or fields.get("arr_from_contracts") is True or fields.get("arr") is None:
        return
    if Decimal(fields["arr"]) != Decimal(account.arr):
        raise ValidationError({"arr": arr_from_contracts_message(account.arr, account.tenant)})


def roles_join(roles) -> str:
    """Roles in ContactRole's order, comma-separated, unknown ones refused."""
    if isinstance(roles, str):
        roles = [r.strip() for r in roles.replace(";", ",").replace("|", ",").split(",")]
    wanted = {r for r in roles if r}
    unknown = wanted - set(ContactRole.values)
    if unknown:
        allowed = ", ".join(ContactRole.values)
        raise ValidationError({"roles": f"Unknown role {', '.join(sorted(unknown))}; use {allowed}."})
    return ",".join(r for r in ContactRole.values if r in wanted)


def _check_owner(tenant: Tenant, owner: User | None) -> None:
    if owner is not None and not selectors.assignable_owners(tenant=tenant).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": f"{owner} is not a CSM, leader or admin of {tenant.name}."})


def _check_parent(account: Account) -> None:
    parent = account.parent
    if parent is None:
        return
    if parent.tenant_id != account.tenant_id:
        raise ValidationError({"parent": "Unknown parent account."})
    seen = {account.pk}
    while parent is not None:
        if parent.pk in seen:
            raise ValidationError(
                {"parent": f"{account.parent} is below {account.name} already: that would be a loop."}
            )
        seen.add(parent.pk)
        parent = parent.parent


def _validate_account(account: Account) -> None:
    account.full_clean(
        exclude=["tenant", "service_tier", "custom_fields"], validate_unique=False, validate_constraints=False
    )
    taken = Account.objects.filter(tenant_id=account.tenant_id, external_id=account.external_id)
    if taken.exclude(pk=account.pk).exists():
        raise ValidationError({"external_id": f"Another account has the external id {account.external_id!r}."})
    _check_owner(account.tenant, account.owner)
    _check_parent(account)


@transaction.atomic
def account_create(*, tenant: Tenant, by: User | None, custom_fields: dict | None = None, **fields) -> Account:
    """A new account, placed in the tier its ACV calls for."""
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"account_create() got unexpected fields {sorted(unknown)}")
    account = Account(tenant=tenant, **fields)
    account.custom_fields = custom_field_values_clean(
        definitions=custom_field_definitions(tenant=tenant), values=custom_fields or {}
    )
    _validate_account(account)
    account.save()
    change = account_apply_tier_rule(account=account, tiers=service_tiers(tenant=tenant), actor=by)
    account_save_tier_change(account, change)
    announce_accounts_created(tenant, [account.pk])
    return account


@transaction.atomic
def account_update(*, account: Account, by: User | None, custom_fields: dict | None = None, **fields) -> Account:
    """Change an account; a new ACV moves it to the tier the rule gives unless an override holds it."""
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"account_update() got unexpected fields {sorted(unknown)}")
    _check_arr_by_hand(account, fields)
    previous_acv = account.acv
    previous_custom = dict(account.custom_fields or {})
    for name, value in fields.items():
        setattr(account, name, value)
    if custom_fields is not None:
        account.custom_fields = custom_field_values_clean(
            definitions=custom_field_definitions(tenant=account.tenant),
            values=custom_fields,
            current=account.custom_fields,
        )
    _validate_account(account)
    account.save()
    current_custom = account.custom_fields or {}
    announce_custom_fields_changed(
        account.tenant,
        account.pk,
        [key for key in {*previous_custom, *current_custom} if previous_custom.get(key) != current_custom.get(key)],
    )
    if Decimal(account.acv) != Decimal(previous_acv):
        change = account_apply_tier_rule(
            account=account, tiers=service_tiers(tenant=account.tenant), actor=by, previous_acv=previous_acv
        )
        account_save_tier_change(account, change)
    return account


def account_deactivate(*, account: Account, by: User | None, on: dt.date | None = None) -> Account:
    """Mark the account churned on `on` (a churned renewal passes its contract's end), else today in the
    tenant's time zone."""
    if account.status != AccountStatus.CHURNED:
        account.status = AccountStatus.CHURNED
        account.churned_on = on or tenant_time.today(account.tenant)
        account.save(update_fields=["status", "churned_on", "updated_at"])
    return account


def account_reactivate(*, account: Account, by: User | None) -> Account:
    account.status, account.churned_on = AccountStatus.ACTIVE, None
    account.save(update_fields=["status", "churned_on", "updated_at"])
    return account


def _validate_contact(contact: Contact) -> None:
    contact.full_clean(exclude=["tenant", "account"], validate_unique=False, validate_constraints=False)
    if contact.account.tenant_id != contact.tenant_id:
        raise ValidationError({"account": "Unknown account."})
    if contact.external_id:
        taken = Contact.objects.filter(tenant_id=contact.tenant_id, external_id=contact.external_id)
        if taken.exclude(pk=contact.pk).exists():
            raise ValidationError({"external_id": f"Another contact has the external id {contact.external_id!r}."})


def contact_create(*, tenant: Tenant, account: Account, roles=(), **fields) -> Contact:
    unknown = set(fields) - CONTACT_FIELDS
    if unknown:
        raise TypeError(f"contact_create() got unexpected fields {sorted(unknown)}")
    contact = Contact(tenant=tenant, account=account, roles=roles_join(roles), **fields)
    if contact.email:
        contact.email = contact.email.strip().lower()
    _validate_contact(contact)
    contact.save()
    return contact


def contact_update(*, contact: Contact, **fields) -> Contact:
    unknown = set(fields) - CONTACT_FIELDS
    if unknown:
        raise TypeError(f"contact_update() got unexpected fields {sorted(unknown)}")
    if "roles" in fields:
        fields["roles"] = roles_join(fields["roles"])
    roles_before, active_before = contact.roles, contact.is_active
    for name, value in fields.items():
        setattr(contact, name, value)
    if contact.email:
        contact.email = contact.email.strip().lower()
    _validate_contact(contact)
    contact.save()
    if change := contact_change(contact, roles_before=roles_before, active_before=active_before):
        announce_contacts_changed(contact.tenant, [change])
    return contact
