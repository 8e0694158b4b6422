"""The renewals API: contracts, amendments, renewals and their actions, checkpoints, forecast changes, the
expansion pipeline, settings and metrics. The same services and rules as the pages, the house error format,
role and ownership checks, ids limited to the caller's tenant, and lists whose cost does not grow with length."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from renewals import services
from renewals.models import ContractAmendment, OutcomeReason
from tenancy.models import Role

from .builders import checkpoints_of, contract_for, make_account, reload_contract, renewal_of, today_of

pytestmark = pytest.mark.django_db

CONTRACTS = "/api/v1/contracts/"
AMENDMENTS = "/api/v1/contract-amendments/"
RENEWALS = "/api/v1/renewals/"
CHECKPOINTS = "/api/v1/renewal-checkpoints/"
CHANGES = "/api/v1/forecast-changes/"
OPPORTUNITIES = "/api/v1/expansion-opportunities/"
STEPS = "/api/v1/runway-steps/"
REASONS = "/api/v1/outcome-reasons/"
SETTINGS = "/api/v1/renewal-settings/"
METRICS = "/api/v1/renewal-metrics/"


def error_fields(response) -> dict:
    return response.json()["error"]["fields"]


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return sorted(row["id"] for row in response.json()["results"])


def reason_for(tenant, applies_to: str) -> OutcomeReason:
    with scope(tenant=tenant):
        return services.outcome_reasons(tenant=tenant, applies_to=applies_to)[0]


@pytest.fixture
def bobs(tenant_a, bob):
    """A mid-market account of bob's with a contract ending in 100 days."""
    account = make_account(tenant_a, 1, owner=bob)
    return account, contract_for(tenant_a, account, days_to_end=100, seats=20)


@pytest.fixture
def alices(tenant_a, alice):
    account = make_account(tenant_a, 2, owner=alice, segment="enterprise")
    return account, contract_for(tenant_a, account, days_to_end=200, arr=120_000)


@pytest.fixture
def viewer(member_of):
    return member_of(Role.VIEWER)


@pytest.fixture
def charlies(tenant_b, charlie):
    """Tenant B's account and contract: their ids in a tenant A payload must read as unknown."""
    account = make_account(tenant_b, 9, owner=charlie)
    return account, contract_for(tenant_b, account, days_to_end=100)


# --- contracts ---------------------------------------------------------------------------------------------------


def test_a_csm_creates_contracts_on_own_accounts_and_each_opens_its_renewal(
    tenant_a, bob, api_as, viewer, bobs, alices, charlies
):
    api = api_as(bob, tenant_a)
    today = today_of(tenant_a)
    payload = {"account": bobs[0].pk, "start_on": str(today), "arr": "24000.00", "seats": 12, "reference": "C-7"}
    created = api.post(CONTRACTS, payload)
    assert created.status_code == 201, created.json()
    body = created.json()
    end_on = dt.date(today.year + 1, today.month, today.day) - dt.timedelta(days=1)
    assert (body["end_on"], body["term_months"], body["current_arr"], body["seats"]) == (
        str(end_on),
        12,
        "24000.00",
        12,
    )
    assert body["notice_on"] == str(end_on - dt.timedelta(days=30))
    assert (body["auto_renew"], body["status"], body["owner"]) == (False, "active", bob.pk)
    renewal = api.get(f"{RENEWALS}{body['renewal']}/").json()
    assert (renewal["contract"], renewal["due_on"], renewal["arr"]) == (body["id"], str(end_on), "24000.00")

    assert api.post(CONTRACTS, {**payload, "account": alices[0].pk}).status_code == 403
    assert api_as(viewer, tenant_a).post(CONTRACTS, payload).status_code == 403
    foreign = api.post(CONTRACTS, {**payload, "account": charlies[0].pk})
    assert foreign.status_code == 400
    assert "does not exist" in error_fields(foreign)["account"][0]
    backwards = api.post(CONTRACTS, {**payload, "end_on": str(today - dt.timedelta(days=1))})
    assert backwards.status_code == 400
    assert "before it starts" in error_fields(backwards)["end_on"][0]


