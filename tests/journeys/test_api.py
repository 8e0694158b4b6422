"""The journeys API: the same services and rules as the pages, the house error format, role and
ownership checks, ids limited to the caller's tenant, and lists whose cost does not grow with their length."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from journeys import services
from journeys.models import FlagKind, StageTransition
from tenancy.models import Role

from .builders import criterion, make_account, reload, track_at

pytestmark = pytest.mark.django_db

TRACKS = "/api/v1/journey-tracks/"
TRANSITIONS = "/api/v1/stage-transitions/"
CRITERIA = "/api/v1/exit-criteria/"
CHECKS = "/api/v1/criterion-checks/"
FLAGS = "/api/v1/track-flags/"
EXPECTATIONS = "/api/v1/stage-expectations/"


def error_fields(response) -> dict:
    return response.json()["error"]["fields"]


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def bobs(tenant_a, bob):
    """An account of bob's (mid-market) with its onboarding track."""
    account = make_account(tenant_a, 1, owner=bob)
    return account, track_at(tenant_a, account)


@pytest.fixture
def alices(tenant_a, alice):
    account = make_account(tenant_a, 2, owner=alice, segment="enterprise")
    return account, track_at(tenant_a, account, stage="adoption")


# --- tracks ------------------------------------------------------------------------------------------------------


def test_a_csm_creates_tracks_on_own_accounts_only(tenant_a, bob, alice, api_as, member_of, bobs, alices):
    api = api_as(bob, tenant_a)
    created = api.post(TRACKS, {"account": bobs[0].pk, "name": "Finance department", "scope_kind": "department"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["name"], body["stage"], body["scope_kind"], body["owner"]) == (
        "Finance department",
        "onboarding",
        "department",
        bob.pk,
    )
    assert [item["key"] for item in body["checklist"]][-1] == "go_live_confirmed"
    assert body["open_flags"] == []

    duplicate = api.post(TRACKS, {"account": bobs[0].pk, "name": "finance department"})
    assert duplicate.status_code == 400
    assert "already has a track" in error_fields(duplicate)["name"][0]

    others = api.post(TRACKS, {"account": alices[0].pk, "name": "Finance department"})
    assert others.status_code == 403
    viewer = api_as(member_of(Role.VIEWER), tenant_a).post(TRACKS, {"account": bobs[0].pk, "name": "HR"})
    assert viewer.status_code == 403
    assert (
        api_as(alice, tenant_a).post(TRACKS, {"account": bobs[0].pk, "name": "HR", "stage": "adoption"}).json()["stage"]
        == "adoption"
    )


def test_tracks_list_and_filter(tenant_a, bob, alice, api_as, bobs, alices):
    smb = make_account(tenant_a, 3, segment="smb", owner=bob)
    stalled = track_at(tenant_a, smb, days_ago=45)
    ended = track_at(tenant_a, smb, stage="retention", name="Legacy")
    with scope(tenant=tenant_a):
        services.track_end(track=ended, by=None, reason_text="Retired")
    bob_track, alice_track = bobs[1], alices[1]
    api = api_as(bob, tenant_a)

    def listed(**params) -> list[int]:
        response = api.get(TRACKS, params)
        assert response.status_code == 200, response.json()
        return sorted(ids(response))

    assert listed() == sorted([bob_track.pk, alice_track.pk, stalled.pk, ended.pk])
    assert listed(stage="adoption") == [alice_track.pk]
    assert listed(status="stalled") == [stalled.pk]
    assert listed(segment="smb") == sorted([stalled.pk, ended.pk])
    assert listed(owner="me", active="true") == sorted([bob_track.pk, stalled.pk])
    assert listed(owner=str(alice.pk)) == [alice_track.pk]
    assert listed(active="false") == [ended.pk]
    assert listed(account=smb.pk, active="true") == [stalled.pk]
    assert api.get(TRACKS, {"owner": "someone"}).status_code == 400
    row = next(r for r in api.get(TRACKS, {"status": "stalled"}).json()["results"])
    assert (row["days_in_stage"], row["segment"], row["criteria_total"]) == (45, "smb", 5)
    assert row["status_reason"].startswith("45 days in onboarding, expected 7-30 days for SMB")


def test_a_track_shows_its_checklist_and_open_flags(tenant_a, bob, api_as, bobs):
    account, track = bobs
    with scope(tenant=tenant_a):
        services.criterion_check(track=track, criterion=criterion(tenant_a, "onboarding", "go_live_confirmed"), by=bob)
        services.tracks_flag_for_review(tenant=tenant_a, account=account, kind=FlagKind.HEALTH_RED, why="Health red")
    body = api_as(bob, tenant_a).get(f"{TRACKS}{track.pk}/").json()
    go_live = next(item for item in body["checklist"] if item["key"] == "go_live_confirmed")
    assert (go_live["met"], go_live["kind"], go_live["checked_by"]) == (True, "manual", bob.pk)
    assert go_live["check"] is not None and go_live["detail"].startswith("Ticked by Bob Csm on ")
    assert [(f["kind"], f["status"]) for f in body["open_flags"]] == [("health_red", "open")]
    assert body["criteria_met"] == 1


def test_a_track_is_renamed_and_ended_but_never_deleted(tenant_a, bob, api_as, bobs, alices):
    api = api_as(bob, tenant_a)
    track = bobs[1]
    renamed = api.patch(f"{TRACKS}{track.pk}/", {"name": "Core suite", "scope_kind": "use_case"})
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["scope_kind"]) == ("Core suite", "use_case")
    assert api.delete(f"{TRACKS}{track.pk}/").status_code == 405
    assert api.patch(f"{TRACKS}{alices[1].pk}/", {"name": "Mine now"}).status_code == 403

    assert api.post(f"{TRACKS}{track.pk}/end/", {"reason_text": ""}).status_code == 400
    ended = api.post(f"{TRACKS}{track.pk}/end/", {"reason_text": "Product dropped"})
    assert ended.status_code == 201
    assert (ended.json()["kind"], ended.json()["from_stage"], ended.json()["to_stage"]) == ("end", "onboarding", "")
    assert api.get(f"{TRACKS}{track.pk}/").json()["is_active"] is False


