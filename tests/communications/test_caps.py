"""Frequency caps: counted per contact and channel in the tenant's ISO week and calendar month; a message
over a cap is deferred to the next open window, never dropped; transactional messages are exempt."""

import datetime as dt

import pytest
from django_scopes import scope

from communications import services
from communications.models import EntryStatus

from .builders import at_local, contact_of, entry_for, reload_entry

pytestmark = pytest.mark.django_db


def two_emails(tenant, account, contact, first, second):
    for at in (first, second):
        assert entry_for(tenant, account, at=at, contacts=[contact]).status == EntryStatus.SCHEDULED


def test_third_email_of_the_week_is_deferred_to_next_monday_at_the_send_hour(tenant_a, account, jane):
    two_emails(tenant_a, account, jane, at_local(tenant_a, 2030, 12, 2), at_local(tenant_a, 2030, 12, 3))
    planned = at_local(tenant_a, 2030, 12, 4, 14)

    entry = entry_for(tenant_a, account, at=planned, contacts=[jane])

    assert entry.status == EntryStatus.DEFERRED
    assert entry.scheduled_at == at_local(tenant_a, 2030, 12, 9, 9)
    assert entry.planned_at == planned
    assert entry.status_reason == "Deferred to 9 Dec 2030, 09:00: Jane Roe already has 2 emails this week (cap 2)."
    # Stored as it was decided, not only in memory.
    assert reload_entry(tenant_a, entry).scheduled_at == at_local(tenant_a, 2030, 12, 9, 9)


def test_the_week_ends_at_midnight_in_the_tenants_zone_not_in_utc(tenant_a, account, jane):
    two_emails(tenant_a, account, jane, at_local(tenant_a, 2030, 12, 2), at_local(tenant_a, 2030, 12, 3))

    # Sunday 23:30 in Berlin is still this week; Monday 00:30 in Berlin is Sunday 23:30 UTC but next week.
    late_sunday = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 8, 23, 30), contacts=[jane])
    early_monday = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 9, 0, 30), contacts=[jane])

    assert early_monday.scheduled_at.astimezone(dt.UTC).day == 8
    assert late_sunday.status == EntryStatus.DEFERRED
    assert early_monday.status == EntryStatus.SCHEDULED


def test_a_deferral_skips_a_week_that_is_full_too(tenant_a, account, jane):
    two_emails(tenant_a, account, jane, at_local(tenant_a, 2030, 12, 2), at_local(tenant_a, 2030, 12, 3))
    two_emails(tenant_a, account, jane, at_local(tenant_a, 2030, 12, 10), at_local(tenant_a, 2030, 12, 11))

    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 5), contacts=[jane])

    assert entry.status == EntryStatus.DEFERRED
    assert entry.scheduled_at == at_local(tenant_a, 2030, 12, 16, 9)


def test_month_cap_defers_to_the_first_of_next_month_in_the_tenants_zone(tenant_a, account, jane):
    with scope(tenant=tenant_a):
        services.frequency_cap_save(tenant=tenant_a, channel="email", per_week=None, per_month=3)
    for day in (2, 10, 17):
        assert entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, day), contacts=[jane]).status == "scheduled"

    new_years_eve = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 31, 23, 30), contacts=[jane])
    # 00:30 on 1 January in Berlin is still 31 December in UTC, and a new month for the tenant.
    new_year = entry_for(tenant_a, account, at=at_local(tenant_a, 2031, 1, 1, 0, 30), contacts=[jane])

    assert new_years_eve.status == EntryStatus.DEFERRED
    assert new_years_eve.scheduled_at == at_local(tenant_a, 2031, 1, 1, 9)
    assert "Jane Roe already has 3 emails this month (cap 3)" in new_years_eve.status_reason
    assert new_year.status == EntryStatus.SCHEDULED


def test_the_default_month_cap_is_eight(tenant_a, account, jane):
    # Two a week for the first four weeks of November 2030 fill the month.
    for day in (1, 2, 4, 5, 11, 12, 18, 19):
        assert entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 11, day), contacts=[jane]).status == "scheduled"

    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 11, 26), contacts=[jane])

    assert entry.status == EntryStatus.DEFERRED
    # The week of 25 November is empty, but the month is full: Sunday 1 December is the first open day.
    assert entry.scheduled_at == at_local(tenant_a, 2030, 12, 1, 9)
    assert "8 emails this month (cap 8)" in entry.status_reason


