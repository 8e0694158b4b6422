"""Writes with rules on tenants and people: a tenant and its first admin, its settings, switching tenant."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django_scopes import scope

from .. import selectors
from ..events import run_in_transaction
from ..models import Membership, Role, Team, Tenant, User, normalise_currency
from ..signals import tenant_created


@transaction.atomic
def tenant_create(*, name: str, slug: str, admin: User, time_zone: str = "UTC", currency: str = "USD") -> Tenant:
    """A new tenant with its first admin, who is also switched into it."""
    tenant = Tenant(name=name, slug=slug, time_zone=time_zone, currency=normalise_currency(currency))
    tenant.full_clean()
    tenant.save()
    with scope(tenant=tenant):
        Membership.objects.create(tenant=tenant, user=admin, role=Role.ADMIN, team=Team.CUSTOMER_SUCCESS)
    tenant_defaults_ensure(tenant=tenant)
    admin.last_tenant = tenant
    admin.save(update_fields=["last_tenant"])
    return tenant


def tenant_defaults_ensure(*, tenant: Tenant) -> None:
    """What a tenant needs to work from its first day (service tiers, health model, renewal runways,
    journey expectations, cadences, frequency caps, send permissions...). Each app makes its own in
    answer to `tenant_created` (its receivers.py), since tenancy may not import them; each makes only
    what is missing, so calling this again creates nothing twice."""
    run_in_transaction(tenant_created, tenant=tenant)


def tenant_update(*, tenant: Tenant, name: str, time_zone: str, currency: str) -> Tenant:
    tenant.name, tenant.time_zone, tenant.currency = name, time_zone, normalise_currency(currency)
    tenant.full_clean(exclude=["slug"])
    tenant.save(update_fields=["name", "time_zone", "currency"])
    return tenant


def user_create(*, email: str, full_name: str = "", password: str | None = None) -> User:
    """A user; without a password they cannot sign in until they set one from their invitation."""
    return User.objects.create_user(email=email, password=password, full_name=full_name)


def user_switch_tenant(*, user: User, tenant_id: int) -> Membership:
    membership = selectors.membership_for_user(user=user, tenant_id=tenant_id)
    if membership is None:
        raise ValidationError("You are not a member of that tenant.")
    user.last_tenant_id = membership.tenant_id
    user.save(update_fields=["last_tenant"])
    return membership