def test_contracts_list_and_filter(tenant_a, bob, api_as, bobs, alices):
    smb = make_account(tenant_a, 3, segment="product_led", owner=bob)
    auto = contract_for(tenant_a, smb, days_to_end=20)
    api = api_as(bob, tenant_a)
    bob_contract, alice_contract = bobs[1], alices[1]
    today = today_of(tenant_a)

    assert ids(api.get(CONTRACTS)) == sorted([bob_contract.pk, alice_contract.pk, auto.pk])
    assert ids(api.get(CONTRACTS, {"account": alices[0].pk})) == [alice_contract.pk]
    assert ids(api.get(CONTRACTS, {"auto_renew": "true"})) == [auto.pk]
    assert ids(
        api.get(CONTRACTS, {"status": "active", "ending_before": str(today + dt.timedelta(days=100))})
    ) == sorted([bob_contract.pk, auto.pk])
    assert ids(api.get(CONTRACTS, {"ending_after": str(today + dt.timedelta(days=101))})) == [alice_contract.pk]
    assert ids(api.get(CONTRACTS, {"status": "ended"})) == []


def test_a_contract_changes_in_place_and_takes_notice_only_until_its_notice_date(tenant_a, bob, api_as, bobs, alices):
    api = api_as(bob, tenant_a)
    contract = bobs[1]
    changed = api.patch(f"{CONTRACTS}{contract.pk}/", {"reference": " PO-99 ", "notice_days": 60, "auto_renew": True})
    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert (body["reference"], body["notice_days"], body["auto_renew"]) == ("PO-99", 60, True)
    assert body["notice_on"] == str(contract.end_on - dt.timedelta(days=60))
    assert api.patch(f"{CONTRACTS}{alices[1].pk}/", {"reference": "Mine"}).status_code == 403

    # 100 days to the end, 60 days' notice: the notice date is 40 days away, so notice tomorrow + 45 is too late.
    late = api.post(f"{CONTRACTS}{contract.pk}/cancel/", {"cancelled_on": str(contract.end_on - dt.timedelta(days=10))})
    assert late.status_code == 400
    assert "renews itself" in error_fields(late)["cancelled_on"][0]
    assert reload_contract(tenant_a, contract).cancelled_on is None

    cancelled = api.post(f"{CONTRACTS}{contract.pk}/cancel/", {"note": "Moving to a competitor"})
    assert cancelled.status_code == 200, cancelled.json()
    assert (cancelled.json()["cancelled_on"], cancelled.json()["cancellation_note"]) == (
        str(today_of(tenant_a)),
        "Moving to a competitor",
    )
    renewal = api.get(f"{RENEWALS}{cancelled.json()['renewal']}/").json()
    assert renewal["forecast"] == "at_risk"
    assert any(reason.startswith("Customer gave notice on") for reason in renewal["suggestion_reasons"])
    assert api.post(f"{CONTRACTS}{alices[1].pk}/cancel/", {}).status_code == 403
    assert api.delete(f"{CONTRACTS}{contract.pk}/").status_code == 405


# --- amendments --------------------------------------------------------------------------------------------------


