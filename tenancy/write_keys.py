"""Write keys, remembered between requests: every batch a product sends carries one.

Looking the key up in the database on every request cost a query and an ORM lookup with its tenant, as
much as a tenth of a tracking request's time. A write key (never a personal token: those carry a
person, whose membership may end) is kept in the shared cache for a minute, keyed by its secret's digest
(the secret names its tenant; nothing of a tenant's data is in the key).

Revocation is immediate: saving or deleting a key, or saving its tenant (whose time zone the batch's
days depend on), writes a tombstone over the cached entry, and a request that read the database before
that change adds its entry only where there is none (`cache.add`), so it can never put back what a
revocation wiped. With the cache unreachable nothing is kept and every request asks the database; an
entry written before an outage lives at most CACHED_SECONDS.
"""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import ApiKey, ApiKeyKind, Tenant

CACHED_SECONDS = 60
# Longer than an entry lives: a fill begun before the change cannot land after the tombstone is gone.
TOMBSTONE_SECONDS = 2 * CACHED_SECONDS
GONE = "gone"


def _key(digest: str) -> str:
    return f"write-key:{digest}"


def write_key_cached(digest: str) -> ApiKey | None:
    """The active write key of this digest as cached, or None (unknown here: ask the database)."""
    found = cache.get(_key(digest))
    return found if isinstance(found, ApiKey) else None


def write_key_remember(api_key: ApiKey, *, refresh: bool = False) -> None:
    """Keep a write key read from the database; `refresh` replaces the entry kept (its last-used time
    moved), where a plain fill never overwrites anything, a tombstone least of all."""
    if api_key.kind != ApiKeyKind.WRITE_KEY or api_key.revoked_at is not None:
        return
    if refresh:
        if write_key_cached(api_key.digest) is not None:
            cache.set(_key(api_key.digest), api_key, CACHED_SECONDS)
    else:
        cache.add(_key(api_key.digest), api_key, CACHED_SECONDS)


def write_keys_forget(digests: list[str]) -> None:
    if digests:
        cache.set_many({_key(digest): GONE for digest in digests}, TOMBSTONE_SECONDS)


@receiver([post_save, post_delete], sender=ApiKey, dispatch_uid="write_key_changed")
def _write_key_changed(sender, instance: ApiKey, created: bool = False, **kwargs) -> None:
    # A new key was never cached: nothing to wipe, and a tombstone would keep it out of the cache for no reason.
    if instance.kind == ApiKeyKind.WRITE_KEY and not created:
        write_keys_forget([instance.digest])


@receiver(post_save, sender=Tenant, dispatch_uid="write_keys_tenant_changed")
def _tenant_changed(sender, instance: Tenant, created: bool, **kwargs) -> None:
    if not created:
        keys = ApiKey.objects.with_scope(tenant=instance.pk).filter(kind=ApiKeyKind.WRITE_KEY)
        write_keys_forget(list(keys.values_list("digest", flat=True)))
