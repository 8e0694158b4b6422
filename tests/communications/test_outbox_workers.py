"""Two tasks on a real Celery worker race on the same due entries: every (entry, contact) is delivered exactly once.
Without REDIS_URL the tasks run in-process, one after the other, and once-only still holds."""

import datetime as dt
from collections import Counter

import pytest
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state
from django.conf import settings
from django.core import mail
from django.utils import timezone
from django_scopes import scope

from communications.models import Delivery, DeliveryStatus, EntryStatus
from communications.tasks import outbox_send_task
from config.celery import app as celery_app

from .builders import contact_of, entry_for, make_account, reload_entry

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ACCOUNTS, CONTACTS, ENTRIES_PER_ACCOUNT = 15, 8, 2  # 30 entries, 240 emails
TASKS = 6


@pytest.fixture
def two_workers():
    """One real worker whose pool runs two tasks at once, in two threads, each with its own database
    connection: the same race as two worker processes. (Two solo workers in one test process share Celery's
    stop flag, and stopping them together left one running now and then.) None without Redis."""
    if not settings.REDIS_URL:
        yield []
        return
    celery_app.control.purge()
    worker_state.should_terminate = None  # see tests/conftest.py: worker
    with start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30
    ) as worker:
        yield [worker]


def _result(result):
    return result.get(timeout=120) if settings.REDIS_URL else result.result


def test_two_workers_racing_deliver_every_message_exactly_once(two_workers, tenant_a):
    due = timezone.now() - dt.timedelta(minutes=1)
    entries, people = [], {}
    for n in range(ACCOUNTS):
        account = make_account(tenant_a, n)
        contacts = [contact_of(tenant_a, account, c, name=f"Contact {n}-{c}") for c in range(CONTACTS)]
        people.update({c.pk: c.email for c in contacts})
        # Two a week each: under the seed's cap of 2 emails a week.
        for k in range(ENTRIES_PER_ACCOUNT):
            entries.append(entry_for(tenant_a, account, at=due + dt.timedelta(seconds=k), contacts=contacts))
    assert {e.status for e in entries} == {EntryStatus.SCHEDULED}

    # All enqueued first, so both workers take tasks and claim from the same due entries at once.
    pending = [outbox_send_task.delay(tenant_id=tenant_a.pk) for _ in range(TASKS)]
    results = [_result(result) for result in pending]

    # Every entry was claimed and delivered by exactly one task.
    assert sum(r["entries"] for r in results) == len(entries)
    expected = len(entries) * CONTACTS
    with scope(tenant=tenant_a):
        made = list(
            Delivery.objects.filter(tenant=tenant_a).values_list("entry_id", "contact_id", "status", "message_id")
        )
    assert len(made) == expected
    assert len({(entry_id, contact_id) for entry_id, contact_id, _, _ in made}) == expected
    assert {status for *_, status, _ in made} == {DeliveryStatus.SENT}
    # Exactly one email per delivery: every Message-ID once, each contact twice (one per entry).
    assert len(mail.outbox) == expected
    assert Counter(m.extra_headers["Message-ID"] for m in mail.outbox) == Counter(m for *_, m in made)
    assert set(Counter(m.to[0] for m in mail.outbox).values()) == {ENTRIES_PER_ACCOUNT}
    assert {m.to[0] for m in mail.outbox} == set(people.values())
    assert {reload_entry(tenant_a, e).status for e in entries} == {EntryStatus.SENT}
