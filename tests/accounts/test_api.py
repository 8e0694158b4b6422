"""The book of business through the REST API: shapes, filters, permissions, tenant limits and query counts."""

import datetime as dt

import pytest
from django_scopes import scope

from accounts import services
from accounts.models import Account, CustomFieldDefinition, TierChange
from tenancy.models import Role

from ..factories import UserFactory, add_member
from .builders import keep_arr_by_contracts, make_account

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/accounts/"


_account = make_account


def _define(tenant, label, field_type, **kwargs) -> CustomFieldDefinition:
    with scope(tenant=tenant):
        return services.custom_field_define(tenant=tenant, label=label, field_type=field_type, **kwargs)


def _names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


def _fields(response) -> dict:
    return response.json()["error"]["fields"]


def test_account_shape_with_tier_and_economics(tenant_a, tiers, alice, bob, api_as):
    parent = _account(tenant_a, 1, acv=250_000, segment="enterprise")
    _account(tenant_a, 2, acv=20_000, owner=bob, parent=parent, signed_on=dt.date(2025, 3, 1))
    row = api_as(alice, tenant_a).get(ACCOUNTS, {"external_id": "ext-2"}).json()["results"][0]
    assert row["arr"] == row["acv"] == "20000.00"
    assert (row["owner"], row["owner_email"]) == (bob.pk, bob.email)
    assert (row["service_tier"], row["service_tier_name"]) == (tiers["low"].pk, "Low touch")
    assert row["parent"] == parent.pk and row["signed_on"] == "2025-03-01" and row["status"] == "active"
    assert row["tier_override"] == "" and row["tier_override_until"] is None and row["custom_fields"] == {}
    # Low touch: 120,000 / 50 accounts + 600 shared + 200 technology = 3,200 a year, 16% of 20,000.
    assert row["economics"] == {"cost_per_year": "3200.00", "share_pct": "16.0", "flag": "over_serviced"}
    unowned = api_as(alice, tenant_a).get(f"{ACCOUNTS}{parent.pk}/").json()
    assert unowned["owner"] is None and unowned["owner_email"] is None and unowned["economics"]["flag"] is None


def test_each_book_filter_and_sort(tenant_a, tiers, alice, bob, member_of, api_as):
    other = member_of(Role.CSM)
    holding = _account(tenant_a, 1, acv=150_000, segment="enterprise", owner=other, domain="holding.example")
    _account(tenant_a, 2, acv=5_000, segment="smb", owner=bob, parent=holding)
    _account(tenant_a, 3, acv=50_000, owner=bob)
    churned = _account(tenant_a, 4, acv=60_000)
    with scope(tenant=tenant_a):
        services.account_deactivate(account=churned, by=None)
        services.account_set_tier_override(account=Account.objects.get(external_id="ext-3"), kind="strategic", by=None)
    client = api_as(bob, tenant_a)

    def names(**params):
        return _names(client.get(ACCOUNTS, params))

    assert names(q="holding") == ["Account 001"]
    assert names(q="EXT-2") == ["Account 002"]
    assert names(external_id="ext-3") == ["Account 003"]
    assert names(segment="smb") == ["Account 002"]
    assert names(tier=tiers["high"].pk) == ["Account 001"]
    assert names(owner="me") == ["Account 002", "Account 003"]
    assert names(owner=other.pk) == ["Account 001"]
    assert names(owner="none") == ["Account 004"]
    assert len(names(owner="all")) == 4
    assert names(status="churned") == ["Account 004"]
    assert names(strategic="true") == ["Account 003"]
    assert names(parent=holding.pk) == ["Account 002"]
    assert names(sort="-acv") == ["Account 001", "Account 004", "Account 003", "Account 002"]
    invalid = client.get(ACCOUNTS, {"segment": "galactic", "owner": "someone"})
    assert invalid.status_code == 400
    assert set(_fields(invalid)) == {"segment", "owner"}


