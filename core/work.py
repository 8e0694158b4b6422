"""The background-work kit: how a tenant's task is declared, and how a worker claims the rows it works on.

    @tenant_task()
    def renewals_refresh_task(self, *, tenant_id: int) -> dict: ...

    won = claim(Entry.objects.filter(claimable_q("claimed_at", now), tenant=tenant, status=...), limit=100,
                status=SENDING, claimed_at=now)

Every piece of background work is a row first (tenancy.queue); a worker that takes it claims the row, and a
claim older than the task lease (tenancy.leases: the hard time limit and a minute) has no live worker behind
it, so the sweeps and redeliveries may take it over. The lease rule stays in tenancy, whose queue sweeps use it.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q, QuerySet

from tenancy.leases import task_lease
from tenancy.tasks import TenantTask

# The database or the broker out of reach for a moment: worth another try, unlike a bug in the task.
UNREACHABLE = (OperationalError, InterfaceError, ConnectionError)
MAX_RETRIES = 5


def tenant_task(*, retry_on: tuple[type[BaseException], ...] = UNREACHABLE, acks_late: bool = False, **options: Any):
    """Declare a task that works for one tenant: called with `tenant_id=` (and other ids, never instances),
    run inside that tenant's scope (tenancy.tasks.TenantTask), and retried with exponential backoff, at most
    MAX_RETRIES times, when `retry_on` is raised: by default only when the database or the broker is out of
    reach. `acks_late`: the message is acknowledged once the task ends, so a worker killed mid-task hands it
    back (with reject_on_worker_lost) and the task must be safe to run again."""

    def decorator(function: Callable[..., Any]):
        return shared_task(
            base=TenantTask,
            bind=True,
            autoretry_for=retry_on,
            retry_backoff=True,
            max_retries=options.pop("max_retries", MAX_RETRIES),
            acks_late=acks_late,
            reject_on_worker_lost=acks_late,
            **options,
        )(function)

    return decorator


def lease_ended(field: str, now: dt.datetime) -> Q:
    """Rows whose claim (its time in `field`) is older than the task lease: their worker is gone."""
    return Q(**{f"{field}__lt": now - task_lease()})


def lease_left(claimed_at: dt.datetime, now: dt.datetime) -> dt.timedelta:
    """How long a claim made at `claimed_at` still holds."""
    return claimed_at + task_lease() - now


def claim(rows: QuerySet, *, limit: int | None = None, **changes: Any) -> list[int]:
    """Claim `rows` (the claimable ones: waiting, or held past their lease) for this worker by writing
    `changes` to them, and return the ids won, in the queryset's order. Two workers claiming at once never
    win the same row: on PostgreSQL the rows another worker is claiming are skipped, not waited for
    (`select_for_update(skip_locked=True)`); elsewhere each row is a compare-and-set on the same conditions.
    """
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            locked = rows.select_for_update(skip_locked=True, of=("self",)).values_list("pk", flat=True)
            ids = list(locked[:limit] if limit is not None else locked)
            if ids:
                # Locked: nobody else can change them before this update.
                rows.filter(pk__in=ids).update(**changes)
        return ids
    won = []
    candidates = rows.values_list("pk", flat=True)
    for pk in candidates[:limit] if limit is not None else candidates:
        # The update wins only if the row still meets the claim's conditions when it is written.
        if rows.filter(pk=pk).update(**changes):
            won.append(pk)
    return won


def claim_one(rows: QuerySet, **changes: Any) -> bool:
    """Claim the one row `rows` names (a job, an announcement); False when it is not claimable now."""
    # One row needs no lock to be fair: the conditional update is the claim.
    return rows.update(**changes) == 1