def test_transactional_messages_are_exempt_and_do_not_count(tenant_a, account, jane):
    for day in (2, 3, 4):
        receipt = entry_for(
            tenant_a, account, at=at_local(tenant_a, 2030, 12, day), contacts=[jane], message_type="transactional"
        )
        assert receipt.status == EntryStatus.SCHEDULED
    two_emails(tenant_a, account, jane, at_local(tenant_a, 2030, 12, 5), at_local(tenant_a, 2030, 12, 6))

    receipt = entry_for(
        tenant_a, account, at=at_local(tenant_a, 2030, 12, 6, 12), contacts=[jane], message_type="transactional"
    )

    assert receipt.status == EntryStatus.SCHEDULED
    assert entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 7), contacts=[jane]).status == "deferred"


def test_a_channel_without_a_cap_row_has_no_cap(tenant_a, account, jane):
    for day in range(2, 8):
        entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, day), contacts=[jane], channel="in_app")
        assert entry.status == EntryStatus.SCHEDULED


def test_drafts_and_cancelled_entries_do_not_count(tenant_a, account, jane, bob):
    entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane], schedule=False)
    cancelled = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 3), contacts=[jane])
    with scope(tenant=tenant_a):
        services.entry_cancel(entry=cancelled, by=bob, reason="Moved to the QBR")
    two_emails(tenant_a, account, jane, at_local(tenant_a, 2030, 12, 4), at_local(tenant_a, 2030, 12, 5))


def test_entries_for_a_role_count_for_the_contacts_who_hold_it(tenant_a, account, jane):
    other = contact_of(tenant_a, account, 2, name="John Doe", roles=["end_user"])
    for day in (2, 3):
        to_champions = entry_for(
            tenant_a, account, at=at_local(tenant_a, 2030, 12, day), audience_role="champion", subject="Tips"
        )
        assert to_champions.recipient_count == 1

    assert entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 4), contacts=[jane]).status == "deferred"
    assert entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 4), contacts=[other]).status == "scheduled"


def test_the_reason_names_every_person_at_a_cap(tenant_a, account, jane):
    john = contact_of(tenant_a, account, 2, name="John Doe")
    sam = contact_of(tenant_a, account, 3, name="Sam Poe")
    two_emails(tenant_a, account, jane, at_local(tenant_a, 2030, 12, 2), at_local(tenant_a, 2030, 12, 3))
    two_emails(tenant_a, account, john, at_local(tenant_a, 2030, 12, 2, 11), at_local(tenant_a, 2030, 12, 3, 11))

    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 4), contacts=[jane, john, sam])

    assert entry.status == EntryStatus.DEFERRED
    assert "Jane Roe already has 2 emails this week (cap 2)" in entry.status_reason
    assert "John Doe already has 2 emails this week (cap 2)" in entry.status_reason
    assert "Sam Poe" not in entry.status_reason


def test_cap_check_reports_who_is_over_and_when_it_opens(tenant_a, account, jane):
    john = contact_of(tenant_a, account, 2, name="John Doe")
    two_emails(tenant_a, account, jane, at_local(tenant_a, 2030, 12, 2), at_local(tenant_a, 2030, 12, 3))
    with scope(tenant=tenant_a):
        check = services.cap_check(
            tenant=tenant_a, contacts=[jane, john], channel="email", at=at_local(tenant_a, 2030, 12, 4)
        )
        free = services.cap_check(tenant=tenant_a, contacts=[john], channel="email", at=at_local(tenant_a, 2030, 12, 4))

    assert [(c.name, period, count, limit) for c, period, count, limit in check.over] == [("Jane Roe", "week", 2, 2)]
    assert check.next_open_at == at_local(tenant_a, 2030, 12, 9, 9)
    assert free.over == [] and free.next_open_at == at_local(tenant_a, 2030, 12, 4)


def test_the_send_hour_comes_from_the_settings(tenant_a, account, jane):
    with scope(tenant=tenant_a):
        services.communication_settings_update(tenant=tenant_a, send_hour=7)
    two_emails(tenant_a, account, jane, at_local(tenant_a, 2030, 12, 2), at_local(tenant_a, 2030, 12, 3))

    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 4), contacts=[jane])

    assert entry.scheduled_at == at_local(tenant_a, 2030, 12, 9, 7)


def test_moving_an_entry_does_not_count_itself(tenant_a, account, jane, bob):
    entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane])
    moving = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 3), contacts=[jane])

    with scope(tenant=tenant_a):
        moved = services.entry_update(entry=moving, by=None, scheduled_at=at_local(tenant_a, 2030, 12, 5))

    assert moved.status == EntryStatus.SCHEDULED
    assert moved.scheduled_at == at_local(tenant_a, 2030, 12, 5)