def test_amendments_move_the_contracts_arr_through_the_service(tenant_a, bob, api_as, viewer, bobs, alices, charlies):
    api = api_as(bob, tenant_a)
    contract = bobs[1]
    payload = {"contract": contract.pk, "kind": "seats_added", "effective_on": str(today_of(tenant_a))}
    added = api.post(AMENDMENTS, {**payload, "arr_change": "5000.00", "seats_change": 5, "note": "Support team"})
    assert added.status_code == 201, added.json()
    assert (added.json()["account"], added.json()["arr_change"], added.json()["kind"]) == (
        bobs[0].pk,
        "5000.00",
        "seats_added",
    )
    after = api.get(f"{CONTRACTS}{contract.pk}/").json()
    assert (after["arr"], after["current_arr"], after["current_seats"]) == ("50000.00", "55000.00", 25)

    wrong_sign = api.post(AMENDMENTS, {**payload, "kind": "seats_removed", "arr_change": "1000"})
    assert wrong_sign.status_code == 400
    assert "negative amount" in error_fields(wrong_sign)["arr_change"][0]
    assert api.post(AMENDMENTS, {**payload, "contract": alices[1].pk, "arr_change": "10"}).status_code == 403
    assert api_as(viewer, tenant_a).post(AMENDMENTS, {**payload, "arr_change": "10"}).status_code == 403
    foreign = api.post(AMENDMENTS, {**payload, "contract": charlies[1].pk, "arr_change": "10"})
    assert foreign.status_code == 400 and "contract" in error_fields(foreign)

    with scope(tenant=tenant_a):
        services.contract_amend(
            contract=alices[1], kind="upgrade", effective_on=today_of(tenant_a), arr_change=Decimal(1), by=None
        )
    assert ids(api.get(AMENDMENTS, {"contract": contract.pk})) == [added.json()["id"]]
    assert len(ids(api.get(AMENDMENTS, {"account": alices[0].pk}))) == 1
    assert api.patch(f"{AMENDMENTS}{added.json()['id']}/", {"note": "x"}).status_code == 405


# --- renewals ----------------------------------------------------------------------------------------------------


def test_renewals_list_filter_and_show_their_runway(tenant_a, bob, alice, api_as, bobs, alices):
    late_account = make_account(tenant_a, 3, segment="smb", owner=bob)
    late = contract_for(tenant_a, late_account, days_to_end=45, known_days_before_end=45)
    api = api_as(bob, tenant_a)
    bob_renewal, alice_renewal, late_renewal = (renewal_of(tenant_a, c) for c in (bobs[1], alices[1], late))
    today = today_of(tenant_a)

    assert ids(api.get(RENEWALS)) == sorted([bob_renewal.pk, alice_renewal.pk, late_renewal.pk])
    assert ids(api.get(RENEWALS, {"owner": "me"})) == sorted([bob_renewal.pk, late_renewal.pk])
    assert ids(api.get(RENEWALS, {"owner": str(alice.pk)})) == [alice_renewal.pk]
    assert api.get(RENEWALS, {"owner": "someone"}).status_code == 400
    assert ids(api.get(RENEWALS, {"segment": "enterprise"})) == [alice_renewal.pk]
    assert ids(api.get(RENEWALS, {"due_before": str(today + dt.timedelta(days=100))})) == sorted(
        [bob_renewal.pk, late_renewal.pk]
    )
    assert ids(api.get(RENEWALS, {"due_after": str(today + dt.timedelta(days=46))})) == sorted(
        [bob_renewal.pk, alice_renewal.pk]
    )
    assert ids(api.get(RENEWALS, {"status": "open", "forecast": "best_case", "needs_review": "false"})) == sorted(
        [bob_renewal.pk, alice_renewal.pk, late_renewal.pk]
    )

    row = next(r for r in api.get(RENEWALS).json()["results"] if r["id"] == late_renewal.pk)
    assert (row["is_late_start"], row["runway_started_on"], row["runway_days"], row["days_left"]) == (
        True,
        str(today),
        60,
        45,
    )
    assert (row["segment"], row["owner"], row["forecast"], row["suggested_forecast"]) == (
        "smb",
        bob.pk,
        "best_case",
        "best_case",
    )
    assert row["suggestion_reasons"] == ["No health score yet."]
    # SMB's T-60 step fell before the runway started: compressed to a date still ahead, not in the past.
    first = checkpoints_of(tenant_a, late_renewal)[0]
    assert row["next_checkpoint"]["id"] == first.pk and first.due_on >= today
    detail = api.get(f"{RENEWALS}{late_renewal.pk}/").json()
    assert [c["days_before"] for c in detail["checkpoints"]] == [60, 30]
    assert detail["checkpoints"][0]["is_compressed"] is True