# --- transitions -------------------------------------------------------------------------------------------------


def test_transitions_follow_the_rules(tenant_a, bob, api_as, bobs, alices):
    api = api_as(bob, tenant_a)
    track = bobs[1]
    refused = api.post(TRANSITIONS, {"track": track.pk, "to_stage": "adoption"})
    assert refused.status_code == 400
    unmet = error_fields(refused)["override_reason"][0]
    assert unmet.startswith("5 exit criteria are not met") and "The customer has confirmed go-live" in unmet
    assert refused.json()["error"]["message"].startswith("override_reason: 5 exit criteria")

    moved = api.post(
        TRANSITIONS, {"track": track.pk, "to_stage": "adoption", "override_reason": "Sponsor asked", "note": "ok"}
    )
    assert moved.status_code == 201, moved.json()
    body = moved.json()
    assert (body["kind"], body["overridden"], body["override_reason"], body["by"]) == (
        "advance",
        True,
        "Sponsor asked",
        bob.pk,
    )
    assert len(body["criteria"]) == 5 and {"key", "label", "kind", "met", "detail"} <= set(body["criteria"][0])
    assert reload(tenant_a, track).stage == "adoption"

    no_reason = api.post(TRANSITIONS, {"track": track.pk, "to_stage": "onboarding"})
    assert no_reason.status_code == 400 and "reason" in error_fields(no_reason)
    back = api.post(TRANSITIONS, {"track": track.pk, "to_stage": "onboarding", "reason": "champion_left"})
    assert (back.status_code, back.json()["kind"], back.json()["reason"]) == (201, "regress", "champion_left")

    assert api.post(TRANSITIONS, {"track": alices[1].pk, "to_stage": "retention"}).status_code == 403
    kinds = [row["kind"] for row in api.get(TRANSITIONS, {"track": track.pk}).json()["results"]]
    assert kinds == ["start", "advance", "regress"]
    assert ids(api.get(TRANSITIONS, {"kind": "regress"})) == [back.json()["id"]]
    assert len(ids(api.get(TRANSITIONS, {"account": bobs[0].pk}))) == 3
    with scope(tenant=tenant_a):
        advance_at = StageTransition.objects.get(pk=body["id"]).at
    since = api.get(TRANSITIONS, {"track": track.pk, "since": advance_at.isoformat()})
    assert [row["kind"] for row in since.json()["results"]] == ["advance", "regress"]
    until = api.get(TRANSITIONS, {"track": track.pk, "until": advance_at.isoformat()})
    assert [row["kind"] for row in until.json()["results"]] == ["start"]
    transition_url = f"{TRANSITIONS}{body['id']}/"
    assert api.get(transition_url).json()["override_reason"] == "Sponsor asked"
    assert (api.patch(transition_url, {"note": "x"}).status_code, api.delete(transition_url).status_code) == (405, 405)