def test_custom_field_filters(tenant_a, tiers, alice, api_as):
    _define(tenant_a, "Data residency", "choice", choices=["EU", "US"])
    _define(tenant_a, "Onboarding score", "number")
    _define(tenant_a, "Kick-off", "date")
    _account(tenant_a, 1, custom_fields={"data_residency": "eu", "onboarding_score": 72, "kick_off": "2025-01-10"})
    _account(tenant_a, 2, custom_fields={"data_residency": "US", "onboarding_score": "35", "kick_off": "2025-06-01"})
    client = api_as(alice, tenant_a)
    assert _names(client.get(ACCOUNTS, {"cf_data_residency": "EU"})) == ["Account 001"]
    assert _names(client.get(ACCOUNTS, {"cf_onboarding_score_min": 50})) == ["Account 001"]
    assert _names(client.get(ACCOUNTS, {"cf_onboarding_score_max": 50})) == ["Account 002"]
    assert _names(client.get(ACCOUNTS, {"cf_kick_off_from": "2025-03-01"})) == ["Account 002"]
    assert _names(client.get(ACCOUNTS, {"cf_kick_off_to": "2025-03-01"})) == ["Account 001"]
    assert "cf_onboarding_score_min" in _fields(client.get(ACCOUNTS, {"cf_onboarding_score_min": "lots"}))


def test_list_is_paginated(tenant_a, tiers, alice, api_as):
    for n in range(5):
        _account(tenant_a, n)
    page = api_as(alice, tenant_a).get(ACCOUNTS, {"page_size": 2, "page": 2}).json()
    assert page["count"] == 5
    assert [row["name"] for row in page["results"]] == ["Account 002", "Account 003"]
    assert "page=3" in page["next"] and page["previous"]


def test_list_costs_the_same_for_five_or_fifty(tenant_a, tiers, alice, bob, api_as, django_assert_max_num_queries):
    _define(tenant_a, "Plan", "text")
    parent = _account(tenant_a, 0, acv=200_000)
    for n in range(1, 5):
        _account(tenant_a, n, owner=bob, parent=parent, custom_fields={"plan": "gold"})
    client = api_as(alice, tenant_a)
    client.get(ACCOUNTS)  # the token's first use records its last-used time, the policy row is made
    with django_assert_max_num_queries(12) as few:
        assert client.get(ACCOUNTS).json()["count"] == 5
    for n in range(5, 50):
        _account(tenant_a, n, owner=bob, parent=parent, acv=5_000 * n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(ACCOUNTS, {"page_size": 100}).json()["results"]) == 50


def test_create_update_and_validation(tenant_a, tiers, alice, bob, api_as):
    client = api_as(alice, tenant_a)
    created = client.post(
        ACCOUNTS,
        {"external_id": "acme", "name": "Acme", "segment": "enterprise", "acv": "120000", "owner": bob.pk},
        format="json",
    )
    assert created.status_code == 201, created.json()
    account = created.json()
    assert account["service_tier_name"] == "High touch" and account["owner_email"] == bob.email
    duplicate = client.post(ACCOUNTS, {"external_id": "acme", "name": "Again", "segment": "smb"}, format="json")
    assert duplicate.status_code == 400 and "external_id" in _fields(duplicate)
    missing = client.post(ACCOUNTS, {"name": "No id"}, format="json")
    assert set(_fields(missing)) == {"external_id", "segment"}
    changed = client.patch(f"{ACCOUNTS}{account['id']}/", {"industry": "Retail", "seats_purchased": 40}, format="json")
    assert changed.status_code == 200
    assert (changed.json()["industry"], changed.json()["seats_purchased"]) == ("Retail", 40)
    assert client.delete(f"{ACCOUNTS}{account['id']}/").status_code == 405
    assert client.put(f"{ACCOUNTS}{account['id']}/", {}, format="json").status_code == 405


