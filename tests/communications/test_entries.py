"""Calendar entries: created, scheduled under the rules, changed, cancelled; who they reach."""

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from communications import selectors, services
from communications.models import CalendarEntry, EntryStatus
from tenancy.models import Team

from ..factories import UserFactory, add_member
from .builders import at_local, contact_of, entry_for, make_account, reload_entry

pytestmark = pytest.mark.django_db


def test_an_entry_is_scheduled_for_its_contacts_owned_by_its_author(tenant_a, account, bob):
    jane = contact_of(tenant_a, account, 1, name="Jane Roe")
    at = at_local(tenant_a, 2030, 12, 2)

    entry = entry_for(tenant_a, account, at=at, contacts=[jane], by=bob, subject="Welcome aboard")

    saved = reload_entry(tenant_a, entry)
    assert saved.status == EntryStatus.SCHEDULED
    assert saved.recipient_count == 1
    assert saved.owner == bob and saved.created_by == bob
    assert saved.team == Team.CUSTOMER_SUCCESS
    assert saved.scheduled_at == at and saved.planned_at is None
    with scope(tenant=tenant_a):
        assert list(saved.contacts.all()) == [jane]


def test_the_team_defaults_to_the_authors_team(tenant_a, account):
    marketer = UserFactory()
    add_member(tenant_a, marketer, "csm", Team.MARKETING)
    jane = contact_of(tenant_a, account, 1)

    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane], by=marketer)

    assert entry.team == Team.MARKETING


def test_schedule_false_keeps_a_draft_that_counts_nobody(tenant_a, account, bob):
    jane = contact_of(tenant_a, account, 1)

    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane], by=bob, schedule=False)

    assert reload_entry(tenant_a, entry).status == EntryStatus.DRAFT


def test_an_audience_role_reaches_the_active_contacts_holding_it(tenant_a, account):
    champion = contact_of(tenant_a, account, 1, name="Ann Champion", roles=["champion", "power_user"])
    sponsor = contact_of(tenant_a, account, 2, name="Sam Sponsor", roles=["executive_sponsor", "champion"])
    contact_of(tenant_a, account, 3, name="Eve Enduser", roles=["end_user"])
    contact_of(tenant_a, account, 4, name="Gone Champion", roles=["champion"], is_active=False)
    elsewhere = make_account(tenant_a, 2)
    contact_of(tenant_a, elsewhere, 5, name="Other Champion", roles=["champion"])

    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), audience_role="champion")

    with scope(tenant=tenant_a):
        assert selectors.entry_recipients(entry) == [champion, sponsor]
    assert entry.recipient_count == 2


def test_named_contacts_must_belong_to_the_account_and_nothing_is_kept(tenant_a, account):
    other = contact_of(tenant_a, make_account(tenant_a, 2), 1)

    with pytest.raises(ValidationError) as raised:
        entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[other])

    assert "contact of this account" in str(raised.value)
    with scope(tenant=tenant_a):
        assert not CalendarEntry.objects.filter(tenant=tenant_a).exists()


def test_an_entry_that_reaches_nobody_is_not_scheduled(tenant_a, account):
    with pytest.raises(ValidationError) as raised:
        entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), audience_role="executive_sponsor")

    assert "Nobody to reach" in str(raised.value)


def test_an_account_of_another_tenant_is_refused(tenant_a, tenant_b):
    theirs = make_account(tenant_b, 1)
    with scope(tenant=tenant_a), pytest.raises(ValidationError):
        services.entry_create(
            tenant=tenant_a,
            account=theirs,
            by=None,
            subject="Hello",
            message_type="educational",
            scheduled_at=at_local(tenant_a, 2030, 12, 2),
        )


def test_a_missing_merge_field_without_fallback_blocks_scheduling(tenant_a, account):
    nameless = contact_of(tenant_a, account, 1, name="Jane Roe")  # no job title
    field = "contact.title"

    with pytest.raises(ValidationError) as raised:
        entry_for(
            tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[nameless], body=f"Hi {{{{ {field} }}}}"
        )
    ok = entry_for(
        tenant_a,
        account,
        at=at_local(tenant_a, 2030, 12, 2),
        contacts=[nameless],
        body=f"Hi {{{{ {field} }}}}",
        fallbacks={field: "there"},
    )

    assert field in str(raised.value)
    assert ok.status == EntryStatus.SCHEDULED


def test_changing_a_scheduled_entry_checks_it_again(tenant_a, account, bob):
    jane = contact_of(tenant_a, account, 1, name="Jane Roe")
    for day in (9, 10):
        entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, day), contacts=[jane])
    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane], by=bob)

    with scope(tenant=tenant_a):
        services.entry_update(entry=entry, by=bob, scheduled_at=at_local(tenant_a, 2030, 12, 11))

    saved = reload_entry(tenant_a, entry)
    assert saved.status == EntryStatus.DEFERRED
    assert saved.planned_at == at_local(tenant_a, 2030, 12, 11)
    assert saved.scheduled_at == at_local(tenant_a, 2030, 12, 16, 9)


def test_changing_a_draft_keeps_it_a_draft(tenant_a, account, bob):
    jane = contact_of(tenant_a, account, 1)
    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane], schedule=False)

    with scope(tenant=tenant_a):
        services.entry_update(entry=entry, by=bob, subject="Renamed")

    saved = reload_entry(tenant_a, entry)
    assert (saved.status, saved.subject) == (EntryStatus.DRAFT, "Renamed")


def test_a_cancelled_entry_can_no_longer_change(tenant_a, account, bob):
    jane = contact_of(tenant_a, account, 1)
    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane])
    with scope(tenant=tenant_a):
        services.entry_cancel(entry=entry, by=bob, reason="The customer asked for January")
        with pytest.raises(ValidationError):
            services.entry_update(entry=entry, by=bob, subject="Again")
        with pytest.raises(ValidationError):
            services.entry_schedule(entry=entry, by=bob)

    saved = reload_entry(tenant_a, entry)
    assert (saved.status, saved.status_reason) == (EntryStatus.CANCELLED, "The customer asked for January")


def test_unknown_fields_are_a_programming_error(tenant_a, account, bob):
    jane = contact_of(tenant_a, account, 1)
    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane])
    with scope(tenant=tenant_a), pytest.raises(TypeError):
        services.entry_update(entry=entry, by=bob, status="sent")
