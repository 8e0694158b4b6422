"""Writes with rules on API credentials: personal tokens and write keys, created, revoked, checked."""

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from .. import selectors, write_keys
from ..models import ApiKey, ApiKeyKind, Tenant, User

# A credential's last-used time is for people deciding what to revoke; minute
# precision is plenty and spares a write on every request.
LAST_USED_PRECISION = timedelta(minutes=1)
SECRET_PREFIXES = {ApiKeyKind.PERSONAL: "pst_", ApiKeyKind.WRITE_KEY: "psw_"}


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
