"""The broker (and the Redis cache) down: the pages that start background work answer at once with a
clear message instead of a 500 after 19 s; what they committed stays queued in its row, a retry reuses
it (one recompute run per tenant and day), and the sweeps send it once the broker is back.

The broker and the cache point to a closed port (nothing listens on 1); requests run in a thread whose
result is awaited with a timeout, so a request that blocks fails the test instead of hanging it."""

import concurrent.futures
import datetime as dt

import pytest
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from accounts import services as account_services
from accounts.models import ImportJob, ImportStatus
from accounts.services import imports
from communications.models import CalendarImport, Notification, NotificationStatus
from communications.services.imports import calendar_imports_requeue
from communications.services.notifications import notification_raise, notifications_requeue
from config.celery import app as celery_app
from health.models import RecomputeRun, RunStatus
from health.services import runs
from tenancy.leases import task_lease
from tenancy.queue import BACKGROUND_UNAVAILABLE, queue_watch

from .accounts.builders import make_account

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

CLOSED = "redis://127.0.0.1:1/0"
ANSWER_WITHIN = 15  # seconds: the result backend's 20 retries a second apart took 19


def _reset_celery_connections() -> None:
    # The app keeps its producer pool and (per thread) its result backend: drop them so the next
    # message uses the broker and backend configured now.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._local.__dict__.pop("backend", None)


