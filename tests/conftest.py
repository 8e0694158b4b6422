"""Shared fixtures: alice (admin, tenant A), bob (CSM, tenant A) and charlie (admin, tenant B)."""

import queue

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from celery.worker import state as worker_state
from django.conf import settings
from django.db import connection
from django_scopes import scope
from rest_framework.test import APIClient

from config.celery import app as celery_app
from tenancy import services
from tenancy.models import ApiKeyKind, Role

from .factories import TenantFactory, UserFactory, add_member


def pytest_report_header(config):
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = "Redis (real worker tests on)" if settings.REDIS_URL else "none: Celery tasks run in-process"
    return [f"postsale: database {database}, broker {broker}"]


@pytest.fixture(scope="session", autouse=True)
def _celery_configured_from_real_settings():
    # Celery reads Django's settings lazily, once: read them now, before any test overrides one.
    assert celery_app.conf.broker_url


@pytest.fixture(autouse=True)
def _tasks_in_process_unless_worker_test(request):
    # Only the tests about background work talk to a real worker; the others run
    # their tasks in-process so that they never leave messages in the broker.
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def tenant_a(db):
    return TenantFactory(name="Tenant Alpha", slug="alpha")


@pytest.fixture
def tenant_b(db):
    return TenantFactory(name="Tenant Bravo", slug="bravo")


@pytest.fixture
def alice(tenant_a):
    user = UserFactory(email="alice@alpha.example", full_name="Alice Admin")
    add_member(tenant_a, user, Role.ADMIN)
    return user


@pytest.fixture
def bob(tenant_a):
    user = UserFactory(email="bob@alpha.example", full_name="Bob Csm")
    add_member(tenant_a, user, Role.CSM)
    return user


@pytest.fixture
def charlie(tenant_b):
    user = UserFactory(email="charlie@bravo.example", full_name="Charlie Bravo")
    add_member(tenant_b, user, Role.ADMIN)
    return user


@pytest.fixture
def member_of(tenant_a):
    """Make a user with a role in tenant A: member_of(Role.VIEWER)."""

    def make(role: Role, email: str | None = None):
        user = UserFactory(**({"email": email} if email else {}))
        add_member(tenant_a, user, role)
        return user

    return make


def client_for(client_class, user):
    client = client_class()
    client.force_login(user)
    return client


@pytest.fixture
def login():
    from django.test import Client

    return lambda user: client_for(Client, user)


@pytest.fixture
def api_as():
    """An API client authenticated with a fresh personal token of `user` in `tenant`."""

    def make(user, tenant):
        with scope(tenant=tenant):
            _key, secret = services.api_key_create(
                tenant=tenant, kind=ApiKeyKind.PERSONAL, name="test", by=user, user=user
            )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make


@pytest.fixture
def db_vendor():
    return connection.vendor


@pytest.fixture
def worker():
    """A real worker consuming from Redis when REDIS_URL is set; tasks in-process otherwise."""
    if not settings.REDIS_URL:
        yield None
        return
    celery_app.control.purge()
    # A worker stopped badly by an earlier test leaves the process's stop flag set, and a new worker would
    # then never report itself started: clear it, so one failure can't hang the rest of the suite.
    worker_state.should_terminate = None
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as running:
        yield running


EVENTS_DISPATCH = "core.tasks.events_dispatch"


def _finished(events: bool):
    finished = queue.Queue()

    def record(sender=None, state=None, **kwargs):
        if (sender.name == EVENTS_DISPATCH) == events:
            finished.put((sender.name, state))

    task_postrun.connect(record, weak=False)
    return finished, record


@pytest.fixture
def finished_tasks():
    """Tasks as the worker finishes them: (name, state), to wait on without sleeping. Without the
    dispatches of the events the tasks announce (finished_dispatches has those)."""
    finished, record = _finished(events=False)
    yield finished
    task_postrun.disconnect(record)


@pytest.fixture
def finished_dispatches():
    """The dispatches of announced events (core.events) as the worker finishes them: (name, state)."""
    finished, record = _finished(events=True)
    yield finished
    task_postrun.disconnect(record)
