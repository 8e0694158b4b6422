"""The journey board, the track list, an account's journey, moving a track and flags, from the outside."""

import pytest
from django.urls import reverse
from django_scopes import scope

from journeys import selectors, services
from journeys.models import (
    CriterionCheck,
    ExitCriterion,
    FlagKind,
    FlagStatus,
    JourneyTrack,
    StageTransition,
    TrackFlag,
    TransitionKind,
)
from journeys.selectors.criteria import exit_criteria_by_stage
from tenancy.models import Role

from .builders import make_account, track_at


def book(tenant, count, *, owner=None, start=1, **fields):
    """`count` accounts, each with one onboarding track."""
    tracks = []
    for n in range(start, start + count):
        account = make_account(tenant, n, owner=owner, **fields)
        tracks.append(track_at(tenant, account))
    return tracks


def transitions(tenant, track):
    with scope(tenant=tenant):
        return list(StageTransition.objects.filter(tenant=tenant, track=track).order_by("at", "id"))


def reload(tenant, track):
    with scope(tenant=tenant):
        return JourneyTrack.objects.get(pk=track.pk)


def criterion(tenant, key, stage="onboarding"):
    with scope(tenant=tenant):
        exit_criteria_by_stage(tenant=tenant)
        return ExitCriterion.objects.get(tenant=tenant, stage=stage, key=key)


def move_url(track, to=""):
    url = reverse("journeys:track_move", args=[track.pk])
    return f"{url}?to={to}" if to else url


# The board


def test_board_shows_six_columns_with_cards(tenant_a, alice, bob, login):
    onboarding = track_at(tenant_a, make_account(tenant_a, 1, owner=bob), days_ago=12)
    adoption = track_at(tenant_a, make_account(tenant_a, 2), name="Finance department", stage="adoption")
    response = login(alice).get(reverse("journeys:index"))
    assert response.status_code == 200
    body = response.content.decode()
    for stage in ("onboarding", "adoption", "retention", "expansion", "renewal", "advocacy"):
        assert f'id="column-{stage}"' in body
    columns = {c.stage: c for c in response.context["columns"]}
    assert [t.pk for t in columns["onboarding"].cards] == [onboarding.pk]
    assert [t.pk for t in columns["adoption"].cards] == [adoption.pk]
    assert "Account 001" in body and "Finance department" in body and "Bob Csm" in body
    assert "12 d" in body
    assert reload(tenant_a, onboarding).status_reason in body  # the status sentence is the badge's title


