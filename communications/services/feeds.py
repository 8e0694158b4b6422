"""iCalendar feeds (RFC 5545) of the master calendar, so a CSM subscribes from their calendar app.

A feed is reached by a secret link: only the secret's SHA-256 is kept, so the link is shown once, and
rotating it replaces the digest, which makes the old link answer 404 at once.
"""

import datetime as dt
import secrets
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from activities.models import Task
from activities.selectors.tasks import feed_tasks
from core import tenant_time
from core.text import moment
from tenancy.models import Tenant, User

from ..models import CalendarEntry, CalendarFeed, EntryStatus, FeedKind
from ..selectors.feeds import feed_digest, feed_entries
from ..selectors.personalisation import entries_titled, entry_title

# Calendar apps need an end; a touchpoint takes about this long in the owner's day.
EVENT_LENGTH = dt.timedelta(minutes=30)
PRODID = "-//postsale//Communications calendar//EN"
# A tasks feed shows at most this many (the selector's window is 30 days back to a year ahead).
FEED_MAX_TASKS = 2000


def _new_secret(tenant_id: int) -> tuple[str, str]:
    # "<tenant>.<random>": the tenant leads the lookup; only the hash of the whole is kept.
    secret = f"{tenant_id}.{secrets.token_urlsafe(32)}"
    return secret, feed_digest(secret)


def feed_url(secret: str) -> str:
    """The absolute link of a feed, for a calendar app."""
    path = reverse("communications:feed_ics", kwargs={"token": secret})
    return settings.SITE_URL.rstrip("/") + path


def feed_create(*, tenant: Tenant, kind: str, by: User, account: Account | None = None) -> tuple[CalendarFeed, str]:
    """The user's feed, or their feed of one account, and its secret. Asking again for a feed one has
    already issues a new secret for it (the old link stops working)."""
    if kind not in FeedKind.values:
        raise ValidationError({"kind": "Choose a feed of your accounts or of one account."})
    if kind == FeedKind.ACCOUNT and account is None:
        raise ValidationError({"account": "Choose the account whose calendar the feed shows."})
    if account is not None and account.tenant_id != tenant.pk:
        raise ValidationError({"account": "Choose one of this tenant's accounts."})
    personal = kind in (FeedKind.USER, FeedKind.TASKS)
    lookup = {"kind": kind, "user": by} if personal else {"kind": kind, "account": account}
    existing = CalendarFeed.objects.filter(tenant=tenant, created_by=by, **lookup).first()
    if existing is not None:
        return existing, feed_rotate(feed=existing)
    secret, digest = _new_secret(tenant.pk)
    feed = CalendarFeed.objects.create(
        tenant=tenant,
        kind=kind,
        user=by if personal else None,
        account=account if kind == FeedKind.ACCOUNT else None,
        token_hash=digest,
        token_prefix=secret[:8],
        created_by=by,
    )
    return feed, secret


def feed_rotate(*, feed: CalendarFeed) -> str:
    """A new secret for the feed; the old link answers 404 from now on."""
    secret, digest = _new_secret(feed.tenant_id)
    feed.token_hash, feed.token_prefix, feed.last_used_at = digest, secret[:8], None
    feed.save(update_fields=["token_hash", "token_prefix", "last_used_at"])
    return secret


def feed_delete(*, feed: CalendarFeed) -> None:
    feed.delete()


def feeds_delete_for_member(*, tenant: Tenant, user: User) -> int:
    """A member's end in the tenant (removed or deactivated) deletes their feeds there, their own and the
    account feeds they made: the links stop working for good, and re-adding them brings none back."""
    deleted, _ = CalendarFeed.objects.filter(tenant=tenant).filter(Q(user=user) | Q(created_by=user)).delete()
    return deleted


def _name(feed: CalendarFeed) -> str:
    if feed.kind == FeedKind.TASKS:
        return f"{feed.user}'s tasks ({feed.tenant})"
    if feed.kind == FeedKind.USER:
        return f"{feed.user}'s customer touchpoints ({feed.tenant})"
    return f"{feed.account} touchpoints ({feed.tenant})"


def entry_summary(entry: CalendarEntry) -> str:
    return f"[{entry.get_message_type_display()} · {entry.get_team_display()}] {entry_title(entry)}"


