"""One contract for the events between apps: an app declares what it announces (an `Event` in its
signals.py), announces it with `announce`, and the apps above it react with `@receives`.

    track_transitioned = Event("journeys.track_transitioned", "transition_id")

    announce(track_transitioned, tenant=tenant, transition_id=transition.pk)   # in the change's transaction

    @receives(track_transitioned)
    def stage_cadences(*, tenant, transition_id): ...

An announcement is a row of the outbox (tenancy.OutboxEvent), written in the transaction of the change it
announces, with the tenant and ids or a frozen JSON payload, never model instances. Once that commits, a task
(events_dispatch) runs each receiver in the tenant's scope and in a transaction of its own, and marks it
done in the same transaction, so a retry never runs a receiver twice. A receiver that fails is logged and
retried later with a growing wait, never raised into the sender; after MAX_ATTEMPTS the row stays, with
its error, for someone to look at. The beat's sweep (events_sweep) sends again what has waited more than
SWEEP_AFTER: a worker killed after the commit, or a broker that was down, loses nothing.

A few events are part of the change itself rather than news about it (`in_transaction=True`: a new
tenant's defaults, the credentials of a member who left): their receivers run at once, inside the
sender's transaction and the tenant's scope, and a failure rolls the change back. They are not paused.
`Event`, the registry of receivers and that in-transaction run live in tenancy.events, below core, so that
tenancy can announce its own two; everything else is here.
"""

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from tenancy.events import Event, Receiver, receiver_register, receivers_of, run_in_transaction
from tenancy.leases import task_lease
from tenancy.models import OutboxEvent, Tenant
from tenancy.queue import enqueue

from .work import claim_one

__all__ = ["Event", "announce", "events_paused", "receives"]

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Undelivered this long after its commit, an event lost its dispatch (a killed worker, a broker down).
SWEEP_AFTER = dt.timedelta(minutes=1)
SWEEP_BATCH = 500
# Delivered events are kept this long (to look at what happened), then the sweep deletes them.
KEEP_DELIVERED = dt.timedelta(days=7)


def receives(event: Event) -> Callable[[Receiver], Receiver]:
    """Declare a receiver of `event`: it is called with `tenant` and the payload's fields as keywords,
    inside the tenant's scope, in a transaction of its own (the sender's, for an in-transaction event)."""

    def register(function: Receiver) -> Receiver:
        receiver_register(event, function)
        return function

    return register


EVERY_APP = "*"
_paused: ContextVar[frozenset[str]] = ContextVar("events_paused", default=frozenset())


@contextmanager
def events_paused(*apps: str) -> Iterator[None]:
    """While set, what is announced never reaches the receivers of `apps` (of every app when none is
    named): a bulk load (the demo) replays years of changes and makes what those receivers would have
    made itself. Their receivers are marked done on the row as it is written, so no later dispatch (a
    retry, the sweep) runs them either. In-transaction events (a tenant's defaults) are never paused."""
    token = _paused.set(_paused.get() | frozenset(apps or [EVERY_APP]))
    try:
        yield
    finally:
        _paused.reset(token)


def _skipped(event: Event) -> list[str] | None:
    """The receivers the pause keeps from this announcement, or None when it keeps them all."""
    paused = _paused.get()
    keys = [key for key, _function in receivers_of(event.name)]
    skipped = [key for key in keys if EVERY_APP in paused or key.split(".", 1)[0] in paused]
    return None if paused and len(skipped) == len(keys) else skipped


def announce(event: Event, *, tenant: Tenant, **payload: Any) -> OutboxEvent | None:
    """Announce `event` for `tenant`: an outbox row in the current transaction, dispatched once it
    commits (or, for an in-transaction event, its receivers run now)."""
    if event.in_transaction:
        run_in_transaction(event, tenant=tenant, **payload)
        return None
    event.check(payload)
    skipped = _skipped(event)
    if skipped is None:
        return None
    with scopes_disabled():
        row = OutboxEvent.objects.create(tenant=tenant, name=event.name, payload=payload, done=skipped)
    from .tasks import events_dispatch

    # enqueue never raises: with the broker down the row waits for the sweep.
    transaction.on_commit(lambda: enqueue(events_dispatch, tenant_id=tenant.pk, event_id=row.pk))
    return row