def test_an_override_needs_a_reason_is_kept_and_late_disagreement_is_flagged(
    tenant_a, bob, alice, api_as, viewer, bobs, alices
):
    # Known 40 days before its end: the runway is compressed, nothing overdue, the data says best case.
    near = contract_for(tenant_a, bobs[0], days_to_end=40, known_days_before_end=40)
    renewal = renewal_of(tenant_a, near)
    api = api_as(bob, tenant_a)
    url = f"{RENEWALS}{renewal.pk}/forecast/"

    refused = api.post(url, {"category": "commit", "reason": " "})
    assert refused.status_code == 400
    assert error_fields(refused)["reason"][0] == "Say why the forecast is commit when the data says best case."
    assert api.post(url, {"reason": "Sure"}).status_code == 400
    assert api_as(viewer, tenant_a).post(url, {"category": "commit", "reason": "x"}).status_code == 403
    alice_renewal = renewal_of(tenant_a, alices[1])
    assert api.post(f"{RENEWALS}{alice_renewal.pk}/forecast/", {"category": "commit", "reason": "x"}).status_code == 403

    overridden = api.post(url, {"category": "commit", "reason": "Verbal yes from the sponsor"})
    assert overridden.status_code == 200, overridden.json()
    body = overridden.json()
    assert (body["forecast"], body["suggested_forecast"], body["is_override"]) == ("commit", "best_case", True)
    assert (body["override_reason"], body["needs_review"]) == ("Verbal yes from the sponsor", True)
    assert body["review_reason"].startswith("Owner says commit, the data says best case 40 days before the end")
    assert ids(api.get(RENEWALS, {"needs_review": "true"})) == [renewal.pk]

    changes = api.get(CHANGES, {"renewal": renewal.pk}).json()["results"]
    assert [(c["from_category"], c["to_category"], c["is_override"]) for c in changes] == [
        ("best_case", "commit", True),
        ("", "best_case", False),
    ]
    assert (changes[0]["reason"], changes[0]["by"]) == ("Verbal yes from the sponsor", bob.pk)
    assert ids(api.get(CHANGES, {"is_override": "true"})) == [changes[0]["id"]]
    assert api.post(CHANGES, {}).status_code == 405

    # Acknowledging is the leader's.
    assert api.post(f"{RENEWALS}{renewal.pk}/acknowledge/", {}).status_code == 403
    acknowledged = api_as(alice, tenant_a).post(f"{RENEWALS}{renewal.pk}/acknowledge/", {"note": "Spoke to Bob"})
    assert acknowledged.status_code == 200, acknowledged.json()
    assert (acknowledged.json()["needs_review"], acknowledged.json()["reviewed_by"]) == (False, alice.pk)
    again = api_as(alice, tenant_a).post(f"{RENEWALS}{renewal.pk}/acknowledge/", {})
    assert again.status_code == 400 and "not flagged" in error_fields(again)["needs_review"][0]

    followed = api.post(url, {"follow_data": True})
    assert followed.status_code == 200
    assert (followed.json()["forecast"], followed.json()["is_override"]) == ("best_case", False)
    assert api.post(url, {"follow_data": True}).status_code == 400


