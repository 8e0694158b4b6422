"""The embedded default without Redis works like production: a real worker takes the tasks the web server
queues as files (kombu's filesystem transport), and a page reads what the worker left in a cache both share."""

import pytest
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state

from config.celery import app as celery_app
from config.settings import filesystem_broker_options

from .health.builders import BACKTEST_API, backtest_book, task_finished

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _drop_connections() -> None:
    # Connections made for one broker must not serve the next test, which may use another.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def filesystem_worker(tmp_path, settings):
    """A real worker on the embedded default's broker and cache, in folders of this test's own."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": tmp_path / "cache"}
    }
    kept = ("broker_url", "broker_transport_options", "task_always_eager")
    previous = {name: celery_app.conf[name] for name in kept}
    celery_app.conf.update(
        broker_url="filesystem://localhost/",
        broker_transport_options=filesystem_broker_options(tmp_path / "celery"),
        task_always_eager=False,
    )
    _drop_connections()
    worker_state.should_terminate = None  # see the worker fixture in conftest.py
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as running:
            yield running
    finally:
        celery_app.conf.update(previous)
        _drop_connections()


def test_the_worker_builds_the_backtest_the_api_asked_for(filesystem_worker, finished_tasks, tenant_a, alice, api_as):
    backtest_book(tenant_a)
    first = api_as(alice, tenant_a).get(BACKTEST_API)
    assert first.status_code == 202  # queued for the worker: the request did not build it
    task_finished(finished_tasks, "health.tasks.backtest_report_task")
    report = api_as(alice, tenant_a).get(BACKTEST_API)
    assert report.status_code == 200  # the worker's result, read from the shared cache
    assert (report.json()["churned_accounts"], report.json()["retained_accounts"]) == (1, 1)
