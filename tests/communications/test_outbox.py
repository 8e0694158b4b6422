"""The outbox: due entries are claimed, checked again at send time and delivered once per contact;
a failing email backend retries with backoff and then fails; a dead worker's claim is taken over."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone
from django_scopes import scope

from accounts import services as accounts_services
from activities.models import TaskKind, TaskSource, TaskStatus
from communications import selectors, services
from communications.models import (
    CalendarEntry,
    DeliveryStatus,
    EntryStatus,
    PreferenceChange,
    PreferenceChoice,
)
from communications.selectors.owner_tasks import owner_task_of_entry, owner_tasks
from communications.services import claims, outbox
from communications.services.owner_tasks import owner_task_complete
from communications.tasks import outbox_sweep
from core.text import day
from tenancy.leases import task_lease
from tenancy.models import Membership, Role, Team

from ..health.builders import record as signal
from .builders import (
    FlakyBackend,
    WorkerKilled,
    at_local,
    contact_of,
    deliveries,
    entry_for,
    monday,
    reload_entry,
    send_due,
    sent_to,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def john(tenant_a, account):
    return contact_of(tenant_a, account, 2, name="John Doe")


def test_a_due_email_is_sent_once_to_each_recipient(tenant_a, account, jane, john, bob):
    entry = entry_for(
        tenant_a, account, at=monday(tenant_a), contacts=[jane, john], subject="Hi {{ contact.first_name }}", by=bob
    )
    early = send_due(tenant_a, monday(tenant_a, 9, 59))
    assert early == 0 and mail.outbox == []

    assert send_due(tenant_a, monday(tenant_a, 10, 1)) == 1
    assert send_due(tenant_a, monday(tenant_a, 10, 2)) == 0
    with scope(tenant=tenant_a):
        again = outbox.entry_deliver(tenant=tenant_a, entry_id=entry.pk, now=monday(tenant_a, 10, 3))

    assert again.status == "" and again.reason == "Not claimed for sending."
    assert sorted(sent_to()) == [jane.email, john.email]
    assert sorted(m.subject for m in mail.outbox) == ["Hi Jane", "Hi John"]
    entry = reload_entry(tenant_a, entry)
    assert (entry.status, entry.sent_at, entry.status_reason, entry.claimed_at) == (
        EntryStatus.SENT,
        monday(tenant_a, 10, 1),
        "",
        None,
    )
    made = deliveries(tenant_a, entry)
    assert [(d.key, d.status, d.error) for d in made] == [
        (f"{entry.pk}:{jane.pk}", DeliveryStatus.SENT, ""),
        (f"{entry.pk}:{john.pk}", DeliveryStatus.SENT, ""),
    ]
    by_address = {m.to[0]: m for m in mail.outbox}
    for delivery in made:
        message = by_address[delivery.to_address]
        assert message.extra_headers["Message-ID"] == delivery.message_id
        assert message.reply_to == [bob.email]
        assert delivery.subject == message.subject


def test_non_transactional_email_carries_one_click_unsubscribe_and_the_preference_centre(
    tenant_a, account, jane, client
):
    entry = entry_for(
        tenant_a, account, at=monday(tenant_a), contacts=[jane], body="Read https://docs.example.com/start today."
    )
    send_due(tenant_a, monday(tenant_a, 10, 1))

    (message,) = mail.outbox
    site = django_settings.SITE_URL.rstrip("/")
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{site}/") and "/u/" in unsubscribe
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"{site}/" in message.body and "/p/" in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    (delivery,) = deliveries(tenant_a, entry)
    assert "Choose which emails you get from us" in html and "/p/" in html
    # Open pixel and click tracking come from the tracking service; our own links stay untracked.
    assert f"/t/o/{delivery.tenant_id}.{delivery.token}.gif" in html
    assert f"/t/c/{delivery.tenant_id}.{delivery.token}/" in html
    assert 'href="https://docs.example.com/start"' not in html

    # The header's link works as a mail client uses it (RFC 8058: a POST with the one-click body).
    response = client.post(urlsplit(unsubscribe.strip("<>").split(">")[0]).path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code < 400
    with scope(tenant=tenant_a):
        assert selectors.contact_preferences(contact=jane)["educational"] == PreferenceChoice.NONE


def test_transactional_email_has_no_unsubscribe_headers_and_no_preference_footer(tenant_a, account, jane):
    entry_for(tenant_a, account, at=monday(tenant_a), contacts=[jane], message_type="transactional", body="Receipt")
    send_due(tenant_a, monday(tenant_a, 10, 1))

    (message,) = mail.outbox
    assert "List-Unsubscribe" not in message.extra_headers
    assert "List-Unsubscribe-Post" not in message.extra_headers
    assert "/p/" not in message.body and "/p/" not in message.alternatives[0][0]


def test_preferences_and_missing_addresses_suppress_with_the_reason(tenant_a, account, jane, john):
    no_mail = contact_of(tenant_a, account, 3, name="Max Mustermann", email="")
    ann = contact_of(tenant_a, account, 4, name="Ann Lee")
    with scope(tenant=tenant_a):
        services.preferences.preference_set(
            contact=jane, message_type="educational", choice="none", source=PreferenceChange.Source.STAFF
        )
        services.preferences.preference_set(
            contact=john, message_type="educational", choice="weekly", source=PreferenceChange.Source.STAFF
        )
    entry = entry_for(tenant_a, account, at=monday(tenant_a), contacts=[jane, john, no_mail, ann])

    send_due(tenant_a, monday(tenant_a, 10, 1))

    assert sent_to() == [ann.email]
    found = {d.contact.name: (d.status, d.error) for d in deliveries(tenant_a, entry)}
    assert found == {
        "Ann Lee": (DeliveryStatus.SENT, ""),
        "Jane Roe": (DeliveryStatus.SUPPRESSED, "Jane Roe chose no educational messages."),
        "John Doe": (DeliveryStatus.SUPPRESSED, "collected for the weekly digest"),
        "Max Mustermann": (DeliveryStatus.SUPPRESSED, "no email address"),
    }
    entry = reload_entry(tenant_a, entry)
    assert entry.status == EntryStatus.SENT
    assert entry.status_reason == "Sent to 1 of 4; 3 held back by their preferences or without an email address."


def test_a_cap_filled_meanwhile_defers_at_send_time_with_the_reason(tenant_a, account, jane, john):
    first = entry_for(tenant_a, account, at=monday(tenant_a), contacts=[jane])
    entry_for(tenant_a, account, at=monday(tenant_a) + dt.timedelta(days=1), contacts=[jane])
    # Scheduled for decision makers: John then. Jane becomes one afterwards, so it reaches her too.
    with scope(tenant=tenant_a):
        accounts_services.contact_update(contact=john, roles=["decision_maker"])
    third = entry_for(tenant_a, account, at=monday(tenant_a) + dt.timedelta(days=2), audience_role="decision_maker")
    assert third.status == EntryStatus.SCHEDULED
    with scope(tenant=tenant_a):
        accounts_services.contact_update(contact=jane, roles=["champion", "decision_maker"])

    send_due(tenant_a, monday(tenant_a, 10, 1))

    first = reload_entry(tenant_a, first)
    assert mail.outbox == [] and deliveries(tenant_a, first) == []
    assert first.status == EntryStatus.DEFERRED
    assert first.scheduled_at == at_local(tenant_a, 2030, 12, 9, 9)
    assert first.planned_at == monday(tenant_a)
    assert first.status_reason == "Deferred to 9 Dec 2030, 09:00: Jane Roe already has 2 emails this week (cap 2)."


def test_an_owner_who_lost_the_right_to_send_fails_the_entry(tenant_a, account, jane, bob):
    entry = entry_for(tenant_a, account, at=monday(tenant_a), contacts=[jane], message_type="relationship", by=bob)
    with scope(tenant=tenant_a):
        services.send_permission_set(
            tenant=tenant_a,
            team=Team.CUSTOMER_SUCCESS,
            role=Role.CSM,
            message_type="relationship",
            channel="email",
            allowed=False,
        )

    send_due(tenant_a, monday(tenant_a, 10, 1))

    entry = reload_entry(tenant_a, entry)
    assert mail.outbox == [] and deliveries(tenant_a, entry) == []
    assert entry.status == EntryStatus.FAILED
    assert entry.status_reason == (
        "Not sent: Bob Csm may no longer send it. Customer success CSMs may not send relationship messages by email."
    )


def test_an_owner_who_left_the_tenant_fails_the_entry(tenant_a, account, jane, bob):
    entry = entry_for(tenant_a, account, at=monday(tenant_a), contacts=[jane], by=bob)
    with scope(tenant=tenant_a):
        Membership.objects.filter(tenant=tenant_a, user=bob).update(is_active=False)

    send_due(tenant_a, monday(tenant_a, 10, 1))

    entry = reload_entry(tenant_a, entry)
    assert (entry.status, entry.status_reason) == (
        EntryStatus.FAILED,
        "Not sent: Bob Csm is no longer a member of Tenant Alpha.",
    )
    assert mail.outbox == []


def test_a_blackout_at_send_time_defers_a_day_to_the_send_hour(tenant_a, account, jane):
    at = timezone.now() + dt.timedelta(days=3)
    entry = entry_for(tenant_a, account, at=at, contacts=[jane], message_type="promotional", team=Team.MARKETING)
    assert entry.status == EntryStatus.SCHEDULED
    signal(tenant_a, "ticket", account=account, subject="SSO down", priority="p1", opened_at=timezone.now())

    send_due(tenant_a, at + dt.timedelta(minutes=1))

    entry = reload_entry(tenant_a, entry)
    next_day = (at + dt.timedelta(minutes=1)).astimezone(tenant_a.zone).date() + dt.timedelta(days=1)
    assert mail.outbox == []
    assert entry.status == EntryStatus.DEFERRED
    assert entry.scheduled_at == dt.datetime.combine(next_day, dt.time(9), tzinfo=tenant_a.zone)
    assert entry.planned_at == at
    assert entry.status_reason.endswith(": No promotion during an open P1 ticket: Account 001 has SSO down.")
    assert entry.status_reason.startswith(f"Deferred to {day(next_day)}, 09:00")


def test_in_app_messages_are_stored_for_the_product_to_fetch(tenant_a, account, jane):
    entry = entry_for(
        tenant_a, account, at=monday(tenant_a), contacts=[jane], channel="in_app", subject="Hi {{ contact.first_name }}"
    )

    send_due(tenant_a, monday(tenant_a, 10, 1))

    (delivery,) = deliveries(tenant_a, entry)
    assert (delivery.status, delivery.channel, delivery.subject, delivery.to_address) == (
        DeliveryStatus.AVAILABLE,
        "in_app",
        "Hi Jane",
        "",
    )
    assert mail.outbox == []
    assert reload_entry(tenant_a, entry).status == EntryStatus.SENT


def test_a_call_becomes_a_task_for_its_owner_and_is_logged_done(tenant_a, account, jane, john, bob):
    entry = entry_for(tenant_a, account, at=monday(tenant_a), contacts=[jane, john], channel="call", by=bob)

    send_due(tenant_a, monday(tenant_a, 10, 1))
    send_due(tenant_a, monday(tenant_a, 10, 2))

    with scope(tenant=tenant_a):
        (task,) = owner_tasks(tenant=tenant_a, owner=bob, status=TaskStatus.OPEN)
        assert (task.source, task.source_id, task.due_at) == (TaskSource.CADENCE_STEP, entry.pk, monday(tenant_a))
        assert (task.due_on, task.account_id, task.kind) == (monday(tenant_a).date(), account.pk, TaskKind.CALL)
        assert task.title == "Call: Educational touchpoint"
        assert task.details == "Call Jane Roe, John Doe: Educational touchpoint"
        owner_task_complete(task=task, by=bob, note="Talked about the rollout")
        task.refresh_from_db()
        assert (task.status, task.outcome_note, task.closed_by) == (TaskStatus.DONE, "Talked about the rollout", bob)
        assert list(owner_tasks(tenant=tenant_a, owner=bob, status=TaskStatus.OPEN)) == []
    entry = reload_entry(tenant_a, entry)
    assert entry.status == EntryStatus.SENT
    assert entry.status_reason == "Handed to Bob Csm as a task due 2 Dec 2030, 10:00."
    assert mail.outbox == [] and deliveries(tenant_a, entry) == []


def test_an_sms_is_a_task_with_its_text(tenant_a, account, jane):
    entry = entry_for(
        tenant_a,
        account,
        at=monday(tenant_a),
        contacts=[jane],
        channel="sms",
        message_type="operational",
        team=Team.SUPPORT,
        body="Hi {{ contact.first_name }}, maintenance tonight.",
    )

    send_due(tenant_a, monday(tenant_a, 10, 1))

    with scope(tenant=tenant_a):
        task = owner_task_of_entry(tenant=tenant_a, entry=entry)
    assert (
        task.details
        == "Send this text message to Jane Roe (postsale has no SMS provider): Hi Jane, maintenance tonight."
    )


def test_a_failing_backend_retries_with_backoff_then_fails_with_the_reason(tenant_a, account, jane, settings):
    settings.EMAIL_BACKEND = "tests.communications.builders.FailingBackend"
    entry = entry_for(tenant_a, account, at=monday(tenant_a), contacts=[jane])
    now = monday(tenant_a, 10, 1)

    waits = []
    for attempt in range(1, 5):
        send_due(tenant_a, now)
        entry = reload_entry(tenant_a, entry)
        assert (entry.status, entry.attempts) == (EntryStatus.SCHEDULED, attempt)
        assert entry.status_reason.startswith(
            f"Sending failed (attempt {attempt} of 5): SMTPServerDisconnected: Connection unexpectedly closed"
        )
        assert deliveries(tenant_a, entry) == []  # refused: nothing left, so the retry may send it
        assert send_due(tenant_a, entry.scheduled_at - dt.timedelta(seconds=1)) == 0
        waits.append(entry.scheduled_at - now)
        now = entry.scheduled_at

    send_due(tenant_a, now)

    assert waits == [dt.timedelta(minutes=m) for m in (1, 5, 30, 120)]
    entry = reload_entry(tenant_a, entry)
    assert (entry.status, entry.attempts, entry.planned_at) == (EntryStatus.FAILED, 5, monday(tenant_a))
    assert entry.status_reason.startswith("Gave up after 5 attempts: SMTPServerDisconnected")
    assert mail.outbox == []
    assert send_due(tenant_a, now + dt.timedelta(days=1)) == 0


def test_a_retry_never_sends_again_to_whoever_was_reached(tenant_a, account, settings):
    settings.EMAIL_BACKEND = "tests.communications.builders.FlakyBackend"
    people = [contact_of(tenant_a, account, n) for n in range(1, 6)]
    FlakyBackend.refuse_once = {people[2].email}
    entry = entry_for(tenant_a, account, at=monday(tenant_a), contacts=people)

    send_due(tenant_a, monday(tenant_a, 10, 1))

    assert sent_to() == [people[0].email, people[1].email]
    entry = reload_entry(tenant_a, entry)
    assert (entry.status, entry.attempts) == (EntryStatus.SCHEDULED, 1)
    assert "421 try again later" in entry.status_reason

    send_due(tenant_a, entry.scheduled_at)

    assert sorted(sent_to()) == sorted(p.email for p in people)
    entry = reload_entry(tenant_a, entry)
    assert (entry.status, entry.attempts, entry.status_reason) == (EntryStatus.SENT, 1, "")
    assert [d.status for d in deliveries(tenant_a, entry)] == [DeliveryStatus.SENT] * 5


def test_a_dead_workers_claim_is_taken_over_after_the_stale_limit(tenant_a, account, jane, john):
    entry = entry_for(tenant_a, account, at=monday(tenant_a), contacts=[jane, john])
    start = monday(tenant_a, 10, 1)
    with scope(tenant=tenant_a):
        assert claims.outbox_claim(tenant=tenant_a, now=start) == [entry.pk]
        assert claims.outbox_claim(tenant=tenant_a, now=start) == []
    # Its worker dies here, before delivering.

    # Its lease is the task's hard time limit and a minute (7 minutes), not the 10 it was.
    assert task_lease() == dt.timedelta(seconds=django_settings.CELERY_TASK_TIME_LIMIT + 60)
    assert send_due(tenant_a, start + task_lease() - dt.timedelta(seconds=1)) == 0
    assert send_due(tenant_a, start + task_lease() + dt.timedelta(seconds=1)) == 1

    assert sorted(sent_to()) == [jane.email, john.email]
    entry = reload_entry(tenant_a, entry)
    assert (entry.status, entry.attempts) == (EntryStatus.SENT, 1)


def test_a_message_whose_worker_died_while_sending_is_not_sent_again(tenant_a, account, jane, john, settings):
    entry = entry_for(tenant_a, account, at=monday(tenant_a), contacts=[jane, john])
    start = monday(tenant_a, 10, 1)
    settings.EMAIL_BACKEND = "tests.communications.builders.DyingBackend"
    with pytest.raises(WorkerKilled):
        send_due(tenant_a, start)
    assert sent_to() == [jane.email]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_due(tenant_a, start + task_lease() + dt.timedelta(seconds=1))

    assert sent_to() == [jane.email, john.email]
    entry = reload_entry(tenant_a, entry)
    # Partly sent: the flag and the count, not only words in the reason.
    assert (entry.status, entry.is_partly_sent, entry.unreached_count) == (EntryStatus.SENT, True, 1)
    assert entry.status_reason == (
        "Sent to 1 of 2; 1 not reached: a worker stopped while sending to them, and whether it left is unknown "
        "(send it again to them from this entry)."
    )
    found = {d.contact_id: (d.status, d.error) for d in deliveries(tenant_a, entry)}
    assert found == {jane.pk: (DeliveryStatus.SENDING, ""), john.pk: (DeliveryStatus.SENT, "")}


def test_imported_sends_are_counted_not_sent(tenant_a, account, jane):
    with scope(tenant=tenant_a):
        imported = services.entry_create(
            tenant=tenant_a,
            account=account,
            by=None,
            subject="Newsletter",
            message_type="educational",
            scheduled_at=monday(tenant_a),
            contacts=[jane],
            team=Team.MARKETING,
            source="campaign_import",
            external_ref="hubspot-1",
        )

    assert send_due(tenant_a, monday(tenant_a, 10, 1)) == 0

    imported = reload_entry(tenant_a, imported)
    assert mail.outbox == [] and deliveries(tenant_a, imported) == []
    assert (imported.status, imported.sent_at) == (EntryStatus.SENT, monday(tenant_a))


def test_another_tenants_entries_are_not_touched(tenant_a, tenant_b, account, jane):
    entry_for(tenant_a, account, at=monday(tenant_a), contacts=[jane])

    assert send_due(tenant_b, monday(tenant_a, 10, 1)) == 0
    with scope(tenant=tenant_a):
        assert CalendarEntry.objects.get(tenant=tenant_a).status == EntryStatus.SCHEDULED


def test_the_sweep_sends_for_tenants_with_something_due(tenant_a, tenant_b, account, jane):
    entry = entry_for(tenant_a, account, at=timezone.now() - dt.timedelta(minutes=1), contacts=[jane])
    later = entry_for(tenant_a, account, at=timezone.now() + dt.timedelta(hours=1), contacts=[jane])

    assert outbox_sweep() == 1  # tenant B has nothing due: no task for it

    assert sent_to() == [jane.email]
    assert reload_entry(tenant_a, entry).status == EntryStatus.SENT
    assert reload_entry(tenant_a, later).status == EntryStatus.SCHEDULED
    assert outbox_sweep() == 0
