"""The communications API: calendar entries under the same rules as the pages (governance, caps, approvals,
merge fields), approvals, cadences and enrolments, preferences, deliveries and engagement, owners' tasks,
notifications, campaign imports and the in-app fetch for a contact. The house error format, role and ownership
checks, ids limited to the caller's tenant, and lists whose cost does not grow with their length."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from communications.models import (
    Approval,
    CalendarEntry,
    CalendarImport,
    Delivery,
    PreferenceChange,
)
from communications.selectors.owner_tasks import owner_task_of_entry
from communications.services import cadences as cadence_services
from communications.services import notifications as notification_services
from communications.services import outbox
from communications.services import preferences as preference_services
from communications.services import settings as settings_services
from core import tenant_time
from tenancy.models import Role, Team

from ..factories import UserFactory, add_member
from .builders import at_local, contact_of, entry_for, make_account, reload_entry

pytestmark = pytest.mark.django_db

ENTRIES = "/api/v1/calendar-entries/"
APPROVALS = "/api/v1/approvals/"
CADENCES = "/api/v1/cadences/"
STEPS = "/api/v1/cadence-steps/"
ENROLLMENTS = "/api/v1/enrollments/"
PREFERENCES = "/api/v1/contact-preferences/"
DELIVERIES = "/api/v1/deliveries/"
EVENTS = "/api/v1/engagement-events/"
TASKS = "/api/v1/communication-tasks/"
NOTIFICATIONS = "/api/v1/notifications/"
IMPORTS = "/api/v1/calendar-imports/"
IN_APP = "/api/v1/in-app-messages/"


def error(response) -> dict:
    return response.json()["error"]


def ids(response, key: str = "id") -> list[int]:
    assert response.status_code == 200, response.json()
    return sorted(row[key] for row in response.json()["results"])


def week_of_11_january(tenant, day: int = 12, hour: int = 10) -> dt.datetime:
    """A moment in the ISO week Mon 11 - Sun 17 January 2027, in the tenant's zone."""
    return at_local(tenant, 2027, 1, day, hour)


@pytest.fixture
def viewer(member_of):
    return member_of(Role.VIEWER)


@pytest.fixture
def leader(member_of):
    return member_of(Role.LEADER)


@pytest.fixture
def bobs(tenant_a, bob):
    """Bob's account with two champions and a power user."""
    account = make_account(tenant_a, 1, owner=bob)
    contacts = [
        contact_of(tenant_a, account, 1, name="Jane Roe"),
        contact_of(tenant_a, account, 2, name="Sam Lee"),
        contact_of(tenant_a, account, 3, name="Kim Park", roles=("power_user",)),
    ]
    return account, contacts


@pytest.fixture
def alices(tenant_a, alice):
    account = make_account(tenant_a, 2, owner=alice)
    return account, [contact_of(tenant_a, account, 4, name="Ola Berg")]


@pytest.fixture
def charlies(tenant_b, charlie):
    """Tenant B's account and contact: their ids in a tenant A payload must read as unknown."""
    account = make_account(tenant_b, 9, owner=charlie)
    return account, contact_of(tenant_b, account, 9, name="Bravo Person")


def entry_payload(account, contacts, **fields) -> dict:
    payload = {
        "account": account.pk,
        "contacts": [c.pk for c in contacts],
        "message_type": "relationship",
        "channel": "email",
        "scheduled_at": week_of_11_january(account.tenant).isoformat(),
        "subject": "Quarterly check-in, {{ contact.first_name }}?",
        "body": "Hi {{ contact.first_name }}, shall we look at {{ account.name }}'s quarter?",
    }
    payload.update(fields)
    return payload


# --- calendar entries: create under the rules ---------------------------------------------------------------------


