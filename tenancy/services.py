"""Writes with rules: tenants, members and API credentials (invitations: invitations.py)."""

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from . import selectors, write_keys
from .events import run_in_transaction
from .models import ApiKey, ApiKeyKind, Membership, Role, Team, Tenant, User, normalise_currency
from .signals import membership_ended, tenant_created

# A credential's last-used time is for people deciding what to revoke; minute
# precision is plenty and spares a write on every request.
LAST_USED_PRECISION = timedelta(minutes=1)
SECRET_PREFIXES = {ApiKeyKind.PERSONAL: "pst_", ApiKeyKind.WRITE_KEY: "psw_"}


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


def _ensure_an_admin_remains(membership: Membership, *, role: str, is_active: bool) -> None:
    loses_admin = membership.role == Role.ADMIN and membership.is_active and (role != Role.ADMIN or not is_active)
    if loses_admin and selectors.membership_count_admins(tenant=membership.tenant) <= 1:
        raise ValidationError(
            f"{membership.user} is the last admin of {membership.tenant.name}; make someone else admin first."
        )


def membership_end_credentials(*, membership: Membership) -> None:
    """The one place a membership's end goes through (removal and deactivation alike): the person's
    personal API tokens here are revoked and every app destroys its own credentials of theirs (calendar
    feeds), for good. Reactivating or inviting them again gives nothing back: they make new ones."""
    ApiKey.objects.filter(
        tenant=membership.tenant, user=membership.user, kind=ApiKeyKind.PERSONAL, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    run_in_transaction(membership_ended, tenant=membership.tenant, user_id=membership.user_id)


@transaction.atomic
def membership_update(*, membership: Membership, role: Role, team: Team, is_active: bool) -> Membership:
    _ensure_an_admin_remains(membership, role=role, is_active=is_active)
    ends = membership.is_active and not is_active
    membership.role, membership.team, membership.is_active = role, team, is_active
    membership.save(update_fields=["role", "team", "is_active"])
    if ends:
        membership_end_credentials(membership=membership)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    _ensure_an_admin_remains(membership, role="", is_active=False)
    membership_end_credentials(membership=membership)
    membership.delete()


def api_key_create(
    *, tenant: Tenant, kind: ApiKeyKind, name: str, by: User, user: User | None = None
) -> tuple[ApiKey, str]:
    """A new credential and its secret; the secret is returned once and never stored."""
    if kind == ApiKeyKind.PERSONAL and user is None:
        raise ValidationError("A personal API token belongs to a user.")
    secret = SECRET_PREFIXES[kind] + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        tenant=tenant,
        kind=kind,
        name=name.strip() or "Unnamed key",
        user=user if kind == ApiKeyKind.PERSONAL else None,
        prefix=secret[:12],
        digest=selectors.secret_digest(secret),
        created_by=by,
    )
    return api_key, secret


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_authenticate(secret: str) -> ApiKey | None:
    """The credential a secret belongs to, if active, with its last-used time brought up to date.
    A write key comes from the cache when it is there (write_keys.py says why and how revocation wins)."""
    digest = selectors.secret_digest(secret)
    # Only a write key can be cached; its prefix tells it apart before any lookup, so an API call with a
    # personal token costs no trip to the cache.
    is_write_key = secret.startswith(SECRET_PREFIXES[ApiKeyKind.WRITE_KEY])
    api_key = write_keys.write_key_cached(digest) if is_write_key else None
    if api_key is None:
        api_key = selectors.api_key_find_by_digest(digest)
        if api_key is None:
            return None
        write_keys.write_key_remember(api_key)
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_PRECISION:
        ApiKey.objects.with_scope(tenant=api_key.tenant_id).filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
        write_keys.write_key_remember(api_key, refresh=True)
    return api_key
