"""The nightly recompute: claimed once per tenant and day, batches counted once, lost batches recovered,
and a real Celery worker finishing a tenant's run."""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from config.celery import app as celery_app
from health.ingestion.services import ingest
from health.models import HealthScore, RecomputeBatch, RecomputeRun, RunStatus
from health.services import runs
from health.tasks import health_recompute_sweep
from tenancy.leases import task_lease

from .builders import contact, track, tracked_account

BERLIN_NIGHT = dt.datetime(2026, 11, 30, 1, 30, tzinfo=dt.UTC)  # 02:30 in Berlin, 01:30 in London


def _book(tenant, count: int) -> list[int]:
    """`count` accounts, the first with a product user active most days of November."""
    made = [tracked_account(tenant, f"acc-{n:04d}", seats_purchased=4) for n in range(count)]
    contact(tenant, made[0], "u-1", name="Jane Roe")
    calls = [
        track("u-1", timestamp=f"2026-11-{day:02d}T10:00:00Z", context={"groupId": "acc-0000"}) for day in range(1, 30)
    ]
    with scope(tenant=tenant):
        ingest(tenant=tenant, calls=calls)
    return [a.pk for a in made]


@pytest.fixture
def berlin(tenant_a):
    tenant_a.time_zone = "Europe/Berlin"
    tenant_a.save()
    return tenant_a


def _wait_for_batches(finished_tasks, count: int) -> None:
    """With a real worker, wait until it has finished `count` batch tasks (in-process runs are done already)."""
    if not settings.REDIS_URL:
        return
    done = 0
    while done < count:
        name, state = finished_tasks.get(timeout=120)
        if name == "health.tasks.recompute_batch_task":
            assert state == "SUCCESS"
            done += 1


@pytest.mark.django_db
def test_not_claimed_before_two_in_the_tenants_morning(berlin):
    _book(berlin, 2)
    with scope(tenant=berlin):
        assert runs.run_claim_nightly(tenant=berlin, now=BERLIN_NIGHT - dt.timedelta(hours=1)) is None
        assert not RecomputeRun.objects.filter(tenant=berlin).exists()


