"""An enrolment completes when its cadence has run: once none of its entries is still to go (each was sent,
failed or cancelled), whether the outbox or a person settled the last one; an exit stays an exit; and two
workers settling the last two entries at once complete it once."""

import datetime as dt
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from accounts import services as accounts_services
from communications.models import CalendarEntry, Enrollment, EnrollmentStatus, EntryStatus
from communications.services import enrollment_end, entries, outbox

from .builders import contact_of, custom_cadence, enrol, entries_of, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def jane(tenant_a, account):
    return contact_of(tenant_a, account, 1, name="Jane Roe", roles=("champion",))


def send_due(tenant, now) -> int:
    with scope(tenant=tenant):
        return outbox.outbox_send_due(tenant=tenant, now=now)


def reloaded(tenant, enrollment) -> Enrollment:
    with scope(tenant=tenant):
        return Enrollment.objects.get(tenant=tenant, pk=enrollment.pk)


def cancel(tenant, entry, by, reason="Not needed"):
    with scope(tenant=tenant):
        return entries.entry_cancel(entry=entry, by=by, reason=reason)


def test_the_last_entry_sent_completes_the_enrolment(tenant_a, account, jane):
    # Today's step (hour 0: already past, so it goes out now) and tomorrow's.
    enrollment = enrol(tenant_a, custom_cadence(tenant_a, [(0, 0, {}), (1, 9, {})]), account, today(tenant_a))
    _first, second = entries_of(tenant_a, enrollment)

    assert send_due(tenant_a, timezone.now() + dt.timedelta(minutes=1)) == 1
    # The second entry is still scheduled: the cadence has more to do.
    assert reloaded(tenant_a, enrollment).status == EnrollmentStatus.ACTIVE

    before = timezone.now()
    assert send_due(tenant_a, second.scheduled_at + dt.timedelta(minutes=1)) == 1
    done = reloaded(tenant_a, enrollment)

    assert [e.status for e in entries_of(tenant_a, enrollment)] == [EntryStatus.SENT, EntryStatus.SENT]
    assert (done.status, done.exit_reason) == (EnrollmentStatus.COMPLETED, "Nothing left to send: 2 sent.")
    assert done.ended_at >= before


def test_a_remaining_unsent_entry_keeps_it_active_until_it_is_cancelled(tenant_a, account, jane, bob):
    enrollment = enrol(
        tenant_a, custom_cadence(tenant_a, [(1, 9, {}), (2, 9, {}), (3, 9, {})]), account, today(tenant_a)
    )
    first, second, third = entries_of(tenant_a, enrollment)
    cancel(tenant_a, first, bob)
    send_due(tenant_a, second.scheduled_at + dt.timedelta(minutes=1))

    assert reloaded(tenant_a, enrollment).status == EnrollmentStatus.ACTIVE

    cancel(tenant_a, third, bob)
    done = reloaded(tenant_a, enrollment)
    assert (done.status, done.exit_reason) == (EnrollmentStatus.COMPLETED, "Nothing left to send: 1 sent, 2 cancelled.")
    assert done.ended_at is not None


def test_an_exit_stays_exited_when_it_cancels_the_last_entries(tenant_a, account, jane, alice):
    enrollment = enrol(tenant_a, custom_cadence(tenant_a, [(0, 0, {}), (3, 9, {})]), account, today(tenant_a))
    send_due(tenant_a, timezone.now() + dt.timedelta(minutes=1))

    with scope(tenant=tenant_a):
        exited = enrollment_end.enrollment_exit(enrollment=enrollment, reason="Customer asked for a pause", by=alice)
    after = reloaded(tenant_a, enrollment)

    assert [e.status for e in entries_of(tenant_a, enrollment)] == [EntryStatus.SENT, EntryStatus.CANCELLED]
    assert exited.status == after.status == EnrollmentStatus.EXITED
    assert after.exit_reason == "Alice Admin ended the enrolment in Check-ins: Customer asked for a pause"


