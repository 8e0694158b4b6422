"""A worker process killed (SIGKILL) in the middle of a playbook run: Redis hands the message to the next worker
(acks_late), which takes the run over once its claim has no live worker and finishes it, taking each action
once. PostgreSQL and Redis only: it needs a second process on the same database and broker."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections
from django_scopes import scope

from activities.models import Task, TaskSource
from playbooks.models import ActionStatus, PlaybookRun, RunAction, RunStatus
from playbooks.services.triggers import Occurrence, occurrences_record
from renewals.models import ForecastChange, Renewal
from tenancy.leases import task_lease

from ..accounts.builders import make_account
from ..renewals.builders import contract_for
from .builders import playbook_make

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.REDIS_URL or connection.vendor != "postgresql", reason="needs PostgreSQL and Redis"
    ),
]

ACTIONS = [
    {"type": "create_task", "title": "First", "due_in_days": 1, "assignee": "owner"},
    {"type": "set_forecast", "category": "at_risk", "reason": "the worker test"},
    {"type": "create_task", "title": "Second", "due_in_days": 1, "assignee": "owner"},
]


def _wait_for(condition, *, within: float, what: str) -> None:
    """Poll for what another process does (a row, a lock), failing after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within} s")
        time.sleep(0.1)


def _worker(name: str, log) -> subprocess.Popen:
    """A worker process on this test's database and queue, with a short visibility timeout so Redis hands
    an unacknowledged message on within seconds (and a short time limit, which the timeout must outlast)."""
    database = settings.DATABASES["default"]
    login = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    url = f"postgres://{login}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}"
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings_test",
        DATABASE_URL=url,
        REDIS_URL=settings.REDIS_URL,
        POSTSALE_TEST_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE,
        CELERY_TASK_TIME_LIMIT="4",
        CELERY_TASK_SOFT_TIME_LIMIT="3",
        CELERY_VISIBILITY_TIMEOUT="4",
    )
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO"),
            *("--hostname", f"{name}-{os.getpid()}@%h", "--without-heartbeat", "--without-mingle", "--without-gossip"),
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _lock_renewal(renewal_id: int):
    """Another session holds the renewal's row, so the run's forecast action waits there: the moment to
    kill its worker, after the tasks committed (a batch's tasks are made first, together) and before the rest."""
    holder = connections.create_connection("default")
    holder.set_autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute("SELECT id FROM renewals_renewal WHERE id = %s FOR UPDATE", [renewal_id])
    return holder


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


def test_a_run_whose_worker_is_killed_mid_run_completes_once_on_redelivery(tenant_a, bob, tmp_path):
    account = make_account(tenant_a, 1, owner=bob)
    contract_for(tenant_a, account, days_to_end=200)
    pb = playbook_make(
        tenant_a,
        name="Kill me",
        trigger="signal_raised",
        trigger_params={"kind": "late_payment"},
        conditions=[],
        actions=ACTIONS,
        enabled=True,
    )
    with scope(tenant=tenant_a):
        renewal = Renewal.objects.get(tenant=tenant_a, account=account)
    log_path = tmp_path / "workers.log"
    first = second = holder = None
    with open(log_path, "w") as log:
        try:
            holder = _lock_renewal(renewal.pk)
            first = _worker("first", log)
            with scope(tenant=tenant_a):
                [run_id] = occurrences_record(
                    tenant=tenant_a,
                    trigger="signal_raised",
                    occurrences=[Occurrence(account.pk, "signal:7", {"kind": "late_payment"})],
                )

            def first_done() -> bool:
                with scope(tenant=tenant_a):
                    return Task.objects.filter(tenant=tenant_a, title="First").exists()

            _wait_for(first_done, within=120, what="the first action")
            _wait_for(_waiting_on_a_lock, within=60, what="the forecast action waiting on the renewal")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
            holder.rollback()

            with scope(tenant=tenant_a):
                run = PlaybookRun.objects.get(pk=run_id)
                marks = list(RunAction.objects.filter(run=run).order_by("position").values_list("status", flat=True))
                # The batch's tasks were made together first; the forecast between them was not taken.
                assert (run.status, marks) == (RunStatus.RUNNING, [ActionStatus.DONE, "pending", ActionStatus.DONE])
                # The clock moves past the dead worker's lease (the task time limit and a minute).
                PlaybookRun.objects.filter(pk=run_id).update(claimed_at=run.claimed_at - task_lease())

            second = _worker("second", log)

            def finished() -> bool:
                with scope(tenant=tenant_a):
                    return PlaybookRun.objects.get(pk=run_id).status != RunStatus.RUNNING

            _wait_for(lambda: finished() or second.poll() is not None, within=300, what="the redelivered run")
        finally:
            for process in (first, second):
                if process is not None and process.poll() is None:
                    process.send_signal(signal.SIGTERM)
                    try:
                        process.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait(timeout=30)
            if holder is not None:
                holder.close()
            print(log_path.read_text()[-6000:])

    with scope(tenant=tenant_a):
        run = PlaybookRun.objects.get(pk=run_id)
        assert (run.status, run.attempts) == (RunStatus.DONE, 2)
        made = Task.objects.filter(tenant=tenant_a, source=TaskSource.PLAYBOOK_RUN, source_id=run.pk)
        assert sorted(made.values_list("title", flat=True)) == ["First", "Second"]
        changes = ForecastChange.objects.filter(tenant=tenant_a, renewal=renewal, to_category="at_risk")
        assert changes.count() == 1
        assert Renewal.objects.get(pk=renewal.pk).override_reason == "Playbook Kill me: the worker test"
    assert pb.pk == run.playbook_id