def test_board_marks_open_flags(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    track = track_at(tenant_a, account, stage="adoption")
    with scope(tenant=tenant_a):
        services.tracks_flag_for_review(
            tenant=tenant_a, account=account, kind=FlagKind.CHAMPION_LOST, why="Champion left"
        )
    body = login(alice).get(reverse("journeys:index")).content.decode()
    assert 'data-testid="flag-marker"' in body
    assert f'id="card-{track.pk}"' in body


def test_board_filters_by_segment_status_csm_and_search(tenant_a, alice, bob, login):
    smb = track_at(tenant_a, make_account(tenant_a, 1, segment="smb", owner=bob), name="Payroll")
    enterprise = track_at(tenant_a, make_account(tenant_a, 2, segment="enterprise", acv=300_000), days_ago=200)
    client = login(alice)

    def shown(**params):
        response = client.get(reverse("journeys:index"), params)
        return {t.pk for c in response.context["columns"] for t in c.cards}

    assert shown() == {smb.pk, enterprise.pk}
    assert shown(segment="smb") == {smb.pk}
    assert shown(status="stalled") == {enterprise.pk}  # 200 days, past enterprise onboarding's 120
    assert shown(owner=str(bob.pk)) == {smb.pk}
    assert shown(q="payroll") == {smb.pk}
    assert shown(q="Account 002") == {enterprise.pk}


def test_a_csm_sees_their_own_accounts_first_a_leader_everything(tenant_a, bob, member_of, login):
    mine = track_at(tenant_a, make_account(tenant_a, 1, owner=bob))
    other = track_at(tenant_a, make_account(tenant_a, 2))
    response = login(bob).get(reverse("journeys:index"))
    assert {t.pk for c in response.context["columns"] for t in c.cards} == {mine.pk}
    assert response.context["mine"]
    everyone = login(bob).get(reverse("journeys:index"), {"owner": "all"})
    assert {t.pk for c in everyone.context["columns"] for t in c.cards} == {mine.pk, other.pk}
    leader = login(member_of(Role.LEADER)).get(reverse("journeys:index"))
    assert {t.pk for c in leader.context["columns"] for t in c.cards} == {mine.pk, other.pk}


def test_a_full_column_links_to_the_rest_in_the_list(tenant_a, alice, login, monkeypatch):
    monkeypatch.setattr(selectors.tracks, "BOARD_COLUMN_CARDS", 3)
    book(tenant_a, 5)
    response = login(alice).get(reverse("journeys:index"))
    onboarding = response.context["columns"][0]
    assert len(onboarding.cards) == 3 and onboarding.more == 2
    body = response.content.decode()
    assert "and 2 more" in body
    listed = login(alice).get(reverse("journeys:track_list"), {"owner": "all", "stage": "onboarding"})
    assert listed.context["page"].paginator.count == 5


def test_board_cards_are_ordered_by_status_severity_then_days(tenant_a, alice, login):
    fresh = track_at(tenant_a, make_account(tenant_a, 1), days_ago=1)
    stalled = track_at(tenant_a, make_account(tenant_a, 2), days_ago=90)  # mid-market onboarding: 30-60
    behind = track_at(tenant_a, make_account(tenant_a, 3), days_ago=40)
    response = login(alice).get(reverse("journeys:index"))
    assert [t.pk for t in response.context["columns"][0].cards] == [stalled.pk, behind.pk, fresh.pk]


def _board_queries(client, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit):
        response = client.get(reverse("journeys:index"))
    assert response.status_code == 200
    return response


def test_board_query_count_does_not_grow_with_the_tracks(tenant_a, alice, login, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(alice)
    tracks = book(tenant_a, 5)
    with scope(tenant=tenant_a):
        services.tracks_flag_for_review(
            tenant=tenant_a, account=tracks[0].account, kind=FlagKind.CHAMPION_LOST, why="Champion left"
        )
    client.get(reverse("journeys:index"))  # warm the session and caches
    with CaptureQueriesContext(connection) as five:
        client.get(reverse("journeys:index"))
    more = book(tenant_a, 25, start=6)
    track_at(tenant_a, more[0].account, name="Second", stage="adoption")
    response = _board_queries(client, django_assert_max_num_queries, len(five.captured_queries))
    assert sum(c.total for c in response.context["columns"]) == 31


# Who may move what


def test_a_viewer_sees_no_move_controls_and_may_not_move(tenant_a, member_of, login):
    track = track_at(tenant_a, make_account(tenant_a, 1))
    viewer = login(member_of(Role.VIEWER))
    body = viewer.get(reverse("journeys:index")).content.decode()
    assert f'id="card-{track.pk}"' in body
    assert "draggable" not in body and ">Move<" not in body
    journey = viewer.get(reverse("journeys:account_journey", args=[track.account_id])).content.decode()
    assert ">Move<" not in journey and "Start track" not in journey
    assert viewer.post(move_url(track), {"to_stage": "adoption", "override_reason": "x"}).status_code == 403
    assert viewer.get(move_url(track, "adoption")).status_code == 403
    go_live = criterion(tenant_a, "go_live_confirmed")
    toggle = reverse("journeys:criterion_toggle", args=[track.pk, go_live.pk])
    assert viewer.post(toggle, {"checked": "on"}).status_code == 403
    assert viewer.post(reverse("journeys:track_end", args=[track.pk]), {"reason_text": "x"}).status_code == 403
    assert reload(tenant_a, track).stage == "onboarding"


def test_a_csm_may_not_move_another_csms_track(tenant_a, bob, member_of, login):
    other_csm = member_of(Role.CSM)
    theirs = track_at(tenant_a, make_account(tenant_a, 1, owner=other_csm))
    mine = track_at(tenant_a, make_account(tenant_a, 2, owner=bob))
    client = login(bob)
    body = client.get(reverse("journeys:index"), {"owner": "all"}).content.decode()
    assert f'data-move-url="{reverse("journeys:track_move", args=[mine.pk])}"' in body
    assert f'data-move-url="{reverse("journeys:track_move", args=[theirs.pk])}"' not in body
    assert client.post(move_url(theirs), {"to_stage": "adoption", "override_reason": "Live"}).status_code == 403
    assert len(transitions(tenant_a, theirs)) == 1
    response = client.post(move_url(mine), {"to_stage": "adoption", "override_reason": "Live already"})
    assert response.status_code == 302
    assert reload(tenant_a, mine).stage == "adoption"


# The move form


def test_the_move_form_shows_the_kind_and_the_checklist(tenant_a, alice, login):
    track = track_at(tenant_a, make_account(tenant_a, 1))
    response = login(alice).get(move_url(track, "adoption"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "This move is: <strong>advanced</strong>" in body
    assert "The customer has confirmed go-live" in body
    assert 'name="override_reason"' in body
    regress = login(alice).get(move_url(track_at(tenant_a, track.account, name="B", stage="retention"), "adoption"))
    assert "regressed" in regress.content.decode() and 'name="reason"' in regress.content.decode()


def test_the_board_asks_for_the_move_form_alone(tenant_a, alice, login):
    track = track_at(tenant_a, make_account(tenant_a, 1))
    response = login(alice).get(move_url(track, "adoption") + "&next=/journeys/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and 'id="move-form"' in body
    assert f'action="{reverse("journeys:track_move", args=[track.pk])}"' in body
    assert 'value="/journeys/"' in body


def test_unmet_criteria_block_the_move_and_nothing_is_recorded(tenant_a, alice, login):
    track = track_at(tenant_a, make_account(tenant_a, 1))
    response = login(alice).post(move_url(track), {"to_stage": "adoption"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "5 exit criteria are not met" in body
    assert "The customer has confirmed go-live" in body
    assert reload(tenant_a, track).stage == "onboarding"
    assert [t.kind for t in transitions(tenant_a, track)] == [TransitionKind.START]


def test_an_override_with_a_reason_is_recorded_as_overridden(tenant_a, alice, login):
    track = track_at(tenant_a, make_account(tenant_a, 1))
    response = login(alice).post(
        move_url(track),
        {"to_stage": "adoption", "override_reason": "Go-live slipped on paperwork only", "note": "Call on Monday"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("journeys:account_journey", args=[track.account_id]))
    moved = transitions(tenant_a, track)[-1]
    assert moved.kind == TransitionKind.ADVANCE and moved.overridden
    assert moved.override_reason == "Go-live slipped on paperwork only" and moved.note == "Call on Monday"
    assert moved.by == alice
    assert reload(tenant_a, track).stage == "adoption"


def test_ticks_in_the_form_count_and_a_met_checklist_moves_without_override(tenant_a, alice, login):
    track = track_at(tenant_a, make_account(tenant_a, 1))
    with scope(tenant=tenant_a):
        for key in ("core_users_active", "value_documented"):
            services.exit_criterion_update(criterion=criterion(tenant_a, key), is_active=False)
    manual = [criterion(tenant_a, key).pk for key in ("implementation_done", "use_case_live", "go_live_confirmed")]
    client = login(alice)
    blocked = client.post(move_url(track), {"to_stage": "adoption", "ticks": manual[:2]})
    assert "1 exit criteria are not met: The customer has confirmed go-live" in blocked.content.decode()
    body = blocked.content.decode()
    # A refused move changes nothing stored; the form shown again keeps the boxes that were ticked.
    with scope(tenant=tenant_a):
        assert CriterionCheck.objects.filter(track=track).count() == 0
    assert all(f'value="{pk}" id="tick-{pk}" checked' in body for pk in manual[:2])
    assert f'value="{manual[2]}" id="tick-{manual[2]}" checked' not in body
    done = client.post(move_url(track), {"to_stage": "adoption", "ticks": manual, "next": "/journeys/"})
    assert done.status_code == 302 and done["Location"] == "/journeys/"
    moved = transitions(tenant_a, track)[-1]
    assert moved.kind == TransitionKind.ADVANCE and not moved.overridden
    assert all(c["met"] for c in moved.criteria)


def test_a_regression_needs_a_reason(tenant_a, alice, login):
    track = track_at(tenant_a, make_account(tenant_a, 1), stage="adoption")
    client = login(alice)
    response = client.post(move_url(track), {"to_stage": "onboarding"})
    assert response.status_code == 200
    assert "Choose why the track moves back" in response.content.decode()
    assert reload(tenant_a, track).stage == "adoption"
    other = client.post(move_url(track), {"to_stage": "onboarding", "reason": "other"})
    assert "Describe the reason" in other.content.decode()
    done = client.post(move_url(track), {"to_stage": "onboarding", "reason": "champion_left"})
    assert done.status_code == 302
    moved = transitions(tenant_a, track)[-1]
    assert moved.kind == TransitionKind.REGRESS and moved.reason == "champion_left"


def test_a_skip_needs_a_reason(tenant_a, alice, login):
    track = track_at(tenant_a, make_account(tenant_a, 1, segment="smb"))
    client = login(alice)
    response = client.post(move_url(track), {"to_stage": "retention", "override_reason": "Fast SMB"})
    assert "Say why the track skips a stage" in response.content.decode()
    done = client.post(
        move_url(track), {"to_stage": "retention", "override_reason": "Fast SMB", "reason_text": "Live in a week"}
    )
    assert done.status_code == 302
    assert transitions(tenant_a, track)[-1].kind == TransitionKind.SKIP


def test_a_redirect_target_off_the_site_is_ignored(tenant_a, alice, login):
    track = track_at(tenant_a, make_account(tenant_a, 1))
    response = login(alice).post(
        move_url(track), {"to_stage": "adoption", "override_reason": "ok", "next": "//evil.example/"}
    )
    assert response["Location"].startswith(reverse("journeys:account_journey", args=[track.account_id]))


# The account's journey


def test_the_account_journey_shows_tracks_timeline_checklist_and_ended_tracks(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    active = track_at(tenant_a, account)
    ended = track_at(tenant_a, account, name="Legacy reporting", stage="adoption")
    with scope(tenant=tenant_a):
        services.track_transition(track=active, to_stage="adoption", by=alice, override_reason="Kick-off done")
        services.track_end(track=ended, by=alice, reason_text="Replaced by the new module")
    response = login(alice).get(reverse("journeys:account_journey", args=[account.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert [j.track.pk for j in response.context["active"]] == [active.pk]
    assert [j.track.pk for j in response.context["ended"]] == [ended.pk]
    assert "overridden" in body and "Kick-off done" in body
    assert "Criteria as they stood" in body
    assert "70%+ of seats are active" in body  # adoption's checklist
    assert "Replaced by the new module" in body
    assert 'data-testid="ended-tracks"' in body
    assert reverse("journeys:success_plan", args=[account.pk]) in body


def test_the_account_page_card(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    track_at(tenant_a, account, name="Core platform")
    response = login(alice).get(reverse("journeys:account_journey_card", args=[account.pk]))
    assert response.status_code == 200
    assert "Core platform" in response.content.decode() and "Onboarding" in response.content.decode()
    page = login(alice).get(reverse("accounts:account_detail", args=[account.pk])).content.decode()
    assert reverse("journeys:account_journey_card", args=[account.pk]) in page


def test_ticking_a_criterion_with_htmx_returns_the_checklist(tenant_a, alice, login):
    track = track_at(tenant_a, make_account(tenant_a, 1))
    go_live = criterion(tenant_a, "go_live_confirmed")
    url = reverse("journeys:criterion_toggle", args=[track.pk, go_live.pk])
    client = login(alice)
    response = client.post(url, {"checked": "on"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Ticked by Alice Admin" in response.content.decode()
    assert reload(tenant_a, track).criteria_met == 1
    client.post(url, {"checked": ""})
    assert reload(tenant_a, track).criteria_met == 0
    adoption = criterion(tenant_a, "seats_active", stage="adoption")
    wrong = client.post(
        reverse("journeys:criterion_toggle", args=[track.pk, adoption.pk]), {"checked": "on"}, HTTP_HX_REQUEST="true"
    )
    assert "not of this stage" in wrong.content.decode()


def test_value_documented_may_point_at_an_objective(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    track = track_at(tenant_a, account)
    with scope(tenant=tenant_a):
        objective = services.objective_create(
            tenant=tenant_a, account=account, title="Faster invoices", metric="Hours", baseline=48, target=12
        )
    value = criterion(tenant_a, "value_documented")
    url = reverse("journeys:criterion_toggle", args=[track.pk, value.pk])
    login(alice).post(url, {"checked": "on", "objective": objective.pk})
    with scope(tenant=tenant_a):
        assert CriterionCheck.objects.get(track=track, criterion=value).objective == objective


def test_start_rename_and_end_a_track(tenant_a, bob, login):
    account = make_account(tenant_a, 1, owner=bob)
    client = login(bob)
    response = client.post(
        reverse("journeys:track_create", args=[account.pk]),
        {"name": "Finance department", "scope_kind": "department", "stage": "adoption"},
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        track = JourneyTrack.objects.get(account=account, name="Finance department")
    assert track.stage == "adoption"
    duplicate = client.post(
        reverse("journeys:track_create", args=[account.pk]),
        {"name": "finance department", "scope_kind": "department", "stage": "onboarding"},
    )
    assert "already has a track called" in duplicate.content.decode()
    client.post(reverse("journeys:track_edit", args=[track.pk]), {"name": "Finance", "scope_kind": "department"})
    assert reload(tenant_a, track).name == "Finance"
    missing = client.post(reverse("journeys:track_end", args=[track.pk]), {"reason_text": ""})
    assert missing.status_code == 200
    client.post(reverse("journeys:track_end", args=[track.pk]), {"reason_text": "Department dissolved"})
    assert reload(tenant_a, track).status == "ended"


# The list


def test_the_track_list_filters_sorts_and_pages(tenant_a, alice, login):
    book(tenant_a, 3)
    late = track_at(tenant_a, make_account(tenant_a, 9), name="Late", stage="renewal", days_ago=30)
    client = login(alice)
    response = client.get(reverse("journeys:track_list"), {"stage": "renewal"})
    assert [t.pk for t in response.context["page"]] == [late.pk]
    by_days = client.get(reverse("journeys:track_list"), {"sort": "-days"})
    assert next(iter(by_days.context["page"])).pk == late.pk
    for sort in selectors.tracks.TRACK_SORTS:
        assert client.get(reverse("journeys:track_list"), {"sort": sort}).status_code == 200


def test_the_track_list_query_count_is_constant(tenant_a, alice, login, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(alice)
    book(tenant_a, 5)
    client.get(reverse("journeys:track_list"))
    with CaptureQueriesContext(connection) as five:
        client.get(reverse("journeys:track_list"))
    book(tenant_a, 25, start=6)
    with django_assert_max_num_queries(len(five.captured_queries)):
        response = client.get(reverse("journeys:track_list"))
    assert len(response.context["page"]) == 30


# Flags


@pytest.fixture
def flagged(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    track = track_at(tenant_a, account, stage="adoption")
    with scope(tenant=tenant_a):
        flag = services.tracks_flag_for_review(
            tenant=tenant_a, account=account, kind=FlagKind.CHAMPION_LOST, why="Champion Jane Roe is no longer active"
        )[0]
    return track, flag


def test_confirming_a_flag_regresses_the_track(tenant_a, bob, login, flagged):
    track, flag = flagged
    client = login(bob)
    journey = client.get(reverse("journeys:account_journey", args=[track.account_id])).content.decode()
    assert "Confirm regression" in journey and "Champion Jane Roe is no longer active" in journey
    response = client.post(reverse("journeys:flag_confirm", args=[flag.pk]), {"note": "Agreed"})
    assert response.status_code == 302
    assert reload(tenant_a, track).stage == "onboarding"
    moved = transitions(tenant_a, track)[-1]
    assert moved.kind == TransitionKind.REGRESS and moved.reason == "champion_left"
    with scope(tenant=tenant_a):
        assert TrackFlag.objects.get(pk=flag.pk).status == FlagStatus.CONFIRMED


def test_dismissing_a_flag_keeps_the_track_where_it_is(tenant_a, bob, login, flagged):
    track, flag = flagged
    login(bob).post(reverse("journeys:flag_dismiss", args=[flag.pk]), {"note": "A new champion took over"})
    with scope(tenant=tenant_a):
        dismissed = TrackFlag.objects.get(pk=flag.pk)
    assert dismissed.status == FlagStatus.DISMISSED and dismissed.resolution_note == "A new champion took over"
    assert reload(tenant_a, track).stage == "adoption"


def test_flags_are_for_the_owner_or_a_leader(tenant_a, member_of, login, flagged):
    _track, flag = flagged
    assert login(member_of(Role.VIEWER)).post(reverse("journeys:flag_dismiss", args=[flag.pk])).status_code == 403
    assert login(member_of(Role.CSM)).post(reverse("journeys:flag_confirm", args=[flag.pk])).status_code == 403
    assert login(member_of(Role.LEADER)).post(reverse("journeys:flag_dismiss", args=[flag.pk])).status_code == 302


def test_the_flag_list_shows_open_flags_and_filters(tenant_a, alice, login, flagged):
    _track, flag = flagged
    client = login(alice)
    response = client.get(reverse("journeys:flag_list"))
    assert [f.pk for f in response.context["page"]] == [flag.pk]
    assert "Confirm regression" in response.content.decode()
    assert list(client.get(reverse("journeys:flag_list"), {"kind": "stalled"}).context["page"]) == []
    client.post(reverse("journeys:flag_dismiss", args=[flag.pk]))
    assert list(client.get(reverse("journeys:flag_list")).context["page"]) == []
    dismissed = client.get(reverse("journeys:flag_list"), {"status": "dismissed"})
    assert [f.pk for f in dismissed.context["page"]] == [flag.pk]


def test_a_flag_without_a_stage_to_go_back_to_can_only_be_dismissed(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    track_at(tenant_a, account)
    with scope(tenant=tenant_a):
        flag = services.tracks_flag_for_review(
            tenant=tenant_a, account=account, kind=FlagKind.HEALTH_RED, why="Health entered red"
        )[0]
    assert flag.suggested_stage == ""
    body = login(alice).get(reverse("journeys:account_journey", args=[account.pk])).content.decode()
    assert "review the onboarding plan" in body
    assert reverse("journeys:flag_dismiss", args=[flag.pk]) in body
    assert reverse("journeys:flag_confirm", args=[flag.pk]) not in body