def test_a_move_ticks_the_manual_criteria_it_names_and_only_if_it_is_made(tenant_a, bob, api_as, bobs):
    api = api_as(bob, tenant_a)
    track = bobs[1]
    with scope(tenant=tenant_a):
        for key in ("core_users_active", "value_documented"):
            services.exit_criterion_update(criterion=criterion(tenant_a, "onboarding", key), is_active=False)
    manual = [
        criterion(tenant_a, "onboarding", key).pk
        for key in ("implementation_done", "use_case_live", "go_live_confirmed")
    ]
    refused = api.post(TRANSITIONS, {"track": track.pk, "to_stage": "adoption", "ticks": manual[:2]}, format="json")
    assert (
        refused.status_code == 400
        and "The customer has confirmed go-live" in error_fields(refused)["override_reason"][0]
    )
    with scope(tenant=tenant_a):
        assert not track.checks.exists()  # a refused move ticks nothing
    moved = api.post(TRANSITIONS, {"track": track.pk, "to_stage": "adoption", "ticks": manual}, format="json")
    assert moved.status_code == 201 and not moved.json()["overridden"]
    assert all(c["met"] for c in moved.json()["criteria"])


# --- checks ------------------------------------------------------------------------------------------------------


def test_criteria_are_ticked_and_unticked(tenant_a, bob, api_as, bobs, alices):
    api = api_as(bob, tenant_a)
    track = bobs[1]
    go_live = criterion(tenant_a, "onboarding", "go_live_confirmed")
    ticked = api.post(CHECKS, {"track": track.pk, "criterion": go_live.pk, "note": "Email from the CIO"})
    assert ticked.status_code == 201, ticked.json()
    assert (ticked.json()["checked_by"], ticked.json()["note"]) == (bob.pk, "Email from the CIO")
    assert ids(api.get(CHECKS, {"track": track.pk})) == [ticked.json()["id"]]
    assert reload(tenant_a, track).criteria_met == 1

    data_rule = api.post(
        CHECKS, {"track": track.pk, "criterion": criterion(tenant_a, "onboarding", "core_users_active").pk}
    )
    assert data_rule.status_code == 400 and "evaluated from data" in error_fields(data_rule)["criterion"][0]
    adoption = criterion(tenant_a, "adoption", "teams_onboarded")
    assert api.post(CHECKS, {"track": alices[1].pk, "criterion": adoption.pk}).status_code == 403

    assert api.delete(f"{CHECKS}{ticked.json()['id']}/").status_code == 204
    assert ids(api.get(CHECKS, {"track": track.pk})) == []
    assert reload(tenant_a, track).criteria_met == 0


# --- flags -------------------------------------------------------------------------------------------------------