def test_outcomes_follow_the_service_rules(tenant_a, tenant_b, bob, api_as, viewer, bobs, alices):
    api = api_as(bob, tenant_a)
    renewal = renewal_of(tenant_a, bobs[1])
    url = f"{RENEWALS}{renewal.pk}/outcome/"
    churn_reason = reason_for(tenant_a, "churn")
    with scope(tenant=tenant_b):
        foreign_reason = services.outcome_reasons(tenant=tenant_b)[0]

    missing = api.post(url, {"outcome": "churned"})
    assert missing.status_code == 400
    assert error_fields(missing)["reason"] == ["Say why: a churn needs a reason from the list."]
    foreign = api.post(url, {"outcome": "churned", "reason": foreign_reason.pk})
    assert foreign.status_code == 400 and "does not exist" in error_fields(foreign)["reason"][0]
    assert api_as(viewer, tenant_a).post(url, {"outcome": "renewed", "new_arr": "50000"}).status_code == 403
    alice_renewal = renewal_of(tenant_a, alices[1])
    assert api.post(f"{RENEWALS}{alice_renewal.pk}/outcome/", {"new_arr": "1"}).status_code == 403
    mismatch = api.post(url, {"outcome": "renewed", "new_arr": "60000"})
    assert mismatch.status_code == 400 and "that is expanded" in error_fields(mismatch)["outcome"][0]

    expanded = api.post(url, {"new_arr": "60000", "term_months": 24, "levers": ["multi_year"], "note": "Two years"})
    assert expanded.status_code == 200, expanded.json()
    body = expanded.json()
    assert (body["status"], body["outcome"], body["outcome_arr"], body["levers"]) == (
        "closed",
        "expanded",
        "60000.00",
        ["multi_year"],
    )
    assert body["next_checkpoint"] is None
    new_contract = api.get(f"{CONTRACTS}{body['new_contract']}/").json()
    assert (new_contract["renews"], new_contract["term_months"], new_contract["current_arr"]) == (
        bobs[1].pk,
        24,
        "60000.00",
    )
    assert api.get(f"{CONTRACTS}{bobs[1].pk}/").json()["status"] == "renewed"
    assert api.post(url, {"new_arr": "60000"}).status_code == 400

    churned = api.post(
        f"{RENEWALS}{new_contract['renewal']}/outcome/", {"outcome": "churned", "reason": churn_reason.pk}
    )
    assert churned.status_code == 200, churned.json()
    assert (churned.json()["outcome"], churned.json()["outcome_reason_label"]) == ("churned", churn_reason.label)
    assert api.get(f"{CONTRACTS}{new_contract['id']}/").json()["status"] == "ended"


def test_only_leaders_and_admins_give_a_renewal_to_someone_else(tenant_a, bob, alice, api_as, bobs):
    renewal = renewal_of(tenant_a, bobs[1])
    refused = api_as(bob, tenant_a).patch(f"{RENEWALS}{renewal.pk}/", {"owner": alice.pk})
    assert refused.status_code == 403
    moved = api_as(alice, tenant_a).patch(f"{RENEWALS}{renewal.pk}/", {"owner": alice.pk})
    assert moved.status_code == 200, moved.json()
    assert moved.json()["owner"] == alice.pk
    assert {c["owner"] for c in moved.json()["checkpoints"]} == {alice.pk}
    # Now alice's: bob no longer changes it.
    assert api_as(bob, tenant_a).post(f"{RENEWALS}{renewal.pk}/forecast/", {"follow_data": True}).status_code == 403


# --- checkpoints -------------------------------------------------------------------------------------------------


def test_checkpoints_are_the_owners_tasks(tenant_a, bob, alice, api_as, viewer, bobs, alices):
    api = api_as(bob, tenant_a)
    bob_renewal, alice_renewal = renewal_of(tenant_a, bobs[1]), renewal_of(tenant_a, alices[1])
    bob_points, alice_points = checkpoints_of(tenant_a, bob_renewal), checkpoints_of(tenant_a, alice_renewal)
    today = today_of(tenant_a)

    assert ids(api.get(CHECKPOINTS, {"renewal": bob_renewal.pk})) == sorted(c.pk for c in bob_points)
    assert ids(api.get(CHECKPOINTS, {"owner": "me"})) == sorted(c.pk for c in bob_points)
    soon = [c.pk for c in bob_points + alice_points if c.due_on <= today + dt.timedelta(days=40)]
    assert ids(api.get(CHECKPOINTS, {"due_before": str(today + dt.timedelta(days=40))})) == sorted(soon)

    first = bob_points[0]
    url = f"{CHECKPOINTS}{first.pk}/complete/"
    skipped = api.post(url, {"status": "skipped"})
    assert skipped.status_code == 400 and error_fields(skipped)["note"][0].startswith("Say why")
    assert api_as(viewer, tenant_a).post(url, {}).status_code == 403
    assert api.post(f"{CHECKPOINTS}{alice_points[0].pk}/complete/", {}).status_code == 403
    done = api.post(url, {"note": "Kick-off held"})
    assert done.status_code == 200, done.json()
    assert (done.json()["status"], done.json()["note"], done.json()["completed_by"]) == (
        "done",
        "Kick-off held",
        bob.pk,
    )
    assert first.pk not in ids(api.get(CHECKPOINTS, {"status": "open", "renewal": bob_renewal.pk}))
    assert api.get(f"{RENEWALS}{bob_renewal.pk}/").json()["next_checkpoint"]["id"] == bob_points[1].pk
    # A leader completes anyone's.
    assert api_as(alice, tenant_a).post(f"{CHECKPOINTS}{bob_points[1].pk}/complete/", {}).status_code == 200