def test_an_arr_kept_by_contracts_is_read_only_and_a_change_is_a_400_naming_arr(tenant_a, tiers, alice, api_as):
    account = keep_arr_by_contracts(tenant_a, _account(tenant_a, 1, acv=40_000), 12_000)
    free = _account(tenant_a, 2, acv=40_000)
    client = api_as(alice, tenant_a)
    url = f"{ACCOUNTS}{account.pk}/"
    assert client.get(url).json()["arr_from_contracts"] is True
    assert client.get(f"{ACCOUNTS}{free.pk}/").json()["arr_from_contracts"] is False
    refused = client.patch(url, {"arr": "15000", "industry": "Retail"}, format="json")
    assert refused.status_code == 400
    assert _fields(refused) == {
        "arr": [
            "This account's ARR is the sum of its active contracts (currently 12,000 EUR); "
            "change it with a contract amendment."
        ]
    }
    same = client.patch(url, {"arr": "12000.00", "industry": "Retail"}, format="json")
    assert same.status_code == 200, same.json()
    assert (same.json()["arr"], same.json()["industry"]) == ("12000.00", "Retail")
    # The flag is renewals' to set: a client cannot clear it to type the ARR after all.
    cleared = client.patch(url, {"arr_from_contracts": False}, format="json")
    assert cleared.status_code == 200 and cleared.json()["arr_from_contracts"] is True
    assert client.patch(url, {"arr_from_contracts": False, "arr": "1"}, format="json").status_code == 400
    moved = client.patch(f"{ACCOUNTS}{free.pk}/", {"arr": "41000"}, format="json")
    assert moved.status_code == 200 and moved.json()["arr"] == "41000.00"


def test_deactivate_and_reactivate(tenant_a, tiers, alice, api_as):
    account = _account(tenant_a, 1)
    client = api_as(alice, tenant_a)
    churned = client.post(f"{ACCOUNTS}{account.pk}/deactivate/").json()
    assert churned["status"] == "churned" and churned["churned_on"] is not None
    active = client.post(f"{ACCOUNTS}{account.pk}/reactivate/").json()
    assert active["status"] == "active" and active["churned_on"] is None


def test_viewer_reads_but_writes_nothing(tenant_a, tiers, member_of, api_as):
    account = _account(tenant_a, 1)
    client = api_as(member_of(Role.VIEWER), tenant_a)
    assert client.get(f"{ACCOUNTS}{account.pk}/").status_code == 200
    assert client.post(ACCOUNTS, {"external_id": "x", "name": "X", "segment": "smb"}, format="json").status_code == 403
    assert client.patch(f"{ACCOUNTS}{account.pk}/", {"name": "Renamed"}, format="json").status_code == 403
    assert client.post(f"{ACCOUNTS}{account.pk}/deactivate/").status_code == 403
    assert client.post(f"{ACCOUNTS}{account.pk}/tier-override/", {"kind": "strategic"}).status_code == 403
    assert client.get("/api/v1/tiers/").status_code == 200


def test_csm_edits_only_their_own_accounts(tenant_a, tiers, bob, member_of, api_as):
    other = member_of(Role.CSM)
    mine, theirs = _account(tenant_a, 1, owner=bob), _account(tenant_a, 2, owner=other)
    client = api_as(bob, tenant_a)
    assert client.patch(f"{ACCOUNTS}{mine.pk}/", {"region": "EMEA"}, format="json").status_code == 200
    denied = client.patch(f"{ACCOUNTS}{theirs.pk}/", {"region": "EMEA"}, format="json")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "permission_denied"
    assert client.post(f"{ACCOUNTS}{theirs.pk}/deactivate/").status_code == 403
    assert client.post(f"{ACCOUNTS}{theirs.pk}/tier-override/", {"kind": "strategic"}).status_code == 403
    created = client.post(ACCOUNTS, {"external_id": "new", "name": "New", "segment": "smb"}, format="json")
    assert created.status_code == 201 and created.json()["owner"] == bob.pk  # theirs, or they could not edit it


def test_csm_cannot_assign_accounts_to_others_but_a_leader_can(tenant_a, tiers, bob, member_of, api_as):
    other, leader = member_of(Role.CSM), member_of(Role.LEADER)
    mine = _account(tenant_a, 1, owner=bob)
    client = api_as(bob, tenant_a)
    handed = client.patch(f"{ACCOUNTS}{mine.pk}/", {"owner": other.pk}, format="json")
    assert handed.status_code == 403
    assert "ask a CS leader" in handed.json()["error"]["message"]
    created = client.post(ACCOUNTS, {"external_id": "n", "name": "N", "segment": "smb", "owner": other.pk})
    assert created.status_code == 403
    with scope(tenant=tenant_a):
        assert Account.objects.get(pk=mine.pk).owner_id == bob.pk
        assert not Account.objects.filter(external_id="n").exists()
    moved = api_as(leader, tenant_a).patch(f"{ACCOUNTS}{mine.pk}/", {"owner": other.pk}, format="json")
    assert moved.status_code == 200 and moved.json()["owner"] == other.pk


