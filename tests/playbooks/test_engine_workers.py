"""The engine on a real Celery worker (PostgreSQL and Redis): the same news delivered twice, dispatched by two
worker threads racing each other, fires each occurrence once, and each run makes its tasks once. Without
REDIS_URL the tasks run in-process, one after the other, and once-only still holds."""

import queue

import pytest
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django_scopes import scope

from accounts.signals import announce_accounts_created
from activities.models import Task, TaskSource
from config.celery import app as celery_app
from core.events import events_paused
from playbooks.models import PlaybookRun, RunStatus

from ..accounts.builders import make_account
from .builders import playbook_make

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ACCOUNTS, BATCH = 500, 50
TASKS = [
    {"type": "create_task", "title": "Welcome call with {{ account.name }}", "due_in_days": 1, "assignee": "owner"},
    {"type": "create_task", "title": "Kick-off deck for {{ account.name }}", "due_in_days": 3, "assignee": "owner"},
]


@pytest.fixture
def two_workers():
    """One real worker whose pool runs two tasks at once, in two threads, each with its own database
    connection: the race of two worker processes (see tests/communications/test_outbox_workers.py)."""
    if not settings.REDIS_URL:
        yield []
        return
    celery_app.control.purge()
    worker_state.should_terminate = None  # see tests/conftest.py: worker
    with start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=60
    ) as worker:
        yield [worker]


def _finished_runs(tenant) -> int:
    with scope(tenant=tenant):
        return PlaybookRun.objects.filter(tenant=tenant, status=RunStatus.DONE).count()


def test_five_hundred_occurrences_delivered_twice_on_two_workers_run_once_each(
    two_workers, finished_tasks, tenant_a, bob
):
    # The book is made quietly (its own news paused), so only the announcements below reach the workers.
    with events_paused():
        accounts = [make_account(tenant_a, n, owner=bob) for n in range(ACCOUNTS)]
    playbook_make(
        tenant_a,
        name="Welcome",
        trigger="account_created",
        trigger_params={},
        conditions=[],
        actions=TASKS,
        enabled=True,
    )
    ids = [a.pk for a in accounts]
    # Every batch announced twice (a retried import, a redelivered message): the dispatches race on two threads.
    with events_paused("journeys", "communications"), transaction.atomic():
        for start in range(0, ACCOUNTS, BATCH):
            announce_accounts_created(tenant_a, ids[start : start + BATCH])
            announce_accounts_created(tenant_a, ids[start : start + BATCH])
    while _finished_runs(tenant_a) < ACCOUNTS:
        try:
            finished_tasks.get(timeout=180)
        except queue.Empty:
            pytest.fail(f"only {_finished_runs(tenant_a)} of {ACCOUNTS} runs finished")

    with scope(tenant=tenant_a):
        runs = PlaybookRun.objects.filter(tenant=tenant_a)
        assert runs.count() == ACCOUNTS
        assert set(runs.values_list("account_id", flat=True)) == set(ids)
        assert set(runs.values_list("status", flat=True)) == {RunStatus.DONE}
        tasks = Task.objects.filter(tenant=tenant_a, source=TaskSource.PLAYBOOK_RUN)
        assert tasks.count() == 2 * ACCOUNTS
        per_run = tasks.values("source_id").annotate(n=Count("id")).values_list("n", flat=True)
        assert set(per_run) == {2}
        assert set(tasks.values_list("owner_id", flat=True)) == {bob.pk}