def retry_wait(attempts: int) -> dt.timedelta:
    """1, 2, 4 ... minutes after the attempt that failed, at most an hour."""
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def event_dispatch(*, tenant: Tenant, event_id: int) -> bool:
    """Run the receivers of one announcement that have not succeeded yet. False when there was nothing
    to do: delivered already, given up, or claimed by another worker. When a retry is due is the sweep's
    to say (it sends the dispatch then)."""
    now = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    with scopes_disabled():
        rows = OutboxEvent.objects.filter(tenant=tenant, pk=event_id, dispatched_at__isnull=True)
        # Claim first: the on-commit dispatch and the sweep's may arrive together.
        if not claim_one(rows.filter(free, attempts__lt=MAX_ATTEMPTS), claimed_until=now + task_lease()):
            return False
        row = rows.get()
        this = OutboxEvent.objects.filter(tenant=tenant, pk=row.pk)
    done, errors = list(row.done), []
    for key, function in receivers_of(row.name):
        if key in done:
            continue
        try:
            with transaction.atomic(), scope(tenant=tenant):
                function(tenant=tenant, **row.payload)
                # In the receiver's transaction: its work and its mark commit together, or neither does.
                with scopes_disabled():
                    this.update(done=[*done, key])
            done.append(key)
        except Exception as error:
            logger.exception("tenant %s: %s #%s: receiver %s failed", tenant.pk, row.name, row.pk, key)
            errors.append(f"{key}: {type(error).__name__}: {error}")
    attempts = row.attempts + 1
    finished = timezone.now()
    with scopes_disabled():
        if not errors:
            this.update(dispatched_at=finished, attempts=attempts, claimed_until=None, retry_at=None, last_error="")
            return True
        if attempts >= MAX_ATTEMPTS:
            logger.error("tenant %s: %s #%s: gave up after %d attempts", tenant.pk, row.name, row.pk, attempts)
        this.update(
            attempts=attempts,
            claimed_until=None,
            retry_at=finished + retry_wait(attempts),
            last_error="\n".join(errors)[:4000],
        )
    return True


def events_sweep(*, now: dt.datetime) -> int:
    """Send the dispatch of every announcement waiting for one again, and forget the long delivered."""
    from .tasks import events_dispatch

    waiting = events_waiting(now=now)
    for tenant_id, event_id in waiting:
        enqueue(events_dispatch, tenant_id=tenant_id, event_id=event_id)
    events_forget_delivered(now=now)
    return len(waiting)


def events_waiting(*, now: dt.datetime) -> list[tuple[int, int]]:
    """(tenant id, event id) of the announcements to send again: undelivered for SWEEP_AFTER (their dispatch
    was lost) or due for a retry, neither given up nor held by a live dispatch. Across tenants: the beat's."""
    with scopes_disabled():
        rows = (
            OutboxEvent.objects.filter(dispatched_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .filter(Q(attempts=0, created_at__lt=now - SWEEP_AFTER) | Q(attempts__gt=0, retry_at__lte=now))
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("created_at")
            .values_list("tenant_id", "pk")[:SWEEP_BATCH]
        )
        return list(rows)


def events_forget_delivered(*, now: dt.datetime) -> int:
    with scopes_disabled():
        old = OutboxEvent.objects.filter(dispatched_at__lt=now - KEEP_DELIVERED).values_list("pk", flat=True)
        deleted, _ = OutboxEvent.objects.filter(pk__in=list(old[:SWEEP_BATCH])).delete()
    return deleted
