"""Recompute runs: the nightly one each tenant claims once a day, and the on-demand one an admin starts.

A run is cut into batches of a few hundred accounts, each a task of its own. A batch writes its
scores and marks itself done in one transaction, and the run counts a batch only when it flips it
to done, so a batch that runs twice (a redelivery, a second worker) counts once and writes the
same rows again. A batch whose worker died is picked up again by the sweeper once its lease ends: the
task's hard time limit and a margin after it started (or was handed out), when no live worker can hold it;
until then the run shows it as stale.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from accounts.models import Account, AccountStatus
from core import tenant_time
from core.work import claim, lease_ended
from tenancy.models import Tenant, User
from tenancy.queue import enqueue_on_commit

from ..models import RecomputeBatch, RecomputeRun, RunKind, RunStatus
from .scores import accounts_score_day

# A batch is a task of a second or two: each query reads a thousand accounts at once, so the fixed
# costs of a statement and of a batch are shared by more accounts than with a few hundred, and a
# tenant of 10,000 accounts still spreads over ten tasks (2,000 measured the same on one worker,
# and five tasks spread worse over workers).
BATCH_SIZE = 1_000
NIGHTLY_HOUR = 2  # local time: the day before is complete, and nobody is looking


def _enqueue(tenant: Tenant, batch_ids: list[int]) -> None:
    # Imported here: tasks import this module.
    from ..tasks import recompute_batch_task

    # With the broker down the batches stay in their rows, and the sweep hands them out once their lease ends.
    for batch_id in batch_ids:
        enqueue_on_commit(recompute_batch_task, tenant_id=tenant.pk, batch_id=batch_id)


def _plan(run: RecomputeRun) -> list[int]:
    ids = list(
        Account.objects.filter(tenant=run.tenant, status=AccountStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chunks = [ids[start : start + BATCH_SIZE] for start in range(0, len(ids), BATCH_SIZE)]
    batches = RecomputeBatch.objects.bulk_create(
        [RecomputeBatch(tenant=run.tenant, run=run, number=n, account_ids=chunk) for n, chunk in enumerate(chunks)]
    )
    run.total_batches, run.total_accounts = len(chunks), len(ids)
    if not chunks:
        run.status, run.finished_at = RunStatus.DONE, timezone.now()
    run.save(update_fields=["total_batches", "total_accounts", "status", "finished_at"])
    if batches and batches[0].pk is None:  # backends that do not return ids from bulk inserts
        return list(RecomputeBatch.objects.filter(tenant=run.tenant, run=run).values_list("pk", flat=True))
    return [b.pk for b in batches]


def nightly_day(*, tenant: Tenant, now: dt.datetime) -> dt.date | None:
    """The day tonight's run scores (yesterday, once the tenant's clock passed 02:00), or None before then."""
    local = tenant_time.local(tenant, now)
    return local.date() - dt.timedelta(days=1) if local.hour >= NIGHTLY_HOUR else None


def run_claim_nightly(*, tenant: Tenant, now: dt.datetime | None = None) -> RecomputeRun | None:
    """Claim the tenant's nightly run and fan out its batches; None when it is not time yet, or when
    another beat (or an earlier one) has claimed it already."""
    day = nightly_day(tenant=tenant, now=now or timezone.now())
    if day is None:
        return None
    # The sweep runs every few minutes: most times the night is taken, and a look is cheaper than a failed insert.
    if RecomputeRun.objects.filter(tenant=tenant, day=day, kind=RunKind.NIGHTLY).exists():
        return None
    try:
        with transaction.atomic():
            # Claim first: the unique constraint lets exactly one beat create the night's run.
            run = RecomputeRun.objects.create(tenant=tenant, day=day, kind=RunKind.NIGHTLY)
            batch_ids = _plan(run)
            _enqueue(tenant, batch_ids)
    except IntegrityError:
        return None
    return run


def run_start_manual(*, tenant: Tenant, by: User | None) -> RecomputeRun:
    """Recompute every active account of the tenant for today, now (from the admin). While today's run is
    still running, asking again reuses it and hands out its unfinished batches again (the first ask may
    never have reached the queue): one run per tenant and day, and a batch counts once however often sent."""
    today = tenant_time.today(tenant)
    with transaction.atomic():
        try:
            # Claim first: the constraint recompute_run_one_manual_running lets one such run exist a day.
            with transaction.atomic():
                run = RecomputeRun.objects.create(tenant=tenant, day=today, kind=RunKind.MANUAL, requested_by=by)
                batch_ids = _plan(run)
        except IntegrityError:
            # An earlier click's run is still running: that one is today's run.
            run = RecomputeRun.objects.select_for_update().get(
                tenant=tenant, day=today, kind=RunKind.MANUAL, status=RunStatus.RUNNING
            )
            batch_ids = _hand_out_again(run)
        _enqueue(tenant, batch_ids)
    run.refresh_from_db()
    return run


def _hand_out_again(run: RecomputeRun) -> list[int]:
    ids = list(RecomputeBatch.objects.filter(tenant=run.tenant, run=run, done=False).values_list("pk", flat=True))
    RecomputeBatch.objects.filter(tenant=run.tenant, pk__in=ids).update(enqueued_at=timezone.now())
    return ids


def _stale_q(now: dt.datetime, prefix: str = "") -> Q:
    """Batches not done whose lease ended: handed out, and started if at all, longer ago than a task may run."""
    return (
        Q(**{f"{prefix}done": False})
        & lease_ended(f"{prefix}enqueued_at", now)
        & (Q(**{f"{prefix}started_at__isnull": True}) | lease_ended(f"{prefix}started_at", now))
    )


def batch_start(*, tenant: Tenant, batch_id: int) -> None:
    """Stamp the batch as taken up, in its own commit before the work: the work's transaction dies with a
    killed worker, the stamp stays and starts the lease."""
    RecomputeBatch.objects.filter(tenant=tenant, pk=batch_id, done=False).update(started_at=timezone.now())


def batch_process(*, tenant: Tenant, batch_id: int) -> bool:
    """Score one batch; True if this call completed it, False if it was done already."""
    batch_start(tenant=tenant, batch_id=batch_id)
    with transaction.atomic():
        # Waits while another worker holds the batch, then finds it done and does nothing.
        batch = RecomputeBatch.objects.select_for_update().select_related("run").get(tenant=tenant, pk=batch_id)
        if batch.done:
            return False
        run = batch.run
        accounts_score_day(tenant=tenant, day=run.day, account_ids=list(batch.account_ids), detect=True)
        now = timezone.now()
        RecomputeBatch.objects.filter(tenant=tenant, pk=batch.pk).update(
            done=True, done_at=now, attempts=F("attempts") + 1
        )
        RecomputeRun.objects.filter(tenant=tenant, pk=run.pk).update(
            done_batches=F("done_batches") + 1, done_accounts=F("done_accounts") + len(batch.account_ids)
        )
        RecomputeRun.objects.filter(
            tenant=tenant, pk=run.pk, status=RunStatus.RUNNING, done_batches=F("total_batches")
        ).update(status=RunStatus.DONE, finished_at=now)
    return True


def runs_recover(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Hand out again the batches of running runs whose lease has ended (their worker died and the
    message is gone, or waits for the broker's visibility timeout). Returns how many."""
    now = now or timezone.now()
    stale = RecomputeBatch.objects.filter(_stale_q(now), tenant=tenant, run__status=RunStatus.RUNNING)
    # Claimed by handing them out again: a second sweep at the same moment finds them fresh.
    claimed = claim(stale, enqueued_at=now)
    if claimed:
        _enqueue(tenant, claimed)
    return len(claimed)


def _with_stale_batches(runs: QuerySet[RecomputeRun]) -> QuerySet[RecomputeRun]:
    # A stale run is one whose batch outlived its lease: its worker died, and the sweep hands it out again.
    return runs.annotate(stale_batches=Count("batches", filter=_stale_q(timezone.now(), prefix="batches__")))


def recompute_run_list(*, tenant: Tenant) -> QuerySet[RecomputeRun]:
    return _with_stale_batches(
        RecomputeRun.objects.filter(tenant=tenant).select_related("requested_by").order_by("-started_at", "-id")
    )


def recompute_run_get(*, tenant: Tenant, recompute_run_id: int) -> RecomputeRun:
    return _with_stale_batches(RecomputeRun.objects.filter(tenant=tenant)).get(pk=recompute_run_id)
