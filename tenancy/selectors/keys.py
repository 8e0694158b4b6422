"""Reads of API credentials. A credential is checked before any tenant is known, so the lookups that must
cross tenants say so with `scopes_disabled` and nothing else does."""

import hashlib

from django.db.models import QuerySet
from django_scopes import scopes_disabled

from ..models import ApiKey, ApiKeyKind, Tenant, User


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


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
