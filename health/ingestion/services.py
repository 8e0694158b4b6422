"""`ingest`: the one way usage calls enter, for the tracking API, the demo and backfills alike."""

import datetime as dt
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from health.models import IngestionError
from tenancy.models import Tenant

from .identity import Resolution, resolve
from .limits import ERROR_PAYLOAD_BYTES
from .parsing import USAGE_TYPES, Call, CallRejected, normalise
from .rollups import count_keys, hold_points_statements, rollup_statements
from .statements import execute_together
from .storable import shown, shown_text
from .timestamps import parse_timestamp
from .writer import (
    attribute_earlier,
    catalogue_seen,
    catalogue_statements,
    contacts_seen_statements,
    raw_events_insert,
)

# Ingestion errors deleted per statement, and per task run (the rest goes to a new task, so none runs long).
PURGE_BATCH = 5_000
PURGE_BATCHES_PER_RUN = 20


@dataclass
class IngestResult:
    stored: int = 0  # new raw events
    duplicates: int = 0  # valid calls whose messageId was stored before (or earlier in the same batch)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (index in calls, reason)


def ingest(
    *, tenant: Tenant, calls: list[dict], received_at: dt.datetime | None = None, sent_at: str | None = None
) -> IngestResult:
    """Validate Segment-spec calls, store the valid ones and keep rollups and catalogue current.

    One short transaction; raw events, rollups and catalogue each take one multi-row statement.
    Invalid calls are recorded as ingestion errors with their reason. Nothing is queued:
    a broker outage cannot touch ingestion. `received_at` is when the request arrived (the
    views pass it, and it drives the clock-skew correction); in-process callers leave it out
    and their timestamps are kept as given, however old. `sent_at` is the batch's sentAt.
    Raises ValueError if `sent_at` is not an ISO-8601 time.
    """
    now = timezone.now()
    batch_sent_at = parse_timestamp(sent_at, field="sentAt")
    result = IngestResult()
    valid: list[Call] = []
    seen: set[str] = set()
    refused: list[tuple[int, object, str]] = []
    for index, raw in enumerate(calls):
        try:
            call = normalise(raw, index=index, received_at=received_at, sent_at=batch_sent_at, now=now)
        except CallRejected as error:
            refused.append((index, raw, error.reason))
            continue
        if call.message_id in seen:
            # The same message twice in one batch is a retry like any other: stored once.
            result.duplicates += 1
            continue
        seen.add(call.message_id)
        valid.append(call)
    result.rejected = [(index, reason) for index, _raw, reason in refused]

    with scope(tenant=tenant):
        # People and accounts first, outside the write transaction: a contact or account made
        # here is committed on its own (a retry finds it), and the transaction below stays short.
        resolution = resolve(tenant=tenant, calls=valid) if valid else None
        with transaction.atomic():
            inserted = _store(tenant, valid, resolution, received_at=received_at or now)
            errors = [_error(tenant, raw, reason, now) for _index, raw, reason in refused]
            # A call stored with values made storable says which (storable.py has the rules).
            errors += [_error(tenant, c.raw, note, now) for c in valid if c.message_id in inserted for note in c.notes]
            if resolution is not None:
                # A retried batch repeats its notes; only the calls stored now carry theirs.
                errors += [_error(tenant, c.raw, note, now) for c, note in resolution.notes if c.message_id in inserted]
            if errors:
                IngestionError.objects.bulk_create(errors)
    result.stored = len(inserted)
    result.duplicates += len(valid) - len(inserted)
    return result


def _store(tenant: Tenant, valid: list[Call], resolution: Resolution | None, *, received_at: dt.datetime) -> set[str]:
    """Raw events, then their rollups, the people's last-seen times and the catalogue: the catalogue's
    rows are the ones every batch of the tenant updates, so they are locked last, for the shortest time.
    Two round trips to the database (three when the batch links earlier events), whatever its size."""
    if not valid:
        return set()
    inserted = raw_events_insert(
        tenant=tenant, calls=valid, received_at=received_at, before=hold_points_statements(tenant=tenant)
    )
    usage = [c for c in valid if c.is_usage and c.message_id in inserted]
    events = [(c.account_id, c.contact_id, c.name, c.timestamp) for c in usage]
    late = []
    if resolution is not None and resolution.links:
        # Earlier events this batch links to a person or an account: counted in the catalogue
        # when they arrived, rolled up only now.
        late = [r for r in attribute_earlier(tenant=tenant, links=resolution.links) if r[0] in USAGE_TYPES]
        events += [(account_id, contact_id, name, ts) for _kind, name, ts, account_id, contact_id in late]
    latest: dict[int, dt.datetime] = {}
    for _account_id, contact_id, _name, timestamp in events:
        if contact_id is not None and (contact_id not in latest or timestamp > latest[contact_id]):
            latest[contact_id] = timestamp
    execute_together(
        [
            *rollup_statements(tenant=tenant, counts=count_keys(events, tenant.zone)),
            *contacts_seen_statements(tenant=tenant, latest=latest),
            *catalogue_statements(tenant=tenant, seen=catalogue_seen((c.name, c.timestamp) for c in usage)),
        ]
    )
    return inserted


def _error(tenant: Tenant, raw, reason: str, now: dt.datetime) -> IngestionError:
    # The event as sent may hold what PostgreSQL refuses (a NUL, a lone surrogate, NaN, deep nesting): its
    # copy here is made storable, so a refusal is always recorded.
    copy = shown(raw)
    call = copy if isinstance(copy, dict) else {}
    kind = call.get("type")
    message_id = call.get("messageId")
    return IngestionError(
        tenant=tenant,
        received_at=now,
        kind=kind[:8] if isinstance(kind, str) else "",
        message_id=str(message_id)[:200] if isinstance(message_id, str | int) else "",
        reason=shown_text(reason)[:300],
        payload=_cut(copy),
    )


def _cut(raw) -> dict:
    """The event as sent, whole when it fits in 4 KB, else its first 4 KB of JSON as text."""
    text = json.dumps(raw, ensure_ascii=False, default=str)
    if isinstance(raw, dict) and len(text.encode()) <= ERROR_PAYLOAD_BYTES:
        return json.loads(text)
    excerpt = text.encode()[: ERROR_PAYLOAD_BYTES - 100].decode(errors="ignore")
    return {"truncated": len(text.encode()) > ERROR_PAYLOAD_BYTES - 100, "excerpt": excerpt}


@dataclass
class Purged:
    deleted: int
    done: bool  # False: older errors are left for another run


def ingestion_errors_purge(
    *,
    tenant: Tenant,
    now: dt.datetime | None = None,
    batch_size: int = PURGE_BATCH,
    batches: int = PURGE_BATCHES_PER_RUN,
) -> Purged:
    """Delete the tenant's ingestion errors older than INGESTION_ERROR_RETENTION_DAYS, oldest first, in
    batches of short transactions (ingestion adds to the same table meanwhile)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.INGESTION_ERROR_RETENTION_DAYS)
    deleted = 0
    for _batch in range(batches):
        with transaction.atomic():
            ids = list(
                IngestionError.objects.filter(tenant=tenant, received_at__lt=cutoff)
                .order_by("received_at", "id")
                .values_list("pk", flat=True)[:batch_size]
            )
            if ids:
                deleted += IngestionError.objects.filter(tenant=tenant, pk__in=ids).delete()[0]
        if len(ids) < batch_size:
            return Purged(deleted, done=True)
    return Purged(deleted, done=False)