def test_flags_are_confirmed_or_dismissed_by_the_owner(tenant_a, bob, api_as, bobs, alices):
    account = make_account(tenant_a, 5, owner=bob, segment="enterprise")
    core = track_at(tenant_a, account, stage="adoption")
    finance = track_at(tenant_a, account, stage="expansion", name="Finance department")
    with scope(tenant=tenant_a):
        core_flag, finance_flag = services.tracks_flag_for_review(
            tenant=tenant_a, account=account, kind=FlagKind.CHAMPION_LOST, why="Champion Jane Roe is no longer active"
        )
        (alices_flag,) = services.tracks_flag_for_review(
            tenant=tenant_a, account=alices[0], kind=FlagKind.HEALTH_RED, why="Health entered red"
        )
    api = api_as(bob, tenant_a)
    assert sorted(ids(api.get(FLAGS, {"account": account.pk, "status": "open"}))) == sorted(
        [core_flag.pk, finance_flag.pk]
    )
    assert ids(api.get(FLAGS, {"kind": "health_red"})) == [alices_flag.pk]
    shown = api.get(f"{FLAGS}{core_flag.pk}/").json()
    assert (shown["suggested_stage"], shown["suggested_reason"]) == ("onboarding", "champion_left")

    forward = api.post(f"{FLAGS}{core_flag.pk}/confirm/", {"to_stage": "renewal"})
    assert forward.status_code == 400 and "moves the track back" in error_fields(forward)["to_stage"][0]
    confirmed = api.post(f"{FLAGS}{core_flag.pk}/confirm/", {"note": "Restart with Max"})
    assert confirmed.status_code == 201, confirmed.json()
    assert (confirmed.json()["kind"], confirmed.json()["reason"], confirmed.json()["to_stage"]) == (
        "regress",
        "champion_left",
        "onboarding",
    )
    assert api.get(f"{FLAGS}{core_flag.pk}/").json()["status"] == "confirmed"
    again = api.post(f"{FLAGS}{core_flag.pk}/confirm/", {})
    assert again.status_code == 400 and "resolved already" in error_fields(again)["flag"][0]

    dismissed = api.post(f"{FLAGS}{finance_flag.pk}/dismiss/", {"note": "Finance has its own champion"})
    assert (dismissed.status_code, dismissed.json()["status"]) == (200, "dismissed")
    assert (reload(tenant_a, core).stage, reload(tenant_a, finance).stage) == ("onboarding", "expansion")
    assert api.post(f"{FLAGS}{alices_flag.pk}/dismiss/", {}).status_code == 403


# --- settings ----------------------------------------------------------------------------------------------------


def test_exit_criteria_are_read_by_all_and_written_by_admins(tenant_a, alice, bob, api_as):
    as_bob, as_alice = api_as(bob, tenant_a), api_as(alice, tenant_a)
    onboarding = as_bob.get(CRITERIA, {"stage": "onboarding"})
    assert onboarding.status_code == 200
    assert [row["key"] for row in onboarding.json()["results"]][-1] == "go_live_confirmed"
    new = {"stage": "onboarding", "label": "Security review passed"}
    assert as_bob.post(CRITERIA, new).status_code == 403

    created = as_alice.post(CRITERIA, new)
    assert created.status_code == 201, created.json()
    assert (created.json()["key"], created.json()["kind"], created.json()["is_active"]) == (
        "security_review_passed",
        "manual",
        True,
    )
    url = f"{CRITERIA}{created.json()['id']}/"
    assert as_bob.patch(url, {"label": "x"}).status_code == 403
    changed = as_alice.patch(url, {"label": "Security review signed off", "is_active": False, "stage": "advocacy"})
    assert changed.status_code == 200
    assert (changed.json()["label"], changed.json()["is_active"], changed.json()["stage"]) == (
        "Security review signed off",
        False,
        "onboarding",
    )
    bad_rule = as_alice.post(CRITERIA, {"stage": "adoption", "label": "Seats", "kind": "data"})
    assert bad_rule.status_code == 400 and "rule" in error_fields(bad_rule)
    assert as_bob.delete(url).status_code == 403
    assert as_alice.delete(url).status_code == 204
    assert as_alice.get(url).status_code == 404