def entry_description(entry: CalendarEntry) -> str:
    lines = [
        f"Account: {entry.account}",
        f"Channel: {entry.get_channel_display()}",
        f"Status: {entry.get_status_display()}",
    ]
    if entry.status_reason:
        lines.append(f"Reason: {entry.status_reason}")
    if entry.planned_at and entry.planned_at != entry.scheduled_at:
        lines.append(f"Planned for: {moment(entry.planned_at, entry.tenant)}")
    lines.append(settings.SITE_URL.rstrip("/") + entry.get_absolute_url())
    return "\n".join(lines)


def _calendar(feed: CalendarFeed) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _name(feed))
    calendar.add("x-wr-timezone", feed.tenant.time_zone)
    return calendar


def task_summary(task: Task) -> str:
    return f"{task.title} · {task.account.name}" if task.account_id and task.account else task.title


def task_description(task: Task) -> str:
    lines = [f"Priority: {task.get_priority_display()}", f"From: {task.get_source_display()}"]
    if task.details:
        lines.append(task.details)
    lines.append(settings.SITE_URL.rstrip("/") + task.get_absolute_url())
    return "\n".join(lines)


def _tasks_calendar(*, feed: CalendarFeed, now: dt.datetime) -> bytes:
    """A person's live tasks, each an all-day event on the day it is work (its snooze's end, or its due day),
    so the calendar shows the day's to-dos without inventing a time for them."""
    host = urlsplit(settings.SITE_URL).hostname or "postsale"
    calendar = _calendar(feed)
    today = tenant_time.today(feed.tenant, at=now)
    if feed.user_id is not None:
        for task in feed_tasks(tenant=feed.tenant, owner_id=feed.user_id, today=today)[:FEED_MAX_TASKS]:
            day = task.wakes_on()
            event = icalendar.Event()
            # Stable across fetches, so a snooze moves the event instead of doubling it.
            event.add("uid", f"task-{task.pk}@{host}")
            event.add("dtstamp", now.astimezone(dt.UTC))
            event.add("dtstart", day)
            event.add("dtend", day + dt.timedelta(days=1))
            event.add("summary", task_summary(task))
            event.add("description", task_description(task))
            event.add("url", settings.SITE_URL.rstrip("/") + task.get_absolute_url())
            event.add("transp", "TRANSPARENT")
            calendar.add_component(event)
    CalendarFeed.objects.filter(tenant_id=feed.tenant_id, pk=feed.pk).update(last_used_at=now)
    return calendar.to_ical()


def feed_calendar(*, feed: CalendarFeed, now: dt.datetime | None = None) -> bytes:
    """The feed as an iCalendar document: one VEVENT per entry, times in UTC (a tasks feed: one all-day
    VEVENT per task)."""
    now = now or timezone.now()
    if feed.kind == FeedKind.TASKS:
        return _tasks_calendar(feed=feed, now=now)
    host = urlsplit(settings.SITE_URL).hostname or "postsale"
    calendar = _calendar(feed)
    for entry in entries_titled(tenant=feed.tenant, entries=feed_entries(feed=feed, now=now)):
        entry.tenant = feed.tenant  # the description's times are in the tenant's zone; no query per entry
        start = entry.scheduled_at.astimezone(dt.UTC)
        event = icalendar.Event()
        # Stable across fetches and rotations, so the calendar app updates the event instead of doubling it.
        event.add("uid", f"entry-{entry.pk}@{host}")
        event.add("dtstamp", (entry.updated_at or now).astimezone(dt.UTC))
        event.add("dtstart", start)
        event.add("dtend", start + EVENT_LENGTH)
        event.add("summary", entry_summary(entry))
        event.add("description", entry_description(entry))
        event.add("categories", [entry.get_message_type_display()])
        event.add("url", settings.SITE_URL.rstrip("/") + entry.get_absolute_url())
        if entry.status == EntryStatus.CANCELLED:
            event.add("status", "CANCELLED")
        elif entry.status in (EntryStatus.SCHEDULED, EntryStatus.SENDING, EntryStatus.SENT):
            event.add("status", "CONFIRMED")
        else:
            event.add("status", "TENTATIVE")
        calendar.add_component(event)
    CalendarFeed.objects.filter(tenant_id=feed.tenant_id, pk=feed.pk).update(last_used_at=now)
    return calendar.to_ical()
