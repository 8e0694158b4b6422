"""Reads of calendar feeds: a person's feeds, the feed a secret opens and the entries it shows."""

import datetime as dt
import hashlib

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_scopes import scopes_disabled

from tenancy.models import Membership, Tenant, User
from tenancy.parsing import parse_id

from ..models import CalendarEntry, CalendarFeed, EntryStatus, FeedKind

# What a subscribed calendar shows: the recent past and the year ahead, never the whole history.
FEED_DAYS_BACK = 90
FEED_DAYS_AHEAD = 400
FEED_MAX_ENTRIES = 2000


def feed_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def feed_list(*, tenant: Tenant, user: User) -> QuerySet[CalendarFeed]:
    """The feeds a user has: their own, and the account feeds they created."""
    return (
        CalendarFeed.objects.filter(tenant=tenant)
        .filter(Q(kind__in=[FeedKind.USER, FeedKind.TASKS], user=user) | Q(kind=FeedKind.ACCOUNT, created_by=user))
        .select_related("account")
        .order_by("kind", "account__name", "id")
    )


def feed_get(*, tenant: Tenant, user: User, feed_id: int) -> CalendarFeed:
    return feed_list(tenant=tenant, user=user).get(pk=feed_id)


def feed_for_token(token: str) -> CalendarFeed | None:
    """The feed a secret opens, from whichever tenant issued it; None when it is unknown, rotated, or its
    person is no longer an active member of the tenant."""
    tenant_part = (token or "").partition(".")[0]
    tenant_id = parse_id(tenant_part)
    if not token or len(token) > 100 or tenant_id is None:
        return None
    with scopes_disabled():
        feed = (
            CalendarFeed.objects.select_related("tenant", "user", "account", "created_by")
            .filter(tenant_id=tenant_id, token_hash=feed_digest(token))
            .first()
        )
        if feed is None:
            return None
        person = feed.user if feed.kind in (FeedKind.USER, FeedKind.TASKS) else feed.created_by
        if person is None or not person.is_active:
            return None
        if not Membership.objects.filter(tenant_id=feed.tenant_id, user=person, is_active=True).exists():
            return None
    return feed


def feed_entries(*, feed: CalendarFeed, now: dt.datetime | None = None) -> list[CalendarEntry]:
    """The entries a feed shows: a user's are the entries of accounts they own and the entries they own."""
    now = now or timezone.now()
    entries = CalendarEntry.objects.filter(
        tenant_id=feed.tenant_id,
        scheduled_at__gte=now - dt.timedelta(days=FEED_DAYS_BACK),
        scheduled_at__lt=now + dt.timedelta(days=FEED_DAYS_AHEAD),
    ).exclude(status=EntryStatus.DRAFT)
    if feed.kind == FeedKind.USER:
        entries = entries.filter(Q(account__owner_id=feed.user_id) | Q(owner_id=feed.user_id))
    elif feed.account_id is not None:
        entries = entries.filter(account_id=feed.account_id)
    else:
        return []
    return list(entries.select_related("account").order_by("scheduled_at", "id")[:FEED_MAX_ENTRIES])