def test_related_ids_of_another_tenant_are_unknown(tenant_a, tenant_b, tiers, alice, charlie, api_as):
    account = _account(tenant_a, 1)
    with scope(tenant=tenant_b):
        b_tiers = services.tiers_create_defaults(tenant=tenant_b)
        b_account = services.account_create(tenant=tenant_b, by=None, external_id="b", name="B", segment="smb")
    client = api_as(alice, tenant_a)
    url = f"{ACCOUNTS}{account.pk}/"
    for field, foreign_id in (("owner", charlie.pk), ("parent", b_account.pk)):
        response = client.patch(url, {field: foreign_id}, format="json")
        assert response.status_code == 400
        assert _fields(response)[field] == [f'Invalid pk "{foreign_id}" - object does not exist.']
    override = client.post(f"{url}tier-override/", {"kind": "manual", "tier": b_tiers[0].pk}, format="json")
    assert _fields(override)["tier"] == [f'Invalid pk "{b_tiers[0].pk}" - object does not exist.']
    contact = client.post("/api/v1/contacts/", {"account": b_account.pk, "name": "Spy"}, format="json")
    assert contact.status_code == 400 and "account" in _fields(contact)
    outsider = UserFactory()  # a user of no tenant at all is no owner either
    assert client.patch(url, {"owner": outsider.pk}, format="json").status_code == 400


def test_custom_fields_validated_by_the_service(tenant_a, tiers, alice, api_as):
    _define(tenant_a, "Onboarding score", "number")
    _define(tenant_a, "Data residency", "choice", choices=["EU", "US"])
    account = _account(tenant_a, 1, custom_fields={"onboarding_score": 10})
    client = api_as(alice, tenant_a)
    url = f"{ACCOUNTS}{account.pk}/"
    wrong = client.patch(url, {"custom_fields": {"onboarding_score": "lots", "nope": 1}}, format="json")
    assert wrong.status_code == 400
    assert set(_fields(wrong)) == {"custom_fields.onboarding_score", "custom_fields.nope"}
    assert wrong.json()["error"]["message"].startswith("custom_fields.onboarding_score: ")
    merged = client.patch(url, {"custom_fields": {"data_residency": "eu"}}, format="json").json()
    assert merged["custom_fields"] == {"onboarding_score": 10, "data_residency": "EU"}
    removed = client.patch(url, {"custom_fields": {"onboarding_score": None}}, format="json").json()
    assert removed["custom_fields"] == {"data_residency": "EU"}


def test_acv_changes_move_the_tier_and_show_in_history(tenant_a, tiers, alice, api_as):
    account = _account(tenant_a, 1, acv=40_000)
    client = api_as(alice, tenant_a)
    url = f"{ACCOUNTS}{account.pk}/"
    assert client.patch(url, {"acv": "150000.00"}, format="json").json()["service_tier_name"] == "High touch"
    assert client.patch(url, {"acv": "5000"}, format="json").json()["service_tier_name"] == "Tech touch"
    history = client.get(f"{url}tier-history/").json()
    assert [(c["reason"], c["to_tier_name"]) for c in history["results"]] == [
        ("contraction", "Tech touch"),
        ("acv_rule", "High touch"),
        ("initial", "Low touch"),
    ]
    latest = history["results"][0]
    assert (latest["from_tier_name"], latest["acv"], latest["actor_email"]) == ("High touch", "5000.00", alice.email)
    assert client.get(f"{url}tier-history/", {"page_size": 1}).json()["count"] == 3
    everywhere = client.get("/api/v1/tier-history/", {"account": account.pk, "reason": "acv_rule"}).json()
    assert [c["to_tier_name"] for c in everywhere["results"]] == ["High touch"]
    other = _account(tenant_a, 2)
    assert client.get("/api/v1/tier-history/", {"account": other.pk}).json()["count"] == 1