# --- expansion pipeline ------------------------------------------------------------------------------------------


def test_opportunities_are_raised_worked_and_won_into_the_contract(tenant_a, bob, alice, api_as, viewer, bobs, alices):
    api = api_as(bob, tenant_a)
    payload = {"account": bobs[0].pk, "title": "20 more seats", "kind": "seats", "value": "8000"}
    created = api.post(OPPORTUNITIES, payload)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["stage"], body["source"], body["owner"], body["identified_on"]) == (
        "identified",
        "manual",
        bob.pk,
        str(today_of(tenant_a)),
    )
    assert api.post(OPPORTUNITIES, {**payload, "account": alices[0].pk}).status_code == 403
    assert api.post(OPPORTUNITIES, {**payload, "owner": alice.pk}).status_code == 403
    assert api_as(viewer, tenant_a).post(OPPORTUNITIES, payload).status_code == 403
    blank = api.post(OPPORTUNITIES, {**payload, "title": " "})
    assert blank.status_code == 400 and "title" in error_fields(blank)

    url = f"{OPPORTUNITIES}{body['id']}/"
    changed = api.patch(url, {"value": "9000", "handed_to_sales": True})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["value"], changed.json()["handed_to_sales_on"]) == ("9000.00", str(today_of(tenant_a)))

    lost = api.post(f"{url}move/", {"stage": "lost"})
    assert lost.status_code == 400 and "lost_reason" in error_fields(lost)
    won = api.post(f"{url}move/", {"stage": "won"})
    assert won.status_code == 200, won.json()
    assert (won.json()["stage"], won.json()["is_open"], won.json()["days_to_close"]) == ("won", False, 0)
    with scope(tenant=tenant_a):
        amendment = ContractAmendment.objects.get(tenant=tenant_a, opportunity_id=body["id"])
    assert (amendment.contract_id, amendment.arr_change) == (bobs[1].pk, Decimal("9000.00"))

    with scope(tenant=tenant_a):
        theirs = services.opportunity_create(
            tenant=tenant_a, account=alices[0], title="Analytics add-on", kind="cross_sell", value=5000, by=None
        )
    assert api.patch(f"{OPPORTUNITIES}{theirs.pk}/", {"note": "Mine"}).status_code == 403
    assert api_as(alice, tenant_a).post(f"{OPPORTUNITIES}{theirs.pk}/move/", {"stage": "qualified"}).status_code == 200
    assert ids(api.get(OPPORTUNITIES, {"stage": "won"})) == [body["id"]]
    assert ids(api.get(OPPORTUNITIES, {"kind": "cross_sell", "source": "manual"})) == [theirs.pk]
    assert ids(api.get(OPPORTUNITIES, {"owner": "me"})) == [body["id"]]
    assert ids(api.get(OPPORTUNITIES, {"account": alices[0].pk, "is_open": "true"})) == [theirs.pk]
    assert api.delete(url).status_code == 405


# --- settings ----------------------------------------------------------------------------------------------------


