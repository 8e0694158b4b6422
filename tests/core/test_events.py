"""The event contract (core.events): an announcement is an outbox row of the sender's transaction, its
receivers run after the commit in the tenant's scope, one failing receiver neither breaks the sender nor the
others and is retried alone, the sweep delivers what lost its dispatch, and the pause drops announcements."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from core import events
from core.events import Event, announce, events_paused, receives
from health.signals import signals_changed
from tenancy.models import Membership, OutboxEvent

pytestmark = pytest.mark.django_db

heard: list[tuple[str, int, dict]] = []
broken = {"yes": True}

test_happened = Event("tests.something_happened", "thing_id")
test_flaky = Event("tests.flaky_happened", "thing_id")


@receives(test_happened)
def first(*, tenant, thing_id) -> None:
    # No scope of its own: the decorator's, so a scoped query works and sees only this tenant.
    members = sorted(Membership.objects.values_list("tenant_id", flat=True).distinct())
    heard.append(("first", tenant.pk, {"thing_id": thing_id, "members_of": members}))


@receives(test_flaky)
def steady(*, tenant, thing_id) -> None:
    heard.append(("steady", tenant.pk, {"thing_id": thing_id}))


@receives(test_flaky)
def flaky(*, tenant, thing_id) -> None:
    Membership.objects.filter(tenant=tenant).update(team="sales")  # undone with the failure
    if broken["yes"]:
        raise RuntimeError("the mail server is down")
    heard.append(("flaky", tenant.pk, {"thing_id": thing_id}))


@pytest.fixture(autouse=True)
def _clean():
    heard.clear()
    broken["yes"] = True
    yield
    heard.clear()


def _row(name: str) -> OutboxEvent:
    with scopes_disabled():
        return OutboxEvent.objects.get(name=name)


def test_the_receivers_run_after_the_commit_in_the_tenants_scope(tenant_a, tenant_b, alice, charlie, capture):
    with capture(execute=True) as callbacks, transaction.atomic():
        announce(test_happened, tenant=tenant_a, thing_id=7)
        assert heard == []  # not before the commit
        assert _row("tests.something_happened").payload == {"thing_id": 7}
    assert len(callbacks) == 1
    assert heard == [("first", tenant_a.pk, {"thing_id": 7, "members_of": [tenant_a.pk]})]
    row = _row("tests.something_happened")
    assert row.dispatched_at is not None and row.attempts == 1 and row.done == ["tests.core.test_events.first"]


def test_a_rolled_back_change_announces_nothing(tenant_a, capture):
    with capture(execute=True), pytest.raises(ZeroDivisionError), transaction.atomic():
        announce(test_happened, tenant=tenant_a, thing_id=7)
        1 / 0
    assert heard == []
    with scopes_disabled():
        assert not OutboxEvent.objects.exists()


def test_a_payload_other_than_the_declared_fields_is_refused(tenant_a):
    with pytest.raises(TypeError, match="thing_id"):
        announce(test_happened, tenant=tenant_a, thing=7)


def test_a_failing_receiver_spares_the_sender_and_the_others_and_alone_is_retried(tenant_a, alice, capture):
    with capture(execute=True), transaction.atomic():
        announce(test_flaky, tenant=tenant_a, thing_id=1)
        with scope(tenant=tenant_a):
            Membership.objects.filter(tenant=tenant_a).update(team="leadership")  # the sender's own change
    with scope(tenant=tenant_a):
        assert set(Membership.objects.values_list("team", flat=True)) == {"leadership"}  # committed, not undone
    assert heard == [("steady", tenant_a.pk, {"thing_id": 1})]
    row = _row("tests.flaky_happened")
    assert row.dispatched_at is None and row.attempts == 1 and row.done == ["tests.core.test_events.steady"]
    assert "RuntimeError: the mail server is down" in row.last_error and row.retry_at > timezone.now()

    # Not yet due: the sweep leaves it. Due and mended: only the failed receiver runs again.
    assert events.events_sweep(now=timezone.now()) == 0
    broken["yes"] = False
    assert events.events_sweep(now=row.retry_at + dt.timedelta(seconds=1)) == 1
    assert heard == [("steady", tenant_a.pk, {"thing_id": 1}), ("flaky", tenant_a.pk, {"thing_id": 1})]
    row = _row("tests.flaky_happened")
    assert row.dispatched_at is not None and row.attempts == 2 and row.last_error == ""
    with scope(tenant=tenant_a):
        assert set(Membership.objects.values_list("team", flat=True)) == {"sales"}


def test_after_its_last_attempt_an_event_stays_with_its_error(tenant_a, capture):
    with capture(execute=True), transaction.atomic():
        announce(test_flaky, tenant=tenant_a, thing_id=1)
    later = timezone.now()
    for _ in range(events.MAX_ATTEMPTS - 1):
        later = _row("tests.flaky_happened").retry_at + dt.timedelta(seconds=1)
        assert events.events_sweep(now=later) == 1
    row = _row("tests.flaky_happened")
    assert row.attempts == events.MAX_ATTEMPTS and row.dispatched_at is None and "mail server" in row.last_error
    assert events.events_sweep(now=later + dt.timedelta(days=1)) == 0  # given up: left for a person to see
    assert [who for who, _t, _p in heard] == ["steady"]


def test_an_event_whose_dispatch_was_lost_is_delivered_by_the_sweep_once(tenant_a, capture):
    # The worker is killed after the commit: the on-commit dispatch never runs.
    with capture(execute=False) as callbacks, transaction.atomic():
        announce(test_happened, tenant=tenant_a, thing_id=3)
    assert len(callbacks) == 1 and heard == []
    assert events.events_sweep(now=timezone.now()) == 0  # a moment after the commit: maybe still on its way
    a_minute_on = timezone.now() + events.SWEEP_AFTER + dt.timedelta(seconds=1)
    assert events.events_sweep(now=a_minute_on) == 1
    assert events.events_sweep(now=a_minute_on) == 0
    assert [who for who, _t, _p in heard] == ["first"]
    # The lost dispatch arriving after all (a message redelivered) finds nothing left to do.
    callbacks[0]()
    assert [who for who, _t, _p in heard] == ["first"]


def test_paused_announcements_are_dropped(tenant_a, capture):
    with events_paused(), capture(execute=True), transaction.atomic():
        assert announce(test_happened, tenant=tenant_a, thing_id=1) is None
    assert heard == []
    with scopes_disabled():
        assert not OutboxEvent.objects.exists()


def test_a_pause_of_one_app_keeps_the_news_from_its_receivers_only(tenant_a, alice, capture):
    # As the demo does for communications: the app's receivers are marked done as the row is written, so
    # neither this dispatch nor a later one (the sweep, a retry) runs them.
    with events_paused("communications"), capture(execute=False) as callbacks, transaction.atomic():
        announce(signals_changed, tenant=tenant_a, raised=[], resolved=[])
    row = _row(signals_changed.name)
    assert row.done == ["communications.receivers.health_signals_changed"]
    callbacks[0]()
    row = _row(signals_changed.name)
    assert row.dispatched_at is not None and row.done[0] == "communications.receivers.health_signals_changed"
    assert "renewals.receivers.forecasts_refresh" in row.done and "journeys.receivers.health_red" in row.done
    # Every receiver of an event paused: nothing is written at all.
    with events_paused("tests"), capture(execute=True), transaction.atomic():
        assert announce(test_flaky, tenant=tenant_a, thing_id=1) is None
    assert heard == []


def test_delivered_events_are_forgotten_after_a_week(tenant_a, capture):
    with capture(execute=True), transaction.atomic():
        announce(test_happened, tenant=tenant_a, thing_id=1)
    events.events_sweep(now=timezone.now() + dt.timedelta(days=6))
    assert _row("tests.something_happened")
    events.events_sweep(now=timezone.now() + events.KEEP_DELIVERED + dt.timedelta(minutes=1))
    with scopes_disabled():
        assert not OutboxEvent.objects.exists()


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_event_after_the_commit(worker, finished_dispatches, tenant_a, alice):
    with transaction.atomic():
        announce(test_happened, tenant=tenant_a, thing_id=11)
    assert finished_dispatches.get(timeout=60) == ("core.tasks.events_dispatch", "SUCCESS")
    assert heard == [("first", tenant_a.pk, {"thing_id": 11, "members_of": [tenant_a.pk]})]
    assert _row("tests.something_happened").dispatched_at is not None