def test_a_failed_final_entry_completes_it(tenant_a, account, jane):
    enrollment = enrol(tenant_a, custom_cadence(tenant_a, [(0, 0, {}), (1, 9, {})]), account, today(tenant_a))
    _first, second = entries_of(tenant_a, enrollment)
    send_due(tenant_a, timezone.now() + dt.timedelta(minutes=1))
    with scope(tenant=tenant_a):
        accounts_services.contact_update(contact=jane, is_active=False)

    send_due(tenant_a, second.scheduled_at + dt.timedelta(minutes=1))
    done = reloaded(tenant_a, enrollment)

    # Failed is final: nothing retries it by itself, so the cadence has nothing left to do. What failed
    # stays on the calendar with its reason for someone to reschedule by hand.
    assert [e.status for e in entries_of(tenant_a, enrollment)] == [EntryStatus.SENT, EntryStatus.FAILED]
    assert (done.status, done.exit_reason) == (EnrollmentStatus.COMPLETED, "Nothing left to send: 1 sent, 1 failed.")


def test_a_failed_entry_scheduled_again_by_hand_reopens_its_enrolment(tenant_a, account, jane, bob):
    enrollment = enrol(tenant_a, custom_cadence(tenant_a, [(0, 0, {})]), account, today(tenant_a))
    [entry] = entries_of(tenant_a, enrollment)
    with scope(tenant=tenant_a):
        accounts_services.contact_update(contact=jane, is_active=False)
    send_due(tenant_a, timezone.now() + dt.timedelta(minutes=1))
    assert reloaded(tenant_a, enrollment).status == EnrollmentStatus.COMPLETED

    with scope(tenant=tenant_a):
        accounts_services.contact_update(contact=jane, is_active=True)
        entries.entry_schedule(entry=CalendarEntry.objects.get(tenant=tenant_a, pk=entry.pk), by=bob)
    reopened = reloaded(tenant_a, enrollment)
    assert (reopened.status, reopened.ended_at, reopened.exit_reason) == (EnrollmentStatus.ACTIVE, None, "")

    # Sent this time: the cadence is done again, with what it came to.
    send_due(tenant_a, timezone.now() + dt.timedelta(minutes=1))
    done = reloaded(tenant_a, enrollment)
    assert (done.status, done.exit_reason) == (EnrollmentStatus.COMPLETED, "Nothing left to send: 1 sent.")


def test_an_entry_retried_after_a_failed_attempt_keeps_it_active(tenant_a, account, jane, settings):
    settings.EMAIL_BACKEND = "tests.communications.builders.FailingBackend"
    enrollment = enrol(tenant_a, custom_cadence(tenant_a, [(0, 0, {})]), account, today(tenant_a))

    send_due(tenant_a, timezone.now() + dt.timedelta(minutes=1))

    # Back to scheduled for the next attempt: not settled yet.
    assert [e.status for e in entries_of(tenant_a, enrollment)] == [EntryStatus.SCHEDULED]
    assert reloaded(tenant_a, enrollment).status == EnrollmentStatus.ACTIVE


def test_a_cadence_without_steps_completes_at_once_and_says_why(tenant_a, account, jane):
    enrollment = enrol(tenant_a, custom_cadence(tenant_a, []), account, today(tenant_a))

    assert enrollment.status == EnrollmentStatus.COMPLETED and enrollment.ended_at is not None
    assert enrollment.exit_reason == "Check-ins has no steps: there was nothing to send."


def test_an_account_without_contacts_stays_active_with_its_drafts(tenant_a, account):
    enrollment = enrol(tenant_a, custom_cadence(tenant_a, [(1, 9, {})]), account, today(tenant_a))

    # Nobody to reach: the step waits as a draft with the reason; the enrolment completes when it is settled.
    (draft,) = entries_of(tenant_a, enrollment)
    assert draft.status == EntryStatus.DRAFT and draft.status_reason.startswith("Not scheduled: Nobody to reach")
    assert reloaded(tenant_a, enrollment).status == EnrollmentStatus.ACTIVE