def test_members_read_the_runways_and_reasons_and_only_admins_change_them(tenant_a, bob, alice, api_as, viewer):
    steps = api_as(viewer, tenant_a).get(STEPS, {"segment": "enterprise", "page_size": 50})
    assert steps.status_code == 200
    assert [s["days_before"] for s in steps.json()["results"]] == [180, 120, 90, 60, 30]
    step = {"segment": "smb", "days_before": 90, "title": "Early check-in"}
    assert api_as(bob, tenant_a).post(STEPS, step).status_code == 403
    admin = api_as(alice, tenant_a)
    created = admin.post(STEPS, step)
    assert created.status_code == 201, created.json()
    clash = admin.post(STEPS, {**step, "days_before": 60})
    assert clash.status_code == 400 and error_fields(clash)["days_before"] == ["SMB already has a step at T-60."]
    moved = admin.patch(f"{STEPS}{created.json()['id']}/", {"days_before": 75, "segment": "enterprise"})
    assert (moved.json()["days_before"], moved.json()["segment"]) == (75, "smb")
    assert api_as(bob, tenant_a).delete(f"{STEPS}{created.json()['id']}/").status_code == 403
    assert admin.delete(f"{STEPS}{created.json()['id']}/").status_code == 204

    reasons = api_as(viewer, tenant_a).get(REASONS, {"applies_to": "churn"}).json()["results"]
    assert "Replaced by a competitor" in [r["label"] for r in reasons]
    assert api_as(bob, tenant_a).post(REASONS, {"label": "Acquired"}).status_code == 403
    added = admin.post(REASONS, {"label": "Acquired", "applies_to": "churn"})
    assert added.status_code == 201, added.json()
    duplicate = admin.post(REASONS, {"label": "Acquired"})
    assert duplicate.status_code == 400 and "already a reason" in error_fields(duplicate)["label"][0]
    assert admin.patch(f"{REASONS}{added.json()['id']}/", {"is_active": False}).json()["is_active"] is False

    assert api_as(viewer, tenant_a).get(SETTINGS).json()["review_window_days"] == 60
    assert api_as(bob, tenant_a).patch(SETTINGS, {"review_window_days": 90}).status_code == 403
    changed = admin.patch(SETTINGS, {"review_window_days": 90})
    assert changed.status_code == 200 and changed.json()["review_window_days"] == 90


# --- metrics -----------------------------------------------------------------------------------------------------