def test_stage_expectations_are_changed_by_admins(tenant_a, alice, bob, api_as):
    smb = make_account(tenant_a, 9, segment="smb", owner=bob)
    track = track_at(tenant_a, smb, days_ago=45)
    assert reload(tenant_a, track).status == "stalled"
    as_bob = api_as(bob, tenant_a)
    rows = as_bob.get(EXPECTATIONS, {"page_size": 100}).json()["results"]
    assert len(rows) == 24
    smb_onboarding = next(r for r in rows if (r["stage"], r["segment"]) == ("onboarding", "smb"))
    assert (smb_onboarding["min_days"], smb_onboarding["max_days"]) == (7, 30)
    url = f"{EXPECTATIONS}{smb_onboarding['id']}/"
    assert as_bob.patch(url, {"max_days": 60}).status_code == 403

    as_alice = api_as(alice, tenant_a)
    inverted = as_alice.patch(url, {"min_days": 50, "max_days": 40})
    assert inverted.status_code == 400 and "max_days" in error_fields(inverted)
    changed = as_alice.patch(url, {"max_days": 60})
    assert (changed.status_code, changed.json()["min_days"], changed.json()["max_days"]) == (200, 7, 60)
    assert reload(tenant_a, track).status == "behind"
    assert as_bob.get(f"{FLAGS}", {"kind": "stalled", "status": "open"}).json()["results"] == []
    assert as_alice.patch(url, {"max_days": None}, format="json").json()["max_days"] is None


# --- tenancy -----------------------------------------------------------------------------------------------------


def test_ids_of_another_tenant_are_invalid(tenant_a, tenant_b, charlie, api_as, bobs):
    account, track = bobs
    go_live = criterion(tenant_a, "onboarding", "go_live_confirmed")
    with scope(tenant=tenant_a):
        objective = services.objective_create(
            tenant=tenant_a, account=account, title="Faster invoices", metric="Hours", baseline=48, target=12
        )
    api = api_as(charlie, tenant_b)
    cases = [
        (TRACKS, {"account": account.pk, "name": "Stolen"}, "account"),
        (TRANSITIONS, {"track": track.pk, "to_stage": "adoption", "override_reason": "x"}, "track"),
        (CHECKS, {"track": track.pk, "criterion": go_live.pk}, "track"),
    ]
    for url, payload, field in cases:
        response = api.post(url, payload)
        assert response.status_code == 400, (url, response.json())
        assert error_fields(response)[field][0].startswith("Invalid pk"), (url, response.json())
    charlie_track = track_at(tenant_b, make_account(tenant_b, 1))
    for field, value in (("criterion", go_live.pk), ("objective", objective.pk)):
        bravo_go_live = criterion(tenant_b, "onboarding", "go_live_confirmed")
        payload = {"track": charlie_track.pk, "criterion": bravo_go_live.pk, field: value}
        response = api.post(CHECKS, payload)
        assert response.status_code == 400 and error_fields(response)[field][0].startswith("Invalid pk")
    # Nothing of tenant A is listed for charlie.
    assert ids(api.get(TRACKS)) == [charlie_track.pk]
    assert {row["track"] for row in api.get(TRANSITIONS).json()["results"]} == {charlie_track.pk}


# --- cost of lists -----------------------------------------------------------------------------------------------


def _queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_tracks_and_transitions_lists_cost_the_same_for_5_and_30(
    tenant_a, bob, api_as, django_assert_max_num_queries
):
    api = api_as(bob, tenant_a)

    def book(start: int, count: int) -> None:
        for n in range(start, start + count):
            owner = bob if n % 2 else None
            track = track_at(tenant_a, make_account(tenant_a, n, owner=owner), stage="adoption")
            with scope(tenant=tenant_a):
                services.track_transition(track=track, to_stage="onboarding", by=bob, reason="budget_cut")

    book(1, 5)
    small = {url: _queries(api, url) for url in (TRACKS, TRANSITIONS)}
    book(6, 25)
    assert len(ids(api.get(TRACKS))) == 30 and len(ids(api.get(TRANSITIONS))) == 50
    for url, count in small.items():
        with django_assert_max_num_queries(count):
            api.get(url)
