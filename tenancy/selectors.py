"""Reads of tenants, memberships and credentials.

Sign-in and credential checks happen before any tenant is known, so the few
lookups that must cross tenants say so with `scopes_disabled` and nothing else does.
"""

import hashlib

from django.db.models import QuerySet
from django_scopes import scopes_disabled

from .models import ApiKey, ApiKeyKind, Membership, Tenant, User


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def membership_list_for_user(*, user: User) -> list[Membership]:
    """Every tenant the user may switch to, for the tenant switcher."""
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user, is_active=True).select_related("tenant").order_by("tenant__name")
        )


def membership_for_user(*, user: User, tenant_id: int | None) -> Membership | None:
    """The user's active membership in that tenant, or their first one when no tenant is named."""
    with scopes_disabled():
        memberships = Membership.objects.filter(user=user, is_active=True).select_related("tenant")
        if tenant_id is not None:
            return memberships.filter(tenant_id=tenant_id).first()
        return memberships.order_by("tenant__name").first()


def membership_list(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.filter(tenant=tenant).select_related("user", "invited_by").order_by("user__email")


def membership_get(*, tenant: Tenant, membership_id: int) -> Membership:
    return Membership.objects.select_related("user").get(tenant=tenant, pk=membership_id)


def membership_count_admins(*, tenant: Tenant) -> int:
    return Membership.objects.filter(tenant=tenant, role="admin", is_active=True, user__is_active=True).count()


def api_key_find_by_digest(digest: str) -> ApiKey | None:
    """The active credential whose secret has this digest, from whichever tenant issued it."""
    with scopes_disabled():
        return ApiKey.objects.select_related("tenant", "user").filter(digest=digest, revoked_at__isnull=True).first()


def api_key_list(*, tenant: Tenant, kind: ApiKeyKind, user: User | None = None) -> QuerySet[ApiKey]:
    keys = ApiKey.objects.filter(tenant=tenant, kind=kind).select_related("user", "created_by")
    if user is not None:
        keys = keys.filter(user=user)
    return keys.order_by("revoked_at", "-created_at")


def api_key_get(*, tenant: Tenant, api_key_id: int, kind: ApiKeyKind | None = None) -> ApiKey:
    keys = ApiKey.objects.filter(tenant=tenant)
    if kind is not None:
        keys = keys.filter(kind=kind)
    return keys.select_related("user").get(pk=api_key_id)
