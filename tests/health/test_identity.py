"""group, identify and alias through `ingest`: accounts and contacts made and kept current, and events
attributed as soon as a call links them, never before and never to the wrong account."""

from decimal import Decimal

import pytest
from django_scopes import scope

from accounts import services as account_services
from accounts.models import Account, Contact
from health.ingestion.services import ingest
from health.services import usage as services

from .builders import contact, errors, raw_events, rollups, track, tracked_account

pytestmark = pytest.mark.django_db


def _account(tenant, external_id: str) -> Account:
    with scope(tenant=tenant):
        return Account.objects.get(tenant=tenant, external_id=external_id)


def _contact(tenant, external_id: str) -> Contact | None:
    with scope(tenant=tenant):
        return Contact.objects.filter(tenant=tenant, external_id=external_id).first()


def test_group_creates_the_account_from_traits_and_links_the_person(tenant_a):
    with scope(tenant=tenant_a):
        account_services.custom_field_define(
            tenant=tenant_a, label="Plan", key="plan", field_type="choice", choices=["Gold", "Silver"]
        )
    traits = {
        "name": "Acme GmbH",
        "website": "https://acme.example/en",
        "employees": "250",
        "plan": "gold",
        "segment": "Mid-market",
        "arr": "120,000",
    }
    result = ingest(tenant=tenant_a, calls=[{"type": "group", "userId": "u1", "groupId": "acme", "traits": traits}])
    assert (result.stored, result.rejected) == (1, [])
    acme = _account(tenant_a, "acme")
    assert (acme.name, acme.domain, acme.seats_purchased) == ("Acme GmbH", "acme.example", 250)
    assert acme.segment == "mid_market"
    assert (str(acme.arr), acme.custom_fields) == ("120000.00", {"plan": "Gold"})
    person = _contact(tenant_a, "u1")
    assert person.account_id == acme.pk and person.name == "u1"
    assert errors(tenant_a) == []


def test_a_bad_trait_is_noted_and_the_link_still_made(tenant_a):
    existing = tracked_account(tenant_a, "acme", seats_purchased=10)
    traits = {"employees": "lots", "industry": "Retail"}
    calls = [{"type": "group", "userId": "u1", "groupId": "acme", "traits": traits}]
    ingest(tenant=tenant_a, calls=calls)
    with scope(tenant=tenant_a):
        existing.refresh_from_db()
    assert (existing.seats_purchased, existing.industry) == (10, "Retail")
    assert _contact(tenant_a, "u1").account_id == existing.pk
    [note] = errors(tenant_a)
    assert note.reason == "Trait 'employees' ('lots'): 'lots' is not a number." and note.kind == "group"


def test_a_trait_problem_names_the_call_that_sent_the_trait(tenant_a):
    """Two group calls for one account, and two identify calls for one person, in one batch: their traits
    are merged, but a bad trait's note carries the messageId of the call that sent it, not of the last."""
    acme = tracked_account(tenant_a, "acme")
    contact(tenant_a, acme, "u1")
    calls = [
        {"type": "group", "userId": "u1", "groupId": "acme", "messageId": "g-bad", "traits": {"employees": "many"}},
        {"type": "group", "userId": "u1", "groupId": "acme", "messageId": "g-good", "traits": {"industry": "Retail"}},
        {"type": "identify", "userId": "u1", "messageId": "i-bad", "traits": {"email": "not an address"}},
        {"type": "identify", "userId": "u1", "messageId": "i-good", "traits": {"title": "CFO"}},
    ]
    result = ingest(tenant=tenant_a, calls=calls)
    assert (result.stored, result.rejected) == (4, [])
    notes = {e.message_id: e.reason for e in errors(tenant_a)}
    assert sorted(notes) == ["g-bad", "i-bad"]
    assert notes["g-bad"].startswith("Trait 'employees' ('many')")
    assert notes["i-bad"] == "Trait 'email' ('not an address') is not an email address."
    assert _account(tenant_a, "acme").industry == "Retail"
    assert _contact(tenant_a, "u1").title == "CFO"