def test_tier_overrides(tenant_a, tiers, bob, api_as):
    account = _account(tenant_a, 1, acv=40_000, owner=bob)
    client = api_as(bob, tenant_a)
    url = f"{ACCOUNTS}{account.pk}/tier-override/"
    held = client.post(url, {"kind": "manual", "tier": tiers["high"].pk, "note": "Board asked"}, format="json")
    assert held.status_code == 200, held.json()
    assert (held.json()["tier_override"], held.json()["service_tier_name"]) == ("manual", "High touch")
    # An override holds the tier whatever the ACV says.
    assert client.patch(f"{ACCOUNTS}{account.pk}/", {"acv": "1000"}, format="json").json()["service_tier"] == (
        tiers["high"].pk
    )
    assert client.delete(url).json()["service_tier_name"] == "Tech touch"
    assert client.delete(url).status_code == 200  # nothing to remove, nothing recorded
    with scope(tenant=tenant_a):
        reasons = list(TierChange.objects.filter(account=account).values_list("reason", flat=True))
    assert reasons == ["override_removed", "manual", "initial"]
    past = client.post(url, {"kind": "at_risk_upgrade", "until": "2000-01-01"}, format="json")
    assert past.status_code == 400 and "until" in _fields(past)
    assert "tier" in _fields(client.post(url, {"kind": "manual"}, format="json"))
    assert "kind" in _fields(client.post(url, {"kind": "whim"}, format="json"))
    strategic = client.post(url, {"kind": "strategic"}, format="json").json()
    assert strategic["is_strategic"] and strategic["tier_override"] == "strategic"


def test_contacts_roles_filters_and_deactivation(tenant_a, tiers, alice, api_as):
    acme, globex = _account(tenant_a, 1), _account(tenant_a, 2)
    client = api_as(alice, tenant_a)
    made = client.post(
        "/api/v1/contacts/",
        {"account": acme.pk, "name": "Jane Roe", "email": "Jane@Acme.example", "roles": ["power_user", "champion"]},
        format="json",
    )
    assert made.status_code == 201, made.json()
    jane = made.json()
    assert jane["roles"] == ["champion", "power_user"] and jane["email"] == "jane@acme.example"
    assert jane["account_external_id"] == "ext-1"
    client.post(
        "/api/v1/contacts/",
        {"account": globex.pk, "name": "Joe Bloggs", "external_id": "u-9", "roles": ["executive_sponsor"]},
        format="json",
    )

    def names(**params):
        return _names(client.get("/api/v1/contacts/", params))

    assert names(account=acme.pk) == ["Jane Roe"]
    assert names(account_external_id="ext-2") == ["Joe Bloggs"]
    assert names(external_id="u-9") == ["Joe Bloggs"]
    assert names(email="JANE@acme.example") == ["Jane Roe"]
    assert names(role="champion") == ["Jane Roe"] and names(role="power_user") == ["Jane Roe"]
    assert names(q="bloggs") == ["Joe Bloggs"] and names(q="acme.example") == ["Jane Roe"]
    off = client.patch(f"/api/v1/contacts/{jane['id']}/", {"is_active": False, "roles": []}, format="json").json()
    assert off["is_active"] is False and off["roles"] == []
    assert names(is_active="false") == ["Jane Roe"] and names(is_active="true") == ["Joe Bloggs"]
    bad = client.post("/api/v1/contacts/", {"account": acme.pk, "name": "X", "roles": ["boss"]}, format="json")
    assert bad.status_code == 400 and "roles" in _fields(bad)
    assert client.delete(f"/api/v1/contacts/{jane['id']}/").status_code == 405