@pytest.mark.django_db
def test_a_rerun_the_same_night_does_nothing(berlin, django_capture_on_commit_callbacks):
    ids = _book(berlin, 3)
    with scope(tenant=berlin), django_capture_on_commit_callbacks(execute=True):
        first = runs.run_claim_nightly(tenant=berlin, now=BERLIN_NIGHT)
    with scope(tenant=berlin):
        assert first is not None and first.day == dt.date(2026, 11, 29)  # yesterday, a finished day
        assert runs.run_claim_nightly(tenant=berlin, now=BERLIN_NIGHT + dt.timedelta(hours=3)) is None
        first.refresh_from_db()
        assert (first.status, first.done_accounts, first.total_accounts) == (RunStatus.DONE, len(ids), len(ids))
        assert HealthScore.objects.filter(tenant=berlin, day=first.day).count() == len(ids)
        # The next night is a run of its own.
        assert runs.run_claim_nightly(tenant=berlin, now=BERLIN_NIGHT + dt.timedelta(days=1)) is not None


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
    reason="SQLite's shared in-memory test database locks whole tables: two writers cannot race there",
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_beats_claim_the_night_once(berlin):
    ids = _book(berlin, 3)
    barrier = threading.Barrier(2)
    claimed, failures = [], []

    def beat():
        try:
            barrier.wait(timeout=30)
            with scope(tenant=berlin):
                claimed.append(runs.run_claim_nightly(tenant=berlin, now=BERLIN_NIGHT))
        except Exception as error:  # reported below: a thread's exception is otherwise lost
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert len([run for run in claimed if run is not None]) == 1
    with scope(tenant=berlin):
        run = RecomputeRun.objects.get(tenant=berlin)
        assert RecomputeBatch.objects.filter(tenant=berlin).count() == run.total_batches == 1
        assert run.status == RunStatus.DONE and run.done_accounts == len(ids)
        assert HealthScore.objects.filter(tenant=berlin, day=run.day).count() == len(ids)


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_completes_a_tenants_run(worker, finished_tasks, tenant_a, alice):
    ids = _book(tenant_a, runs.BATCH_SIZE + 7)  # two batches
    with scope(tenant=tenant_a):
        run = runs.run_start_manual(tenant=tenant_a, by=alice)
    _wait_for_batches(finished_tasks, 2)
    with scope(tenant=tenant_a):
        run.refresh_from_db()
        assert (run.status, run.total_batches, run.done_batches) == (RunStatus.DONE, 2, 2)
        assert (run.done_accounts, run.percent) == (len(ids), 100)
        assert HealthScore.objects.filter(tenant=tenant_a, day=run.day).count() == len(ids)
        assert HealthScore.objects.get(tenant=tenant_a, account_id=ids[0], day=run.day).score is not None


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_batch_whose_worker_died_is_recovered_without_duplicates(worker, finished_tasks, berlin):
    ids = _book(berlin, runs.BATCH_SIZE + 3)
    with scope(tenant=berlin):
        # The state a killed worker leaves: the run claimed and planned, the first batch finished,
        # the second never committed, and its message gone (taken by the worker that died).
        run = RecomputeRun.objects.create(tenant=berlin, day=dt.date(2026, 11, 29), kind="nightly")
        first, second = runs._plan(run)
        assert runs.batch_process(tenant=berlin, batch_id=first) is True
        run.refresh_from_db()
        assert (run.status, run.done_batches, run.done_accounts) == (RunStatus.RUNNING, 1, runs.BATCH_SIZE)
        # Within its lease nothing is handed out again.
        assert runs.runs_recover(tenant=berlin) == 0
        later = RecomputeBatch.objects.filter(pk=second).values_list("enqueued_at", flat=True).get() + task_lease()
        assert runs.runs_recover(tenant=berlin, now=later + dt.timedelta(minutes=1)) == 1
    _wait_for_batches(finished_tasks, 1)
    with scope(tenant=berlin):
        run.refresh_from_db()
        assert (run.status, run.done_batches, run.done_accounts) == (RunStatus.DONE, 2, len(ids))
        # A late redelivery of the first batch counts and writes nothing twice.
        assert runs.batch_process(tenant=berlin, batch_id=first) is False
        run.refresh_from_db()
        assert (run.done_batches, run.done_accounts) == (2, len(ids))
        assert HealthScore.objects.filter(tenant=berlin, day=run.day).count() == len(ids)


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_sweeps_every_tenant(berlin, tenant_b):
    _book(berlin, 2)
    result = health_recompute_sweep.apply().get()
    # Whatever the hour now, each tenant is claimed at most once and a second sweep claims nothing.
    assert result["claimed"] <= 2
    assert health_recompute_sweep.apply().get()["claimed"] == 0
    assert celery_app.conf.beat_schedule["health-recompute-sweep"]["task"] == "health.tasks.health_recompute_sweep"


@pytest.mark.django_db
def test_a_batch_whose_worker_died_shows_stale_once_its_lease_ends(berlin, alice, login, api_as, settings):
    settings.CELERY_TASK_TIME_LIMIT = 120  # the lease follows the task's hard time limit, and a minute
    assert task_lease() == dt.timedelta(minutes=3)
    _book(berlin, 3)
    with scope(tenant=berlin):
        run = RecomputeRun.objects.create(tenant=berlin, day=dt.date(2026, 11, 29), kind="nightly")
        [batch] = runs._plan(run)
        # A worker took the batch up and was killed: the stamp committed, the work did not.
        runs.batch_start(tenant=berlin, batch_id=batch)
    page, api = login(alice), api_as(alice, berlin)

    def shown() -> tuple[bool, bool, dict]:
        html = page.get(reverse("health:recompute")).content.decode()
        body = api.get(f"/api/v1/recompute-runs/{run.pk}/").json()
        return "Stale:" in html, ">stale</span>" in html, {k: body[k] for k in ("status", "stale", "stale_batches")}

    # Within the lease it may still be running: nothing is wrong yet.
    assert shown() == (False, False, {"status": "running", "stale": False, "stale_batches": 0})
    with scope(tenant=berlin):
        assert runs.runs_recover(tenant=berlin) == 0
        # Three minutes and a second pass (the clock moves; nothing else changes).
        past = timezone.now() - task_lease() - dt.timedelta(seconds=1)
        RecomputeBatch.objects.filter(pk=batch).update(enqueued_at=past, started_at=past)
    assert shown() == (True, True, {"status": "running", "stale": True, "stale_batches": 1})
    with scope(tenant=berlin):
        assert runs.runs_recover(tenant=berlin) == 1
    # Handed out again: running, with a new lease.
    assert shown() == (False, False, {"status": "running", "stale": False, "stale_batches": 0})
    with scope(tenant=berlin):
        assert runs.batch_process(tenant=berlin, batch_id=batch) is True
        run.refresh_from_db()
        assert run.status == RunStatus.DONE