def test_an_arr_trait_does_not_overrule_the_contracts_and_the_other_traits_apply(tenant_a):
    existing = tracked_account(tenant_a, "acme", seats_purchased=10)
    with scope(tenant=tenant_a):
        # What renewals does once the account has contracts.
        account_services.account_update(account=existing, by=None, arr=Decimal(50_000), arr_from_contracts=True)
    calls = [{"type": "group", "userId": "u1", "groupId": "acme", "traits": {"arr": "90000", "industry": "Retail"}}]
    ingest(tenant=tenant_a, calls=calls)
    acme = _account(tenant_a, "acme")
    assert (acme.arr, acme.industry) == (Decimal(50_000), "Retail")
    [note] = errors(tenant_a)
    assert "arr trait is ignored, its ARR comes from its contracts" in note.reason


def test_unknown_groups_are_not_created_when_the_tenant_says_so(tenant_a):
    with scope(tenant=tenant_a):
        services.ingestion_settings_update(
            tenant=tenant_a, group_traits={"company": "name"}, create_unknown_accounts=False, raw_retention_days=30
        )
    ingest(tenant=tenant_a, calls=[{"type": "group", "userId": "u1", "groupId": "acme", "traits": {"company": "A"}}])
    with scope(tenant=tenant_a):
        assert not Account.objects.filter(tenant=tenant_a).exists()
    assert "do not create accounts" in errors(tenant_a)[0].reason
    # The tenant's own mapping applies to accounts that exist.
    known = tracked_account(tenant_a, "known")
    ingest(tenant=tenant_a, calls=[{"type": "group", "userId": "u1", "groupId": "known", "traits": {"company": "K"}}])
    assert _account(tenant_a, "known").name == "K" and _contact(tenant_a, "u1").account_id == known.pk


def test_identify_keeps_a_known_contact_current(tenant_a):
    acme = tracked_account(tenant_a, "acme")
    contact(tenant_a, acme, "u1", name="J", email="old@acme.example")
    traits = {"firstName": "Jane", "lastName": "Roe", "email": "jane@acme.example", "title": "VP"}
    traits["roles"] = ["champion"]
    ingest(tenant=tenant_a, calls=[{"type": "identify", "userId": "u1", "traits": traits}])
    person = _contact(tenant_a, "u1")
    assert (person.name, person.email) == ("Jane Roe", "jane@acme.example")
    assert (person.title, person.roles) == ("VP", "champion")
    # RudderStack sends traits in context.traits; an unknown role is skipped and noted, the rest applies.
    call = {"type": "identify", "userId": "u1", "context": {"traits": {"role": "wizard", "title": "CEO"}}}
    ingest(tenant=tenant_a, calls=[call])
    person = _contact(tenant_a, "u1")
    assert (person.title, person.roles) == ("CEO", "champion")
    assert errors(tenant_a)[0].reason.startswith("Trait 'roles' ('wizard'): Unknown role wizard")


def test_new_person_waits_for_a_group_call_then_everything_counts(tenant_a):
    first = ingest(
        tenant=tenant_a,
        calls=[
            {"type": "identify", "userId": "u1", "traits": {"name": "Jane Roe", "email": "jane@acme.example"}},
            track("u1", timestamp="2026-03-01T09:00:00Z"),
            track("u1", event="Logged In", timestamp="2026-03-02T09:00:00Z"),
        ],
    )
    assert first.stored == 3
    assert _contact(tenant_a, "u1") is None
    assert all(e.account_id is None for e in raw_events(tenant_a)) and rollups(tenant_a) == []
    ingest(tenant=tenant_a, calls=[{"type": "group", "userId": "u1", "groupId": "acme", "traits": {"name": "Acme"}}])
    acme, person = _account(tenant_a, "acme"), _contact(tenant_a, "u1")
    # The contact carries what the earlier identify said.
    assert (person.name, person.email, person.account_id) == ("Jane Roe", "jane@acme.example", acme.pk)
    assert all((e.account_id, e.contact_id) == (acme.pk, person.pk) for e in raw_events(tenant_a))
    assert [(r[2], str(r[3]), r[4]) for r in rollups(tenant_a)] == [
        ("Logged In", "2026-03-02", 1),
        ("Report Created", "2026-03-01", 1),
    ]


def test_context_group_id_links_a_new_person_to_a_known_account(tenant_a):
    acme = tracked_account(tenant_a, "acme")
    ingest(tenant=tenant_a, calls=[track("u7", context={"groupId": "acme"})])
    person = _contact(tenant_a, "u7")
    assert person.account_id == acme.pk
    assert rollups(tenant_a)[0][:2] == (acme.pk, person.pk)