def test_csm_manages_contacts_of_their_own_accounts_only(tenant_a, tiers, bob, member_of, api_as):
    mine, theirs = _account(tenant_a, 1, owner=bob), _account(tenant_a, 2, owner=member_of(Role.CSM))
    with scope(tenant=tenant_a):
        their_contact = services.contact_create(tenant=tenant_a, account=theirs, name="Theirs")
    client = api_as(bob, tenant_a)
    assert client.post("/api/v1/contacts/", {"account": mine.pk, "name": "Ok"}, format="json").status_code == 201
    assert client.post("/api/v1/contacts/", {"account": theirs.pk, "name": "No"}, format="json").status_code == 403
    url = f"/api/v1/contacts/{their_contact.pk}/"
    assert client.patch(url, {"title": "CTO"}, format="json").status_code == 403
    own = client.get("/api/v1/contacts/", {"account": mine.pk}).json()["results"][0]
    moved = client.patch(f"/api/v1/contacts/{own['id']}/", {"account": theirs.pk}, format="json")
    assert moved.status_code == 403


def test_tiers_with_economics_and_admin_only_writes(tenant_a, tiers, alice, bob, api_as):
    _account(tenant_a, 1, acv=20_000)
    _account(tenant_a, 2, acv=50_000)
    listed = {t["name"]: t for t in api_as(bob, tenant_a).get("/api/v1/tiers/").json()["results"]}
    low = listed["Low touch"]
    assert (low["cost_per_customer"], low["accounts"], low["acv"]) == ("3200.00", 2, "70000.00")
    assert (low["over_serviced"], low["under_invested"]) == (1, 0)
    assert listed["High touch"]["accounts"] == 0
    assert api_as(bob, tenant_a).post("/api/v1/tiers/", {"name": "Pooled"}, format="json").status_code == 403
    admin = api_as(alice, tenant_a)
    changed = admin.patch(f"/api/v1/tiers/{tiers['high'].pk}/", {"acv_min": "30000"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["accounts_moved"] == 1 and changed.json()["accounts"] == 1
    created = admin.post(
        "/api/v1/tiers/",
        {
            "name": "Pooled",
            "touch_model": "tech_touch",
            "rank": 4,
            "check_in_cadence": "monthly",
            "qbr_cadence": "none",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["accounts_moved"] == 2  # no upper bound from 0: every rule-following account moves up
    clash = admin.post("/api/v1/tiers/", {**created.json(), "name": "Other"}, format="json")
    assert clash.status_code == 400 and "rank" in _fields(clash)


def test_custom_field_definitions_admin_only(tenant_a, tiers, alice, bob, api_as):
    admin, csm = api_as(alice, tenant_a), api_as(bob, tenant_a)
    assert csm.post("/api/v1/custom-fields/", {"label": "Plan", "field_type": "text"}).status_code == 403
    made = admin.post("/api/v1/custom-fields/", {"label": "Data residency", "field_type": "choice", "choices": ["EU"]})
    assert made.status_code == 201, made.json()
    field = made.json()
    assert field["key"] == "data_residency"
    assert csm.get("/api/v1/custom-fields/").json()["count"] == 1
    url = f"/api/v1/custom-fields/{field['id']}/"
    assert csm.patch(url, {"label": "X"}, format="json").status_code == 403
    no_choices = admin.patch(url, {"choices": []}, format="json")
    assert no_choices.status_code == 400 and "choices" in _fields(no_choices)
    assert admin.patch(url, {"choices": ["EU", "US"]}, format="json").json()["choices"] == ["EU", "US"]
    account = _account(tenant_a, 1, custom_fields={"data_residency": "US"})
    assert csm.delete(url).status_code == 403
    assert admin.delete(url).status_code == 204
    with scope(tenant=tenant_a):
        assert Account.objects.get(pk=account.pk).custom_fields == {}


def test_schema_documents_the_book_filters(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/accounts/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "external_id", "segment", "tier", "owner", "status", "strategic", "parent", "sort"} <= names
    assert "cf_<key>_min" in operation["description"]
    assert "/api/v1/accounts/{account_id}/tier-override/" in schema["paths"]


def test_members_of_another_tenant_cannot_reach_tenant_a(tenant_a, tenant_b, tiers, charlie, api_as):
    account = _account(tenant_a, 1)
    add_member(tenant_b, UserFactory(), Role.CSM)
    client = api_as(charlie, tenant_b)
    assert client.get(ACCOUNTS).json()["count"] == 0
    assert client.get(f"{ACCOUNTS}{account.pk}/tier-history/").status_code == 404
    assert client.delete(f"{ACCOUNTS}{account.pk}/tier-override/").status_code == 404