def test_completing_twice_changes_nothing(tenant_a, account, jane, bob):
    enrollment = enrol(tenant_a, custom_cadence(tenant_a, [(1, 9, {})]), account, today(tenant_a))
    (entry,) = entries_of(tenant_a, enrollment)
    cancel(tenant_a, entry, bob)
    done = reloaded(tenant_a, enrollment)

    with scope(tenant=tenant_a):
        again = enrollment_end.enrollment_complete_if_done(enrollment=done)

    assert again is False and reloaded(tenant_a, enrollment).ended_at == done.ended_at


def test_the_enrolment_pages_and_api_show_completed_with_its_date(tenant_a, account, jane, alice, bob, login, api_as):
    enrollment = enrol(tenant_a, custom_cadence(tenant_a, [(1, 9, {})]), account, today(tenant_a))
    (entry,) = entries_of(tenant_a, enrollment)
    cancel(tenant_a, entry, bob)
    ended = reloaded(tenant_a, enrollment).ended_at.astimezone(tenant_a.zone)
    web = login(alice)

    listed = web.get(reverse("communications:enrollments"), {"status": "completed"})
    row = listed.content.decode()
    exit_page = web.get(reverse("communications:enrollment_exit", args=[enrollment.pk])).content.decode()

    assert [e.pk for e in listed.context["page"].object_list] == [enrollment.pk]
    assert f'Completed <span class="text-nowrap">on {ended.day} {ended:%b %Y}</span>' in row
    assert "Nothing left to send: 1 cancelled." in row
    assert f"This enrolment completed on {ended.day} {ended:%b %Y}. Nothing left to send: 1 cancelled." in exit_page
    assert "Exit the cadence" not in exit_page
    api = api_as(bob, tenant_a).get(f"/api/v1/enrollments/{enrollment.pk}/").json()
    assert (api["status"], api["exit_reason"], api["planned"], api["cancelled"]) == (
        "completed",
        "Nothing left to send: 1 cancelled.",
        0,
        1,
    )
    assert api["ended_at"] is not None


# Two workers at once


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), reason="row locks")
def test_a_cancel_racing_the_outbox_on_the_last_two_entries_completes_it(tenant_a, account, jane, bob):
    """A person cancels one of the last two entries in a transaction still open when the outbox has sent
    the other: the outbox waits for that commit, then sees both settled. (Unlocked, each would read the
    other's entry as still to go, and the enrolment would stay active for ever.)"""
    enrollment = enrol(tenant_a, custom_cadence(tenant_a, [(0, 0, {}), (3, 9, {})]), account, today(tenant_a))
    due, later = entries_of(tenant_a, enrollment)
    cancelled = threading.Event()
    errors, raced = [], []

    def person():
        try:
            with scope(tenant=tenant_a), transaction.atomic():
                entries.entry_cancel(entry=later, by=bob, reason="Not needed")
                cancelled.set()
                deadline = time.monotonic() + 20
                sent = CalendarEntry.objects.filter(tenant=tenant_a, pk=due.pk, status=EntryStatus.SENT)
                while not sent.exists() and time.monotonic() < deadline:
                    time.sleep(0.05)
                # The outbox has marked it sent and now waits for this transaction's lock on the enrolment:
                # commit only once PostgreSQL shows it waiting, so the race is the one under test.
                while not (waiting := _waiting_on_a_lock()) and time.monotonic() < deadline:
                    time.sleep(0.05)
                raced.append(waiting)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            cancelled.set()
            connection.close()

    def worker():
        try:
            cancelled.wait(20)
            send_due(tenant_a, timezone.now() + dt.timedelta(minutes=1))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=person), threading.Thread(target=worker)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert raced == [True]  # the outbox did wait for the person's lock
    assert [e.status for e in entries_of(tenant_a, enrollment)] == [EntryStatus.SENT, EntryStatus.CANCELLED]
    assert due.pk != later.pk
    assert reloaded(tenant_a, enrollment).status == EnrollmentStatus.COMPLETED
