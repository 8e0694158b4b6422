"""A calendar entry's pages from the outside: new (scheduled, deferred, waiting for approval, refused), the
preview with a real contact, schedule, edit, cancel, approve and reject, and who may do what."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django_scopes import scope

from communications.models import Approval, CalendarEntry, EntryStatus
from tenancy.models import Role, Team

from ..factories import UserFactory, add_member
from .builders import at_local, contact_of, entry_for, make_account, reload_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooli(tenant_a, bob):
    return make_account(tenant_a, 1, owner=bob)


@pytest.fixture
def jane(tenant_a, hooli):
    return contact_of(tenant_a, hooli, 1, name="Jane Roe")


def form_data(account, contacts=(), **overrides):
    data = {
        "account": account.pk,
        "contacts": [c.pk for c in contacts],
        "audience_role": "",
        "message_type": "relationship",
        "channel": "email",
        "team": Team.CUSTOMER_SUCCESS,
        "owner": "",
        "scheduled_on": "2030-12-03",
        "scheduled_time": "10:00",
        "subject": "Quarterly check-in",
        "body": "Hi {{ contact.first_name }}, shall we meet?",
        "fallbacks": "",
        "action": "schedule",
    }
    data.update(overrides)
    return data


def entries_of(tenant, account) -> list[CalendarEntry]:
    with scope(tenant=tenant):
        return list(CalendarEntry.objects.filter(tenant=tenant, account=account).order_by("id"))


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_new_page_offers_the_accounts_contacts_and_the_merge_fields(tenant_a, bob, hooli, jane, login):
    other = make_account(tenant_a, 2)
    contact_of(tenant_a, other, 2, name="Tom Smith")

    response = login(bob).get(reverse("communications:entry_new"), {"account": hooli.pk})

    body = response.content.decode()
    assert response.status_code == 200
    assert "Jane Roe" in body and "Tom Smith" not in body
    assert "contact.first_name" in body and "renewal.date" in body
    assert "Europe/Berlin" in body


def test_a_csm_schedules_an_entry_in_the_tenants_time(tenant_a, bob, hooli, jane, login):
    response = login(bob).post(
        f"{reverse('communications:entry_new')}?account={hooli.pk}", form_data(hooli, [jane]), follow=True
    )

    [entry] = entries_of(tenant_a, hooli)
    assert entry.status == EntryStatus.SCHEDULED and entry.owner == bob
    assert entry.scheduled_at == at_local(tenant_a, 2030, 12, 3, 10)
    assert response.redirect_chain[-1][0] == entry.get_absolute_url()
    assert "Quarterly check-in for Account 001: Scheduled for 3 Dec 2030, 10:00 to 1 recipient." in said(response)


def test_a_draft_waits_and_is_scheduled_from_its_page(tenant_a, bob, hooli, jane, login):
    client = login(bob)
    client.post(reverse("communications:entry_new"), form_data(hooli, [jane], action="draft"))
    [entry] = entries_of(tenant_a, hooli)
    assert entry.status == EntryStatus.DRAFT

    page = client.get(entry.get_absolute_url()).content.decode()
    assert reverse("communications:entry_schedule", args=[entry.pk]) in page and "Jane Roe" in page

    response = client.post(reverse("communications:entry_schedule", args=[entry.pk]))
    assert reload_entry(tenant_a, entry).status == EntryStatus.SCHEDULED
    assert said(response) == ["Quarterly check-in: Scheduled for 3 Dec 2030, 10:00 to 1 recipient."]


def test_over_the_cap_the_entry_is_deferred_and_says_why(tenant_a, bob, hooli, jane, login):
    for n in range(2):
        entry_for(tenant_a, hooli, at=at_local(tenant_a, 2030, 12, 2, 9 + n), contacts=[jane], subject=f"Tip {n}")
    client = login(bob)

    response = client.post(reverse("communications:entry_new"), form_data(hooli, [jane]), follow=True)

    entry = entries_of(tenant_a, hooli)[-1]
    assert entry.status == EntryStatus.DEFERRED
    assert entry.planned_at == at_local(tenant_a, 2030, 12, 3, 10)
    reason = "Deferred to 9 Dec 2030, 09:00: Jane Roe already has 2 emails this week (cap 2)."
    assert entry.status_reason == reason
    assert f"Quarterly check-in for Account 001: {reason}" in said(response)
    assert 'data-testid="status-reason"' in response.content.decode() and reason in response.content.decode()


def test_a_bulk_send_waits_for_approval_and_a_leader_approves_it(tenant_a, bob, hooli, member_of, login):
    for n in range(26):
        contact_of(tenant_a, hooli, 10 + n, roles=["power_user"])
    response = login(bob).post(
        reverse("communications:entry_new"),
        form_data(hooli, audience_role="power_user", message_type="operational", subject="New reporting module"),
        follow=True,
    )
    [entry] = entries_of(tenant_a, hooli)
    assert entry.status == EntryStatus.PENDING_APPROVAL and entry.recipient_count == 26
    assert any("Waiting for a leader's or an admin's approval" in m and "26 recipients" in m for m in said(response))

    # Bob may not decide his own bulk send.
    assert login(bob).post(reverse("communications:entry_approve", args=[entry.pk])).status_code == 403
    leader = member_of(Role.LEADER)
    response = login(leader).post(
        reverse("communications:entry_approve", args=[entry.pk]), {"note": "Fine for the launch"}, follow=True
    )
    assert reload_entry(tenant_a, entry).status == EntryStatus.SCHEDULED
    assert any(m.startswith("Approved New reporting module for Account 001.") for m in said(response))
    with scope(tenant=tenant_a):
        decisions = list(Approval.objects.filter(entry=entry).order_by("id").values_list("decision", "note", "by"))
    assert decisions == [("requested", "", bob.pk), ("approved", "Fine for the launch", leader.pk)]
    history = login(bob).get(entry.get_absolute_url()).content.decode()
    assert "Fine for the launch" in history and "Approved" in history


def test_a_leader_rejects_with_a_note_and_the_owner_gets_a_draft(tenant_a, alice, bob, hooli, login):
    for n in range(26):
        contact_of(tenant_a, hooli, 10 + n, roles=["power_user"])
    entry = entry_for(
        tenant_a,
        hooli,
        at=at_local(tenant_a, 2030, 12, 3),
        by=bob,
        audience_role="power_user",
        message_type="operational",
    )
    client = login(alice)

    empty = client.post(reverse("communications:entry_reject", args=[entry.pk]), {"note": ""})
    assert reload_entry(tenant_a, entry).status == EntryStatus.PENDING_APPROVAL
    assert any("Say why it is rejected" in m for m in said(empty))

    client.post(reverse("communications:entry_reject", args=[entry.pk]), {"note": "Too close to the renewal"})
    rejected = reload_entry(tenant_a, entry)
    assert rejected.status == EntryStatus.DRAFT and "Too close to the renewal" in rejected.status_reason


def test_a_csm_may_only_send_what_the_matrix_allows_and_is_told_why(tenant_a, bob, hooli, jane, login):
    response = login(bob).post(
        reverse("communications:entry_new"), form_data(hooli, [jane], message_type="promotional")
    )

    assert response.status_code == 400
    assert entries_of(tenant_a, hooli) == []
    assert "Customer success CSMs may not send promotional messages by email." in response.content.decode()


def test_a_csm_plans_only_for_their_own_accounts(tenant_a, alice, bob, login):
    initech = make_account(tenant_a, 2, owner=alice)
    tom = contact_of(tenant_a, initech, 2)
    client = login(bob)

    assert client.get(reverse("communications:entry_new"), {"account": initech.pk}).status_code == 403
    assert client.post(reverse("communications:entry_new"), form_data(initech, [tom])).status_code in (400, 403)
    assert entries_of(tenant_a, initech) == []
    entry = entry_for(tenant_a, initech, at=at_local(tenant_a, 2030, 12, 3), contacts=[tom], by=alice)
    assert client.get(entry.get_absolute_url()).status_code == 200  # reads it
    assert client.get(reverse("communications:entry_edit", args=[entry.pk])).status_code == 403
    assert client.post(reverse("communications:entry_cancel", args=[entry.pk]), {"reason": "x"}).status_code == 403
    assert client.post(reverse("communications:entry_schedule", args=[entry.pk])).status_code == 403


def test_a_viewer_reads_and_changes_nothing(tenant_a, bob, hooli, jane, member_of, login):
    entry = entry_for(tenant_a, hooli, at=at_local(tenant_a, 2030, 12, 3), contacts=[jane], by=bob)
    client = login(member_of(Role.VIEWER))

    page = client.get(entry.get_absolute_url())
    assert (
        page.status_code == 200 and reverse("communications:entry_edit", args=[entry.pk]) not in page.content.decode()
    )
    assert client.get(reverse("communications:entry_new")).status_code == 403
    assert client.post(reverse("communications:entry_new"), form_data(hooli, [jane])).status_code == 403
    assert client.post(reverse("communications:entry_cancel", args=[entry.pk]), {"reason": "no"}).status_code == 403
    assert client.post(reverse("communications:entry_approve", args=[entry.pk])).status_code == 403
    assert reload_entry(tenant_a, entry).status == EntryStatus.SCHEDULED


def test_the_preview_marks_missing_fields_and_sending_waits_for_a_fallback(tenant_a, bob, hooli, login):
    jane = contact_of(tenant_a, hooli, 1, name="Jane Roe", title="")
    client = login(bob)
    data = form_data(hooli, [jane], body="Hi {{ contact.first_name }}, as {{ contact.title }} you will like this.")
    refused = client.post(reverse("communications:entry_new"), data)
    assert refused.status_code == 400 and entries_of(tenant_a, hooli) == []
    assert "contact.title is empty for Jane Roe; give a fallback." in refused.content.decode()

    client.post(reverse("communications:entry_new"), {**data, "action": "draft"})
    [entry] = entries_of(tenant_a, hooli)
    preview = client.get(reverse("communications:entry_preview", args=[entry.pk]), {"contact": jane.pk})
    body = preview.content.decode()
    assert preview.context["preview"].missing == ["contact.title"]
    assert "Hi Jane" in body and 'data-testid="preview-missing"' in body
    detail = client.get(entry.get_absolute_url()).content.decode()
    assert 'data-testid="merge-problems"' in detail and "disabled" in detail
    blocked = client.post(reverse("communications:entry_schedule", args=[entry.pk]))
    assert reload_entry(tenant_a, entry).status == EntryStatus.DRAFT
    assert any("was not scheduled" in m and "contact.title" in m for m in said(blocked))

    edit = client.post(
        reverse("communications:entry_edit", args=[entry.pk]), {**data, "fallbacks": "contact.title = a team lead"}
    )
    assert edit.status_code == 302
    assert reload_entry(tenant_a, entry).fallbacks == {"contact.title": "a team lead"}
    fixed = client.get(reverse("communications:entry_preview", args=[entry.pk]), HTTP_HX_REQUEST="true")
    assert fixed.context["preview"].missing == [] and "as a team lead you" in fixed.content.decode()
    client.post(reverse("communications:entry_schedule", args=[entry.pk]))
    assert reload_entry(tenant_a, entry).status == EntryStatus.SCHEDULED


def test_a_fallback_line_that_is_not_field_equals_value_is_refused(tenant_a, bob, hooli, jane, login):
    response = login(bob).post(reverse("communications:entry_new"), form_data(hooli, [jane], fallbacks="first name"))
    assert response.status_code == 400 and "is not &quot;field = value&quot;" in response.content.decode()


def test_editing_a_scheduled_entry_checks_it_again(tenant_a, bob, hooli, jane, login):
    entry = entry_for(tenant_a, hooli, at=at_local(tenant_a, 2030, 12, 3, 10), contacts=[jane], by=bob)
    for n in range(2):
        entry_for(tenant_a, hooli, at=at_local(tenant_a, 2030, 12, 9, 9 + n), contacts=[jane], subject=f"Tip {n}")
    client = login(bob)
    form = client.get(reverse("communications:entry_edit", args=[entry.pk]))
    assert form.status_code == 200 and form.context["form"].initial["scheduled_time"].hour == 10

    client.post(
        reverse("communications:entry_edit", args=[entry.pk]),
        form_data(hooli, [jane], scheduled_on="2030-12-10", subject="Moved check-in"),
    )

    moved = reload_entry(tenant_a, entry)
    assert moved.subject == "Moved check-in" and moved.status == EntryStatus.DEFERRED
    assert "Jane Roe already has 2 emails this week" in moved.status_reason


def test_cancel_needs_a_reason_and_keeps_it(tenant_a, bob, hooli, jane, login):
    entry = entry_for(tenant_a, hooli, at=at_local(tenant_a, 2030, 12, 3), contacts=[jane], by=bob)
    client = login(bob)

    missing = client.post(reverse("communications:entry_cancel", args=[entry.pk]), {"reason": ""})
    assert missing.status_code == 400 and reload_entry(tenant_a, entry).status == EntryStatus.SCHEDULED

    client.post(reverse("communications:entry_cancel", args=[entry.pk]), {"reason": "Covered in the QBR"})
    cancelled = reload_entry(tenant_a, entry)
    assert cancelled.status == EntryStatus.CANCELLED and cancelled.status_reason == "Covered in the QBR"
    assert client.get(reverse("communications:entry_edit", args=[entry.pk])).status_code == 302


def test_the_entry_page_shows_recipients_conflicts_and_status(tenant_a, bob, hooli, jane, login):
    sam = contact_of(tenant_a, hooli, 2, name="Sam Sponsor", roles=["executive_sponsor"])
    first = entry_for(tenant_a, hooli, at=at_local(tenant_a, 2030, 12, 3, 9), contacts=[jane, sam], by=bob)
    entry_for(
        tenant_a,
        hooli,
        at=at_local(tenant_a, 2030, 12, 3, 15),
        contacts=[jane],
        channel="in_app",
        team=Team.PRODUCT,
        message_type="operational",
    )

    response = login(bob).get(first.get_absolute_url())

    body = response.content.decode()
    assert [c.name for c in response.context["recipients"]] == ["Jane Roe", "Sam Sponsor"]
    assert 'data-testid="entry-conflicts"' in body and "Jane Roe" in body
    assert "Nothing delivered yet: it goes out" in body


def test_only_a_leader_or_an_admin_gives_an_entry_to_someone_else(tenant_a, bob, hooli, jane, login):
    other = UserFactory()
    add_member(tenant_a, other, Role.CSM)

    response = login(bob).post(reverse("communications:entry_new"), form_data(hooli, [jane], owner=other.pk))

    assert response.status_code == 403 and entries_of(tenant_a, hooli) == []


def test_charlie_gets_404_on_every_entry_page(tenant_a, bob, hooli, jane, charlie, login):
    entry = entry_for(tenant_a, hooli, at=at_local(tenant_a, 2030, 12, 3), contacts=[jane], by=bob)
    client = login(charlie)

    for name in ("entry", "entry_edit", "entry_preview"):
        assert client.get(reverse(f"communications:{name}", args=[entry.pk])).status_code == 404, name
    for name in ("entry_schedule", "entry_cancel", "entry_approve", "entry_reject", "entry_edit"):
        assert client.post(reverse(f"communications:{name}", args=[entry.pk])).status_code == 404, name
    assert client.get(reverse("communications:entry_new"), {"account": hooli.pk}).status_code == 404
    assert reload_entry(tenant_a, entry).status == EntryStatus.SCHEDULED
