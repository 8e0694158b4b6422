"""Claiming due calendar entries for the outbox, so two workers never take the same one (core.work.claim:
on PostgreSQL rows another worker is claiming are skipped, not waited for; elsewhere a compare-and-set).
A claim older than the task lease (tenancy.leases: the task's hard time
limit and a minute) belongs to a worker that died and is taken over as a new attempt. services/outbox.py
delivers what is claimed."""

import datetime as dt

from django.db.models import F, Q, QuerySet

from core.work import claim, lease_ended
from tenancy.models import Tenant

from ..models import CalendarEntry, EntrySource, EntryStatus

WAITING = (EntryStatus.SCHEDULED, EntryStatus.DEFERRED)


def _due_q(now: dt.datetime) -> Q:
    waiting = Q(status__in=WAITING, scheduled_at__lte=now)
    # Celery has killed any task holding a claim this old: its worker is gone.
    abandoned = Q(status=EntryStatus.SENDING) & lease_ended("claimed_at", now)
    return waiting | abandoned


def _due(tenant: Tenant, now: dt.datetime) -> QuerySet[CalendarEntry]:
    # Imported sends go out through their own tool: postsale only counts them (see imported_mark_sent).
    return (
        CalendarEntry.objects.filter(tenant=tenant)
        .filter(_due_q(now))
        .exclude(source=EntrySource.CAMPAIGN_IMPORT)
        .order_by("scheduled_at", "id")
    )


def _claim_changes(status: str, now: dt.datetime) -> dict:
    changes = {"status": EntryStatus.SENDING, "claimed_at": now, "updated_at": now}
    if status == EntryStatus.SENDING:
        # A worker died on it: count that as an attempt, so an entry that kills workers ends failed.
        changes["attempts"] = F("attempts") + 1
        changes["status_reason"] = "Taken over from a worker that stopped while sending it."
    return changes


def outbox_has_due(*, tenant: Tenant, now: dt.datetime) -> bool:
    return _due(tenant, now).exists()


def outbox_claim(*, tenant: Tenant, now: dt.datetime, limit: int = 100) -> list[int]:
    """Claim up to `limit` due entries for this worker and return their ids; another worker claiming at
    the same time gets other ones (core.work.claim). Entries a dead worker held go first: they waited longest."""
    due = _due(tenant, now)
    claimed = claim(due.filter(status=EntryStatus.SENDING), limit=limit, **_claim_changes(EntryStatus.SENDING, now))
    if len(claimed) < limit:
        waiting = due.filter(status__in=WAITING)
        claimed += claim(waiting, limit=limit - len(claimed), **_claim_changes(EntryStatus.SCHEDULED, now))
    return sorted(claimed)


def imported_mark_sent(*, tenant: Tenant, now: dt.datetime) -> int:
    """Imported sends whose time has come are shown as sent: their own tool sends them, and they keep
    counting against the caps."""
    return CalendarEntry.objects.filter(
        tenant=tenant, source=EntrySource.CAMPAIGN_IMPORT, status=EntryStatus.SCHEDULED, scheduled_at__lte=now
    ).update(
        status=EntryStatus.SENT,
        sent_at=F("scheduled_at"),
        status_reason="Sent by its own tool (campaign import): postsale counts it, it does not send it.",
        updated_at=now,
    )