def test_metrics_figures_of_a_hand_computed_period(tenant_a, alice, bob, api_as, viewer):
    """Period [today-60, today-10). Enterprise 100,000 expands by 20,000, SMB 50,000 contracts by 10,000,
    mid-market 30,000 churns; a logo signed during the period is not in the cohort.
    GRR = (180,000 - 30,000 - 10,000) / 180,000 = 0.777778; NRR = (140,000 + 20,000) / 180,000 = 0.888889."""
    today = today_of(tenant_a)
    grows = contract_for(tenant_a, make_account(tenant_a, 1, segment="enterprise"), days_to_end=300, arr=100_000)
    shrinks = contract_for(tenant_a, make_account(tenant_a, 2, segment="smb"), days_to_end=200, arr=50_000)
    churns = contract_for(tenant_a, make_account(tenant_a, 3, segment="mid_market"), days_to_end=-30, arr=30_000)
    contract_for(tenant_a, make_account(tenant_a, 4, segment="smb"), days_to_end=330, arr=9_000)
    with scope(tenant=tenant_a):
        services.contract_amend(
            contract=grows, kind="upgrade", effective_on=today - dt.timedelta(days=30), arr_change=20_000, by=None
        )
        services.contract_amend(
            contract=shrinks,
            kind="seats_removed",
            effective_on=today - dt.timedelta(days=40),
            arr_change=-10_000,
            by=None,
        )
        services.renewal_close(
            renewal=renewal_of(tenant_a, churns), outcome="churned", by=None, reason=reason_for(tenant_a, "churn")
        )
        account = grows.account
        won = services.opportunity_create(
            tenant=tenant_a,
            account=account,
            title="Seats",
            kind="seats",
            value=5000,
            by=None,
            identified_on=today - dt.timedelta(days=50),
        )
        services.opportunity_move(
            opportunity=won, stage="won", by=None, on=today - dt.timedelta(days=20), add_to_contract=False
        )
        lost = services.opportunity_create(
            tenant=tenant_a, account=account, title="Add-on", kind="cross_sell", value=3000, by=None
        )
        services.opportunity_move(opportunity=lost, stage="lost", by=None, lost_reason="No budget", on=today)
        services.opportunity_create(tenant=tenant_a, account=account, title="Usage", kind="usage", value=7000, by=None)
    start, end = today - dt.timedelta(days=60), today - dt.timedelta(days=10)
    api = api_as(viewer, tenant_a)

    body = api.get(METRICS, {"start": str(start), "end": str(end)}).json()
    assert body["period"]["measured_on"] == str(end) and body["period"]["is_running"] is False
    [row] = body["rows"]
    assert (row["accounts"], row["starting_arr"], row["churn"], row["contraction"], row["expansion"]) == (
        3,
        "180000.00",
        "30000.00",
        "10000.00",
        "20000.00",
    )
    assert (row["ending_arr"], row["grr"], row["nrr"], row["logo_churn_rate"]) == (
        "160000.00",
        "0.777778",
        "0.888889",
        "0.333333",
    )
    pipeline = body["pipeline"]
    # The lost one closed today, after the period: only the won one is of the period.
    assert (pipeline["won_count"], pipeline["won_value"], pipeline["lost_count"], pipeline["close_rate"]) == (
        1,
        "5000.00",
        0,
        "1.000000",
    )
    assert (pipeline["open_count"], pipeline["open_value"], pipeline["average_days_to_close"]) == (1, "7000.00", 30.0)

    by_segment = api.get(METRICS, {"start": str(start), "end": str(end), "group_by": "segment"}).json()["rows"]
    assert [(r["key"], r["grr"], r["nrr"]) for r in by_segment] == [
        ("enterprise", "1.000000", "1.200000"),
        ("mid_market", "0.000000", "0.000000"),
        ("smb", "0.800000", "0.800000"),
    ]
    assert api.get(METRICS, {"start": str(end), "end": str(start)}).status_code == 400
    assert "end" in error_fields(api.get(METRICS, {"start": str(start)}))
    assert api.get(METRICS, {"group_by": "planet"}).status_code == 400
    default = api.get(METRICS).json()
    assert default["period"]["start"] <= str(today) < default["period"]["end"]


# --- what lists cost ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [CONTRACTS, AMENDMENTS, RENEWALS, CHECKPOINTS, CHANGES, OPPORTUNITIES, STEPS, REASONS])
def test_lists_cost_the_same_for_many_rows(tenant_a, bob, api_as, django_assert_max_num_queries, url):
    api = api_as(bob, tenant_a)

    def book(numbers) -> None:
        for n in numbers:
            account = make_account(tenant_a, n, owner=bob, segment="enterprise" if n % 2 else "smb")
            contract = contract_for(tenant_a, account, days_to_end=30 * n)
            with scope(tenant=tenant_a):
                services.contract_amend(
                    contract=contract, kind="seats_added", effective_on=today_of(tenant_a), arr_change=100, by=None
                )
                renewal = renewal_of(tenant_a, contract)
                services.renewal_set_forecast(renewal=renewal, category="at_risk", by=bob, reason="Budget freeze")
                services.opportunity_create(
                    tenant=tenant_a, account=account, title="Seats", kind="seats", value=1, by=None
                )

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(url, {"page_size": 100}).status_code == 200
        return len(queries)

    book([1])
    api.get(url)  # the settings lists make the seed's rows on first use
    one = cost()
    book(range(2, 8))
    with django_assert_max_num_queries(9):
        response = api.get(url, {"page_size": 100})
    assert len(response.json()["results"]) >= 7
    assert cost() == one