@pytest.fixture
def broker_down(settings):
    conf = celery_app.conf
    saved = conf.broker_url, conf.result_backend, conf.task_always_eager
    conf.broker_url, conf.result_backend, conf.task_always_eager = CLOSED, CLOSED, False
    _reset_celery_connections()
    settings.CACHES = {
        "default": {
            "BACKEND": "tenancy.cache.OptionalRedisCache",
            "LOCATION": CLOSED,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

    def back() -> None:
        conf.broker_url, conf.result_backend = saved[0], saved[1]
        # Without Redis the suite runs tasks in-process; with it, a real worker takes them (below).
        conf.task_always_eager = not settings.REDIS_URL
        _reset_celery_connections()

    yield back
    conf.broker_url, conf.result_backend, conf.task_always_eager = saved
    _reset_celery_connections()


def _answer(call, *args, **kwargs):
    """Call `call` (a test client's get/post) in a thread; a request that blocks fails here."""

    def run():
        try:
            return call(*args, **kwargs)
        finally:
            connection.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=ANSWER_WITHIN)


def _import_job(tenant, user) -> ImportJob:
    upload = SimpleUploadedFile("book.csv", b"external_id,name,segment\nq-1,Queued One,smb\n", content_type="text/csv")
    with scope(tenant=tenant):
        account_services.tiers_create_defaults(tenant=tenant)
        return imports.import_job_create(tenant=tenant, kind="accounts", uploaded_file=upload, by=user)


def test_with_the_broker_down_pages_say_so_and_the_sweeps_send_the_work_once_it_is_back(
    broker_down, tenant_a, alice, login, api_as, finished_tasks
):
    accounts = [make_account(tenant_a, n, owner=alice) for n in (1, 2)]
    job = _import_job(tenant_a, alice)
    page, api = login(alice), api_as(alice, tenant_a)

    # The admin's Recompute, twice (a retry), and the API's: one run for the day, each answer a message.
    first = _answer(page.post, reverse("health:recompute"), follow=True)
    assert first.status_code == 200 and BACKGROUND_UNAVAILABLE in first.content.decode()
    again = _answer(page.post, reverse("health:recompute"), follow=True)
    assert BACKGROUND_UNAVAILABLE in again.content.decode()
    by_api = _answer(api.post, "/api/v1/recompute-runs/")
    assert by_api.status_code == 202 and by_api.json()["detail"] == BACKGROUND_UNAVAILABLE
    with scope(tenant=tenant_a):
        [run] = RecomputeRun.objects.filter(tenant=tenant_a)
        assert by_api.json()["id"] == run.pk and run.status == RunStatus.RUNNING

    # Starting an import: kept queued, and the page says why it has not started.
    mapping = {"external_id": "external_id", "name": "name", "segment": "segment", "mode": "all_or_nothing"}
    started = _answer(page.post, reverse("accounts:import_detail", args=[job.pk]), mapping, follow=True)
    assert started.status_code == 200 and BACKGROUND_UNAVAILABLE in started.content.decode()

    # A campaign import through the API: 202, kept.
    csv = (
        "account,contact emails,audience role,type,channel,team,scheduled at,subject,external id\n"
        "ext-1,,,Educational,Email,,2030-12-02T10:00,Tips,hs-1\n"
    )
    uploaded = _answer(
        api.post, "/api/v1/calendar-imports/", {"file": SimpleUploadedFile("c.csv", csv.encode()), "team": "marketing"}
    )
    assert uploaded.status_code == 202 and uploaded.json()["detail"] == BACKGROUND_UNAVAILABLE

    # The backtest page (its cache is down too) answers with the message, not a 500.
    backtest = _answer(page.get, reverse("health:backtest"))
    assert backtest.status_code == 200 and BACKGROUND_UNAVAILABLE in backtest.content.decode()

    # An alert raised meanwhile: kept pending.
    with scope(tenant=tenant_a), queue_watch() as watch:
        alert = notification_raise(tenant=tenant_a, account=accounts[0], text="Jane Roe inactive.", source_key="t:1")
    assert watch.failed == 1

    with scope(tenant=tenant_a):
        assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.QUEUED
        assert CalendarImport.objects.get(tenant=tenant_a).status == CalendarImport.Status.UPLOADED
        assert Notification.objects.get(pk=alert.pk).status == NotificationStatus.PENDING

    # The broker is back: the next sweeps (a task's lease later) send everything once.
    broker_down()
    later = timezone.now() + task_lease() + dt.timedelta(seconds=1)
    with scope(tenant=tenant_a):
        sent = (
            runs.runs_recover(tenant=tenant_a, now=later),
            imports.import_jobs_requeue(tenant=tenant_a, now=later),
            calendar_imports_requeue(tenant=tenant_a, now=later),
            notifications_requeue(tenant=tenant_a, now=later),
        )
    assert sent == (1, 1, 1, 1)
    if settings.REDIS_URL:
        worker_state.should_terminate = None
        expected = {
            "health.tasks.recompute_batch_task",
            "accounts.tasks.import_job_run_task",
            "communications.notify_tasks.calendar_import_run_task",
            "communications.notify_tasks.notification_send_task",
        }
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            while expected:
                name, state = finished_tasks.get(timeout=120)
                assert state == "SUCCESS", name
                expected.discard(name)
    with scope(tenant=tenant_a):
        run.refresh_from_db()
        assert (run.status, run.done_accounts) == (RunStatus.DONE, len(accounts))
        assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.DONE
        assert CalendarImport.objects.get(tenant=tenant_a).status == CalendarImport.Status.DONE
        assert Notification.objects.get(pk=alert.pk).status == NotificationStatus.SENT
        # Nothing is left for a later sweep.
        even_later = later + task_lease()
        assert runs.runs_recover(tenant=tenant_a, now=even_later) == 0
        assert imports.import_jobs_requeue(tenant=tenant_a, now=even_later) == 0
        assert calendar_imports_requeue(tenant=tenant_a, now=even_later) == 0
        assert notifications_requeue(tenant=tenant_a, now=even_later) == 0


def test_a_signal_upload_with_the_broker_down_says_so_and_its_job_waits_for_the_sweep(
    broker_down, tenant_a, alice, login
):
    make_account(tenant_a, 1, owner=alice)
    nps = b"account_external_id,score,responded_on\next-1,9,2025-03-01\n"
    form = {"kind": "nps", "mode": "all_or_nothing", "file": SimpleUploadedFile("nps.csv", nps)}
    page = _answer(login(alice).post, reverse("health:signal_import"), form, follow=True)
    assert page.status_code == 200 and BACKGROUND_UNAVAILABLE in page.content.decode()
    assert "Waiting for a worker to start the import" in page.content.decode()
    broker_down()
    later = timezone.now() + task_lease() + dt.timedelta(seconds=1)
    with scope(tenant=tenant_a):
        job = ImportJob.objects.get(tenant=tenant_a)
        assert job.status == ImportStatus.QUEUED
        # The account import's sweep sends it: one job framework, one sweep.
        assert imports.import_jobs_requeue(tenant=tenant_a, now=later) == 1