def test_unknown_context_group_waits_for_its_account(tenant_a):
    acme = tracked_account(tenant_a, "acme")
    contact(tenant_a, acme, "u1")
    ingest(tenant=tenant_a, calls=[track("u1", context={"groupId": "beta"})])
    # Not guessed from the person's account: the event said it was for beta.
    [waiting] = raw_events(tenant_a)
    assert waiting.account_id is None and rollups(tenant_a) == []
    ingest(tenant=tenant_a, calls=[{"type": "group", "anonymousId": "a1", "groupId": "beta"}])
    beta = _account(tenant_a, "beta")
    [attributed] = raw_events(tenant_a, kind="track")
    assert (attributed.account_id, attributed.contact_id) == (beta.pk, _contact(tenant_a, "u1").pk)
    assert [r[4] for r in rollups(tenant_a)] == [1]


@pytest.mark.parametrize("link", ["identify", "alias"])
def test_anonymous_events_count_once_linked(tenant_a, link):
    acme = tracked_account(tenant_a, "acme")
    person = contact(tenant_a, acme, "u1")
    ingest(
        tenant=tenant_a,
        calls=[track(None, event="Pricing Viewed", anonymousId="anon-1"), track(None, anonymousId="anon-1")],
    )
    assert all(e.account_id is None and e.anonymous_id == "anon-1" for e in raw_events(tenant_a))
    linking = (
        {"type": "identify", "userId": "u1", "anonymousId": "anon-1"}
        if link == "identify"
        else {"type": "alias", "previousId": "anon-1", "userId": "u1"}
    )
    ingest(tenant=tenant_a, calls=[linking, track(None, event="Logged In", anonymousId="anon-1")])
    usage = raw_events(tenant_a, kind="track")
    assert all((e.account_id, e.contact_id) == (acme.pk, person.pk) for e in usage)
    assert sorted((r[2], r[4]) for r in rollups(tenant_a)) == [
        ("Logged In", 1),
        ("Pricing Viewed", 1),
        ("Report Created", 1),
    ]
    # Linking again changes nothing.
    ingest(tenant=tenant_a, calls=[{**linking, "messageId": "again"}])
    assert sum(r[4] for r in rollups(tenant_a)) == 3


def test_anonymous_person_linked_before_they_have_a_contact(tenant_a):
    ingest(
        tenant=tenant_a,
        calls=[
            track(None, anonymousId="anon-9"),
            {"type": "identify", "userId": "u9", "anonymousId": "anon-9", "traits": {"name": "Sam"}},
        ],
    )
    assert rollups(tenant_a) == []
    ingest(tenant=tenant_a, calls=[{"type": "group", "userId": "u9", "groupId": "acme"}])
    person = _contact(tenant_a, "u9")
    assert person.name == "Sam"
    [event] = raw_events(tenant_a, kind="track")
    assert event.contact_id == person.pk and [r[4] for r in rollups(tenant_a)] == [1]


def test_identify_group_and_alias_are_kept_but_never_roll_up(tenant_a):
    tracked_account(tenant_a, "acme")
    calls = [
        {"type": "group", "userId": "u1", "groupId": "acme"},
        {"type": "identify", "userId": "u1", "traits": {"name": "Jane"}},
        {"type": "alias", "previousId": "a1", "userId": "u1"},
    ]
    assert ingest(tenant=tenant_a, calls=calls).stored == 3
    assert rollups(tenant_a) == []
    assert sorted(e.kind for e in raw_events(tenant_a)) == ["alias", "group", "identify"]


def test_usage_moves_the_contacts_last_seen_forward_only(tenant_a):
    acme = tracked_account(tenant_a, "acme-1")
    jane = contact(tenant_a, acme, "u1")
    ingest(
        tenant=tenant_a,
        calls=[
            track("u1", timestamp="2026-11-20T09:00:00Z"),
            track("u1", timestamp="2026-11-21T17:30:00Z"),
        ],
    )
    jane.refresh_from_db()
    assert jane.last_seen_at.isoformat() == "2026-11-21T17:30:00+00:00"
    # An older event arriving late does not move it back.
    ingest(tenant=tenant_a, calls=[track("u1", timestamp="2026-11-01T08:00:00Z")])
    jane.refresh_from_db()
    assert jane.last_seen_at.isoformat() == "2026-11-21T17:30:00+00:00"