def test_a_csm_plans_an_entry_on_own_account_and_it_is_scheduled_with_its_recipients(tenant_a, bob, api_as, bobs):
    account, contacts = bobs
    response = api_as(bob, tenant_a).post(ENTRIES, entry_payload(account, contacts[:2]), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "scheduled" and body["status_reason"] == ""
    assert body["owner"] == bob.pk and body["team"] == "customer_success" and body["source"] == "manual"
    assert body["recipient_count"] == 2
    assert [r["name"] for r in body["recipients"]] == ["Jane Roe", "Sam Lee"]
    assert body["conflicts"] == [] and body["deliveries"]["total"] == 0 and body["approvals"] == []
    # Shown in the tenant's zone (Europe/Berlin in January: +01:00).
    assert body["scheduled_at"] == "2027-01-12T10:00:00+01:00"


def test_a_naive_time_is_read_in_the_tenants_zone(tenant_a, bob, api_as, bobs):
    account, contacts = bobs
    payload = entry_payload(account, contacts[:1], scheduled_at="2027-01-12T09:30")
    response = api_as(bob, tenant_a).post(ENTRIES, payload, format="json")
    assert response.status_code == 201, response.json()
    with scope(tenant=tenant_a):
        entry = CalendarEntry.objects.get(pk=response.json()["id"])
    assert entry.scheduled_at == dt.datetime(2027, 1, 12, 8, 30, tzinfo=dt.UTC)


def test_a_csm_may_not_send_promotional_and_nothing_is_kept(tenant_a, bob, api_as, bobs):
    account, contacts = bobs
    response = api_as(bob, tenant_a).post(
        ENTRIES, entry_payload(account, contacts[:1], message_type="promotional"), format="json"
    )
    assert response.status_code == 400
    assert error(response)["fields"]["message_type"] == [
        "Customer success CSMs may not send promotional messages by email."
    ]
    with scope(tenant=tenant_a):
        assert not CalendarEntry.objects.exists()


def test_marketing_may_send_promotional(tenant_a, api_as, bobs):
    marketer = UserFactory(email="mia@alpha.example")
    add_member(tenant_a, marketer, Role.LEADER, team=Team.MARKETING)
    account, contacts = bobs
    response = api_as(marketer, tenant_a).post(
        ENTRIES, entry_payload(account, contacts[:1], message_type="promotional"), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["team"] == "marketing" and response.json()["status"] == "scheduled"


def test_who_may_plan_where(tenant_a, bob, viewer, api_as, bobs, alices):
    account, contacts = bobs
    assert api_as(viewer, tenant_a).post(ENTRIES, entry_payload(account, contacts), format="json").status_code == 403
    other, other_contacts = alices
    response = api_as(bob, tenant_a).post(ENTRIES, entry_payload(other, other_contacts), format="json")
    assert response.status_code == 403
    assert error(response)["message"] == "CSMs plan touchpoints only on the accounts they own."
    response = api_as(bob, tenant_a).post(
        ENTRIES, entry_payload(account, contacts, owner=other.owner_id), format="json"
    )
    assert response.status_code == 403
    assert "someone else" in error(response)["message"]


def test_ids_are_limited_to_the_tenant_and_to_the_account(tenant_a, bob, api_as, bobs, alices, charlies):
    account, contacts = bobs
    api = api_as(bob, tenant_a)
    foreign_account, foreign_contact = charlies
    response = api.post(ENTRIES, entry_payload(foreign_account, contacts), format="json")
    assert response.status_code == 400
    assert error(response)["fields"]["account"] == [f'Invalid pk "{foreign_account.pk}" - object does not exist.']
    response = api.post(ENTRIES, entry_payload(account, [foreign_contact]), format="json")
    assert error(response)["fields"]["contacts"] == [f'Invalid pk "{foreign_contact.pk}" - object does not exist.']
    response = api.post(ENTRIES, entry_payload(account, alices[1]), format="json")
    assert response.status_code == 400
    assert error(response)["fields"]["contacts"] == ["Not a contact of Account 001: Ola Berg."]


def test_a_contact_over_the_cap_defers_the_entry_with_its_reason(tenant_a, bob, api_as, bobs):
    account, contacts = bobs
    jane = contacts[0]
    for day in (11, 13):
        entry_for(tenant_a, account, at=week_of_11_january(tenant_a, day), contacts=[jane])
    response = api_as(bob, tenant_a).post(ENTRIES, entry_payload(account, [jane]), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "deferred"
    assert body["status_reason"] == "Deferred to 18 Jan 2027, 09:00: Jane Roe already has 2 emails this week (cap 2)."
    assert body["planned_at"] == "2027-01-12T10:00:00+01:00"
    assert body["scheduled_at"] == "2027-01-18T09:00:00+01:00"


def test_a_transactional_entry_is_not_held_by_the_cap(tenant_a, api_as, bobs):
    supporter = UserFactory(email="sue@alpha.example")
    add_member(tenant_a, supporter, Role.LEADER, team=Team.SUPPORT)
    account, contacts = bobs
    for day in (11, 13):
        entry_for(tenant_a, account, at=week_of_11_january(tenant_a, day), contacts=contacts[:1])
    payload = entry_payload(account, contacts[:1], message_type="transactional", subject="Your invoice", body="")
    response = api_as(supporter, tenant_a).post(ENTRIES, payload, format="json")
    assert response.json()["status"] == "scheduled"


def test_a_bulk_send_waits_for_a_leader_and_a_csm_may_not_approve_it(tenant_a, bob, leader, api_as, bobs):
    with scope(tenant=tenant_a):
        settings_services.communication_settings_update(tenant=tenant_a, bulk_threshold=2)
    account, _contacts = bobs
    payload = entry_payload(account, [], audience_role="champion", subject="News", body="")
    bob_api = api_as(bob, tenant_a)
    # Two champions: at the threshold, not over it.
    assert bob_api.post(ENTRIES, payload, format="json").json()["status"] == "scheduled"
    contact_of(tenant_a, account, 5, name="Lee Chan")
    response = bob_api.post(ENTRIES, payload, format="json")
    body = response.json()
    assert body["status"] == "pending_approval" and body["needs_approval"] is True
    assert body["status_reason"] == "Waiting for a leader's or an admin's approval: 3 recipients (more than 2)."
    assert [(a["decision"], a["recipient_count"], a["by"]) for a in body["approvals"]] == [("requested", 3, bob.pk)]
    url = f"{ENTRIES}{body['id']}/"

    response = bob_api.post(url + "approve/", {"note": "mine"}, format="json")
    assert response.status_code == 403
    assert error(response)["message"] == "Only a CS leader or an admin approves or rejects a bulk send."
    assert reload_entry(tenant_a, CalendarEntry(pk=body["id"])).status == "pending_approval"

    response = api_as(leader, tenant_a).post(url + "approve/", {"note": "Fine by me"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "scheduled"
    decided = api_as(leader, tenant_a).get(APPROVALS, {"entry": body["id"]}).json()["results"]
    assert [(a["decision"], a["by"], a["note"]) for a in decided] == [
        ("approved", leader.pk, "Fine by me"),
        ("requested", bob.pk, ""),
    ]


def test_a_rejection_needs_a_note_and_sends_the_entry_back_to_draft(tenant_a, alice, api_as, bobs):
    with scope(tenant=tenant_a):
        settings_services.communication_settings_update(tenant=tenant_a, bulk_threshold=1)
    account, contacts = bobs
    entry = entry_for(tenant_a, account, at=week_of_11_january(tenant_a), contacts=contacts[:2])
    assert entry.status == "pending_approval"
    api = api_as(alice, tenant_a)
    url = f"{ENTRIES}{entry.pk}/reject/"
    response = api.post(url, {}, format="json")
    assert response.status_code == 400 and "note" in error(response)["fields"]
    response = api.post(url, {"note": "Too many people for a check-in"}, format="json")
    assert response.json()["status"] == "draft"
    assert response.json()["status_reason"] == "Rejected by Alice Admin: Too many people for a check-in"
    with scope(tenant=tenant_a):
        assert list(Approval.objects.filter(entry=entry).values_list("decision", flat=True)) == [
            "rejected",
            "requested",
        ]


def test_merge_fields_without_values_block_the_entry(tenant_a, bob, api_as, bobs):
    account, contacts = bobs
    payload = entry_payload(account, contacts[:1], body="See {{ account.nonsense }}")
    response = api_as(bob, tenant_a).post(ENTRIES, payload, format="json")
    assert response.status_code == 400
    assert "account.nonsense" in error(response)["message"]


# --- calendar entries: change, schedule, cancel, preview ----------------------------------------------------------


def test_a_csm_changes_and_cancels_own_entries_only(tenant_a, bob, alice, api_as, bobs, alices):
    account, contacts = bobs
    mine = entry_for(tenant_a, account, at=week_of_11_january(tenant_a), contacts=contacts[:1], by=bob)
    theirs = entry_for(tenant_a, alices[0], at=week_of_11_january(tenant_a), contacts=alices[1], by=alice)
    api = api_as(bob, tenant_a)
    response = api.patch(f"{ENTRIES}{mine.pk}/", {"subject": "Moved check-in"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["subject"] == "Moved check-in" and response.json()["status"] == "scheduled"
    assert api.patch(f"{ENTRIES}{theirs.pk}/", {"subject": "Mine now"}, format="json").status_code == 403
    response = api.patch(f"{ENTRIES}{mine.pk}/", {"owner": alice.pk}, format="json")
    assert response.status_code == 403
    assert api.post(f"{ENTRIES}{theirs.pk}/cancel/", {"reason": "No"}, format="json").status_code == 403

    response = api.post(f"{ENTRIES}{mine.pk}/cancel/", {"reason": "Customer asked for January"}, format="json")
    assert response.json()["status"] == "cancelled"
    assert response.json()["status_reason"] == "Customer asked for January"
    response = api.patch(f"{ENTRIES}{mine.pk}/", {"subject": "Again"}, format="json")
    assert response.status_code == 400
    assert error(response)["message"] == "This entry is cancelled: it can no longer be changed."


def test_a_draft_is_scheduled_by_its_action(tenant_a, bob, api_as, bobs):
    account, contacts = bobs
    payload = entry_payload(account, contacts[:1], schedule=False)
    api = api_as(bob, tenant_a)
    draft = api.post(ENTRIES, payload, format="json").json()
    assert draft["status"] == "draft"
    response = api.post(f"{ENTRIES}{draft['id']}/schedule/")
    assert response.status_code == 200 and response.json()["status"] == "scheduled"


def test_the_preview_renders_for_a_real_contact_and_shows_what_is_missing(
    tenant_a, bob, viewer, api_as, bobs, alices, charlies
):
    account, contacts = bobs
    payload = entry_payload(account, contacts[:1], body="Hi {{ contact.first_name }} at {{ account.name }}")
    entry_id = api_as(bob, tenant_a).post(ENTRIES, payload, format="json").json()["id"]
    url = f"{ENTRIES}{entry_id}/preview/"
    api = api_as(viewer, tenant_a)
    response = api.get(url, {"contact": contacts[1].pk})
    assert response.status_code == 200, response.json()
    assert response.json()["body"] == "Hi Sam at Account 001"
    assert response.json()["missing"] == [] and response.json()["unknown"] == []
    # Without a contact: the first recipient.
    assert api.get(url).json()["contact"] == contacts[0].pk
    assert api.get(url, {"contact": alices[1][0].pk}).status_code == 400
    response = api.get(url, {"contact": charlies[1].pk})
    assert error(response)["fields"]["contact"] == [f'Invalid pk "{charlies[1].pk}" - object does not exist.']

    draft = entry_for(
        tenant_a, account, at=week_of_11_january(tenant_a), contacts=contacts[:1], body="{{ x.y }}", schedule=False
    )
    assert api.get(f"{ENTRIES}{draft.pk}/preview/").json()["unknown"] == ["{{ x.y }}"]


def test_the_detail_shows_conflicts_with_the_rest_of_the_calendar(tenant_a, bob, api_as, bobs):
    account, contacts = bobs
    entry_for(tenant_a, account, at=week_of_11_january(tenant_a, hour=8), contacts=contacts[:1], team="marketing")
    entry_for(
        tenant_a,
        account,
        at=week_of_11_january(tenant_a, hour=7),
        contacts=contacts[:1],
        team="support",
        channel="in_app",
    )
    response = api_as(bob, tenant_a).post(ENTRIES, entry_payload(account, contacts[:1]), format="json")
    kinds = {conflict["kind"] for conflict in response.json()["conflicts"]}
    assert {"same_day", "teams_same_week"} <= kinds


# --- calendar entries: filters and list cost ----------------------------------------------------------------------


def test_the_list_filters_by_account_owner_type_channel_status_and_time(tenant_a, bob, alice, api_as, bobs, alices):
    account, contacts = bobs
    early = entry_for(tenant_a, account, at=week_of_11_january(tenant_a, 11), contacts=contacts[:1], by=bob)
    late = entry_for(
        tenant_a, account, at=week_of_11_january(tenant_a, 14), contacts=contacts[1:2], channel="in_app", by=bob
    )
    hers = entry_for(tenant_a, alices[0], at=week_of_11_january(tenant_a, 12), contacts=alices[1], by=alice)
    draft = entry_for(tenant_a, account, at=week_of_11_january(tenant_a, 15), contacts=contacts[:1], schedule=False)
    api = api_as(bob, tenant_a)
    assert ids(api.get(ENTRIES)) == sorted([early.pk, late.pk, hers.pk, draft.pk])
    assert ids(api.get(ENTRIES, {"owner": "me"})) == sorted([early.pk, late.pk])
    assert ids(api.get(ENTRIES, {"account": alices[0].pk})) == [hers.pk]
    assert ids(api.get(ENTRIES, {"channel": "in_app"})) == [late.pk]
    assert ids(api.get(ENTRIES, {"status": "draft"})) == [draft.pk]
    assert ids(api.get(ENTRIES, {"message_type": "educational", "team": "customer_success"})) == sorted(
        [early.pk, late.pk, hers.pk, draft.pk]
    )
    window = {
        "scheduled_after": week_of_11_january(tenant_a, 12, 0).isoformat(),
        "scheduled_before": week_of_11_january(tenant_a, 15, 0).isoformat(),
    }
    assert ids(api.get(ENTRIES, window)) == sorted([late.pk, hers.pk])
    assert ids(api.get(ENTRIES, {"source": "cadence"})) == []
    assert api.get(ENTRIES, {"owner": "nobody"}).status_code == 400


def _queries(api, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url, params or {})
    assert response.status_code == 200, response.json()
    return len(captured)


def test_lists_cost_the_same_for_3_and_15_rows(tenant_a, alice, api_as, django_assert_max_num_queries):
    api = api_as(alice, tenant_a)
    account = make_account(tenant_a, 7, owner=alice)
    people = [contact_of(tenant_a, account, n, roles=("power_user",)) for n in range(10, 13)]
    base = at_local(tenant_a, 2027, 2, 1, 10)

    def plan(start: int, count: int) -> None:
        for n in range(start, start + count):
            entry = entry_for(tenant_a, account, at=base + dt.timedelta(days=n), contacts=people, channel="in_app")
            with scope(tenant=tenant_a):
                outbox.outbox_send_due(tenant=tenant_a, now=entry.scheduled_at + dt.timedelta(minutes=1))

    lists = [
        (ENTRIES, None),
        (DELIVERIES, None),
        (APPROVALS, None),
        (PREFERENCES, {"account": account.pk}),
        (IN_APP, {"contact": people[0].pk}),
        (ENROLLMENTS, None),
    ]
    plan(1, 3)
    with scope(tenant=tenant_a):
        preference_services.preference_set(contact=people[0], message_type="promotional", choice="none", source="staff")
    small = {url: _queries(api, url, params) for url, params in lists}
    plan(4, 12)
    assert len(ids(api.get(ENTRIES))) == 15 and len(ids(api.get(DELIVERIES))) == 45
    for url, params in lists:
        with django_assert_max_num_queries(small[url]):
            api.get(url, params or {})


# --- cadences, steps and enrolments -------------------------------------------------------------------------------


def _cadence(tenant, key: str = "welcome"):
    with scope(tenant=tenant):
        cadence = cadence_services.cadence_save(tenant=tenant, key=key, anchor="enrolled", name="Welcome")
        for offset in (0, 7, 30):
            cadence_services.cadence_step_save(
                cadence=cadence,
                offset_days=offset,
                send_hour=10,
                message_type="educational",
                channel="in_app",
                subject=f"Day {offset} for {{{{ account.name }}}}",
            )
        return cadence


def test_admins_configure_cadences_and_steps_others_read(tenant_a, alice, bob, api_as):
    bob_api, alice_api = api_as(bob, tenant_a), api_as(alice, tenant_a)
    listed = bob_api.get(CADENCES).json()["results"]
    assert "renewal" in {c["key"] for c in listed}, "the seed's cadences are there from the first look"
    payload = {"key": "winback", "name": "Win-back", "anchor": "signal_raised", "health_bands": ["red"]}
    assert bob_api.post(CADENCES, payload, format="json").status_code == 403
    response = alice_api.post(CADENCES, payload, format="json")
    assert response.status_code == 201, response.json()
    cadence = response.json()
    assert cadence["steps"] == [] and cadence["health_bands"] == ["red"]
    assert alice_api.post(CADENCES, payload, format="json").status_code == 400, "keys are unique"

    step = {"cadence": cadence["id"], "offset_days": 3, "message_type": "relationship", "subject": "Hi {{ x.y }}"}
    assert bob_api.post(STEPS, step, format="json").status_code == 403
    response = alice_api.post(STEPS, step, format="json")
    assert response.status_code == 400
    assert "not a merge field" in error(response)["fields"]["subject"][0]
    step["subject"] = "How is {{ account.name }} doing?"
    response = alice_api.post(STEPS, step, format="json")
    assert response.status_code == 201, response.json()
    step_id = response.json()["id"]
    response = alice_api.patch(f"{STEPS}{step_id}/", {"offset_days": 5, "send_hour": 24}, format="json")
    assert response.status_code == 400
    response = alice_api.patch(f"{STEPS}{step_id}/", {"offset_days": 5}, format="json")
    assert response.json()["offset_days"] == 5
    detail = bob_api.get(f"{CADENCES}{cadence['id']}/").json()
    assert [s["offset_days"] for s in detail["steps"]] == [5]
    response = alice_api.patch(f"{CADENCES}{cadence['id']}/", {"is_active": False, "anchor": "enrolled"}, format="json")
    assert response.json()["is_active"] is False and response.json()["anchor"] == "signal_raised"
    assert alice_api.delete(f"{STEPS}{step_id}/").status_code == 204
    assert bob_api.get(f"{CADENCES}{cadence['id']}/").json()["steps"] == []


def test_a_csm_enrols_own_account_and_exits_it(tenant_a, bob, api_as, bobs, alices, charlies):
    cadence = _cadence(tenant_a)
    account, _contacts = bobs
    api = api_as(bob, tenant_a)
    today = tenant_time.today(tenant_a)
    payload = {"cadence": cadence.pk, "account": account.pk, "anchor_on": str(today)}
    assert api.post(ENROLLMENTS, {**payload, "account": alices[0].pk}, format="json").status_code == 403
    response = api.post(ENROLLMENTS, {**payload, "account": charlies[0].pk}, format="json")
    assert error(response)["fields"]["account"] == [f'Invalid pk "{charlies[0].pk}" - object does not exist.']
    response = api.post(ENROLLMENTS, payload, format="json")
    assert response.status_code == 201, response.json()
    enrollment = response.json()
    assert enrollment["status"] == "active" and enrollment["planned"] == 3 and enrollment["owner"] == bob.pk
    assert api.post(ENROLLMENTS, payload, format="json").json()["id"] == enrollment["id"], "one active enrolment"
    planned = api.get(ENTRIES, {"enrollment": enrollment["id"]}).json()["results"]
    assert [e["source"] for e in planned] == ["cadence"] * 3

    url = f"{ENROLLMENTS}{enrollment['id']}/exit/"
    assert api.post(url, {}, format="json").status_code == 400
    response = api.post(url, {"reason": "Went live early"}, format="json")
    assert response.json()["status"] == "exited" and response.json()["cancelled"] == 3
    assert ids(api.get(ENROLLMENTS, {"status": "exited", "account": account.pk})) == [enrollment["id"]]


# --- preferences --------------------------------------------------------------------------------------------------


def test_preferences_are_read_per_contact_and_set_through_the_service(tenant_a, bob, viewer, api_as, bobs, charlies):
    account, contacts = bobs
    jane = contacts[0]
    api = api_as(bob, tenant_a)
    body = api.get(f"{PREFERENCES}{jane.pk}/").json()
    assert body["preferences"] == dict.fromkeys(
        ["transactional", "educational", "relationship", "promotional", "operational"], "every"
    )
    response = api.post(PREFERENCES, {"contact": jane.pk, "message_type": "promotional", "choice": "none"})
    assert response.status_code == 200, response.json()
    assert response.json()["preferences"]["promotional"] == "none"
    response = api.put(f"{PREFERENCES}{jane.pk}/", {"message_type": "educational", "choice": "monthly"}, format="json")
    assert response.json()["preferences"]["educational"] == "monthly"
    with scope(tenant=tenant_a):
        changes = list(PreferenceChange.objects.filter(contact=jane).order_by("at", "id"))
    assert [(c.message_type, c.to_choice, c.source, c.by_id) for c in changes] == [
        ("promotional", "none", "api", bob.pk),
        ("educational", "monthly", "api", bob.pk),
    ]
    response = api.put(f"{PREFERENCES}{jane.pk}/", {"message_type": "transactional", "choice": "none"}, format="json")
    assert response.status_code == 400
    assert "always sent" in error(response)["message"]
    response = api.post(PREFERENCES, {"contact": charlies[1].pk, "message_type": "promotional", "choice": "none"})
    assert error(response)["fields"]["contact"] == [f'Invalid pk "{charlies[1].pk}" - object does not exist.']
    viewer_api = api_as(viewer, tenant_a)
    assert (
        viewer_api.put(f"{PREFERENCES}{jane.pk}/", {"message_type": "promotional", "choice": "every"}).status_code
        == 403
    )

    assert ids(api.get(PREFERENCES, {"account": account.pk, "choice": "none"}), "contact") == [jane.pk]
    assert ids(api.get(PREFERENCES, {"message_type": "educational", "choice": "none"}), "contact") == []
    assert ids(api.get(PREFERENCES, {"contact": contacts[1].pk}), "contact") == [contacts[1].pk]


# --- deliveries, in-app messages, engagement and tasks -----------------------------------------------------------


def _deliver(tenant, entry: CalendarEntry) -> None:
    with scope(tenant=tenant):
        outbox.outbox_send_due(tenant=tenant, now=entry.scheduled_at + dt.timedelta(minutes=1))


def test_the_customers_product_fetches_a_contacts_in_app_messages_and_marks_one_read(
    tenant_a, alice, viewer, api_as, bobs, charlies
):
    account, contacts = bobs
    jane, sam = contacts[0], contacts[1]
    entry = entry_for(
        tenant_a,
        account,
        at=week_of_11_january(tenant_a),
        contacts=[jane, sam],
        channel="in_app",
        subject="New: scheduled reports for {{ account.name }}",
        body="Hi {{ contact.first_name }}, try it today.",
    )
    _deliver(tenant_a, entry)
    email = entry_for(tenant_a, account, at=week_of_11_january(tenant_a, 13), contacts=[jane])
    _deliver(tenant_a, email)
    product = api_as(alice, tenant_a)
    response = product.get(IN_APP, {"contact": jane.pk})
    assert response.status_code == 200, response.json()
    messages = response.json()["results"]
    assert [(m["subject"], m["body"], m["status"]) for m in messages] == [
        ("New: scheduled reports for Account 001", "Hi Jane, try it today.", "available")
    ]
    assert product.get(IN_APP).status_code == 400
    response = product.get(IN_APP, {"contact": charlies[1].pk})
    assert error(response)["fields"]["contact"] == [f'Invalid pk "{charlies[1].pk}" - object does not exist.']

    assert api_as(viewer, tenant_a).post(f"{IN_APP}{messages[0]['id']}/read/").status_code == 403
    response = product.post(f"{IN_APP}{messages[0]['id']}/read/")
    assert response.status_code == 200 and response.json()["status"] == "read"
    first_read = response.json()["read_at"]
    assert product.post(f"{IN_APP}{messages[0]['id']}/read/").json()["read_at"] == first_read
    assert product.get(IN_APP, {"contact": sam.pk}).json()["results"][0]["status"] == "available"

    assert ids(product.get(DELIVERIES, {"entry": entry.pk})) == sorted(d.pk for d in _deliveries(tenant_a, entry))
    assert len(ids(product.get(DELIVERIES, {"contact": jane.pk}))) == 2
    assert len(ids(product.get(DELIVERIES, {"channel": "email", "status": "sent"}))) == 1
    detail = product.get(f"{ENTRIES}{entry.pk}/").json()
    assert detail["status"] == "sent"
    assert detail["deliveries"]["total"] == 2 and detail["deliveries"]["by_status"] == {"available": 1, "read": 1}


def _deliveries(tenant, entry) -> list[Delivery]:
    with scope(tenant=tenant):
        return list(Delivery.objects.filter(entry=entry))


def test_replies_and_meetings_are_logged_on_own_accounts(tenant_a, bob, alice, api_as, bobs, alices):
    account, contacts = bobs
    entry = entry_for(tenant_a, account, at=week_of_11_january(tenant_a), contacts=contacts[:1])
    theirs = entry_for(tenant_a, alices[0], at=week_of_11_january(tenant_a), contacts=alices[1])
    api = api_as(bob, tenant_a)
    payload = {"entry": entry.pk, "kind": "reply", "contact": contacts[0].pk, "note": "Wants a call"}
    response = api.post(EVENTS, payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "reply" and response.json()["logged_by"] == bob.pk
    assert api.post(EVENTS, {**payload, "kind": "open"}, format="json").status_code == 400
    assert api.post(EVENTS, {**payload, "entry": theirs.pk}, format="json").status_code == 403
    response = api.post(EVENTS, {**payload, "contact": alices[1][0].pk}, format="json")
    assert response.status_code == 400
    assert ids(api.get(EVENTS, {"entry": entry.pk, "kind": "reply"})) == [response_id(api, entry)]


def response_id(api, entry) -> int:
    return api.get(EVENTS, {"entry": entry.pk}).json()["results"][0]["id"]


def test_a_call_becomes_the_owners_task_and_is_logged_done(tenant_a, bob, viewer, api_as, bobs):
    account, contacts = bobs
    entry = entry_for(tenant_a, account, at=week_of_11_january(tenant_a), contacts=contacts[:1], channel="call", by=bob)
    _deliver(tenant_a, entry)
    with scope(tenant=tenant_a):
        task = owner_task_of_entry(tenant=tenant_a, entry=entry)
    api = api_as(bob, tenant_a)
    assert ids(api.get(TASKS, {"owner": "me", "status": "open"})) == [task.pk]
    assert api_as(viewer, tenant_a).post(f"{TASKS}{task.pk}/done/", {"note": "x"}).status_code == 403
    response = api.post(f"{TASKS}{task.pk}/done/", {"note": "Talked about the QBR"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["outcome_note"], body["entry"]) == ("done", "Talked about the QBR", entry.pk)
    assert body["subject"] == entry.subject and body["channel"] == "call" and body["account"] == account.pk
    assert ids(api.get(TASKS, {"status": "open"})) == []


def test_notifications_are_read_by_recipient(tenant_a, bob, alice, api_as, bobs):
    account, _contacts = bobs
    with scope(tenant=tenant_a):
        mine = notification_services.notification_raise(
            tenant=tenant_a, account=account, text="Power user at Account 001 inactive 21 days.", source_key="t:1"
        )
        notification_services.notification_raise(
            tenant=tenant_a, account=None, text="Other", source_key="t:2", recipient=alice
        )
    api = api_as(bob, tenant_a)
    assert ids(api.get(NOTIFICATIONS, {"recipient": "me"})) == [mine.pk]
    assert api.get(f"{NOTIFICATIONS}{mine.pk}/").json()["text"] == "Power user at Account 001 inactive 21 days."
    assert api.post(NOTIFICATIONS, {}).status_code == 405


# --- campaign imports ---------------------------------------------------------------------------------------------


def test_leaders_and_admins_upload_campaign_imports(
    tenant_a, bob, alice, api_as, bobs, django_capture_on_commit_callbacks
):
    _account, contacts = bobs
    data = (
        "account,contact emails,type,channel,scheduled at,subject,external id\n"
        f"ext-1,{contacts[0].email},Educational,Email,2027-01-12T10:00,Webinar invite,hs-1\n"
        "ext-404,,Educational,Email,2027-01-12T10:00,Lost,hs-2\n"
    )

    def upload(api):
        return api.post(IMPORTS, {"file": SimpleUploadedFile("campaigns.csv", data.encode()), "team": "marketing"})

    response = upload(api_as(bob, tenant_a))
    assert response.status_code == 403
    assert "Only a CS leader or an admin imports" in error(response)["message"]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api_as(alice, tenant_a))
    assert response.status_code == 201, response.json()
    detail = api_as(bob, tenant_a).get(f"{IMPORTS}{response.json()['id']}/").json()
    assert detail["status"] == "done" and detail["created_count"] == 1 and detail["rejected_count"] == 1
    assert detail["errors"][0]["line"] == 3
    with scope(tenant=tenant_a):
        imported = CalendarEntry.objects.get(external_ref="hs-1")
        assert imported.source == "campaign_import" and imported.calendar_import_id == detail["id"]
        assert CalendarImport.objects.count() == 1
    response = api_as(alice, tenant_a).post(IMPORTS, {"file": SimpleUploadedFile("x.csv", b"nothing,here\n1,2\n")})
    assert response.status_code == 400
