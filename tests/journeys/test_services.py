"""Journeys' rules, through the services: tracks start with new accounts, transitions follow their
criteria and reasons, tracks overlap, stall by segment, and are flagged (never moved) when a champion
leaves or health turns red."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope

from accounts import services as account_services
from accounts.models import ImportKind, ImportMode
from accounts.services import imports as import_services
from core import tenant_time
from core.events import receives
from health.models import HealthSignal, Severity, SignalKind
from health.services import detection
from journeys import services
from journeys.models import (
    CriterionCheck,
    FlagKind,
    FlagStatus,
    JourneyTrack,
    RegressionReason,
    StageTransition,
    TrackFlag,
    TrackStatus,
    TransitionKind,
)
from journeys.services import transition_kind_for
from journeys.signals import track_flagged, track_transitioned

from .builders import criterion, data_criteria_off, make_account, reload, tick_manual, track_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_a(tenant_a):
    with scope(tenant=tenant_a):
        yield tenant_a


def tracks_of(tenant, account) -> list[JourneyTrack]:
    with scope(tenant=tenant):
        return list(JourneyTrack.objects.filter(tenant=tenant, account=account).order_by("id"))


def open_flags(tenant, **lookup) -> list[TrackFlag]:
    with scope(tenant=tenant):
        return list(TrackFlag.objects.filter(tenant=tenant, status=FlagStatus.OPEN, **lookup).order_by("track_id"))


def unmet_message(error: ValidationError) -> str:
    return " ".join(error.message_dict["override_reason"])


# --- tracks start with accounts ---------------------------------------------------------------------------------


def test_a_new_account_starts_one_onboarding_track_and_a_second_start_adds_none(
    tenant_a, django_capture_on_commit_callbacks
):
    # Receivers run in the scope the commit happens in (the request's, the task's).
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        acme = make_account(tenant_a, 1)
    (track,) = tracks_of(tenant_a, acme)
    assert (track.name, track.stage, track.is_active) == ("Core platform", "onboarding", True)
    with scope(tenant=tenant_a):
        (start,) = StageTransition.objects.filter(tenant=tenant_a, track=track)
        assert (start.kind, start.to_stage) == (TransitionKind.START, "onboarding")
        assert services.account_tracks_start(tenant=tenant_a, account_ids=[acme.pk]) == 0
    assert len(tracks_of(tenant_a, acme)) == 1


def test_accounts_created_by_the_csv_import_start_their_tracks(tenant_a, django_capture_on_commit_callbacks):
    data = "Account ID,Name,Segment\nimp-1,Imported One,smb\nimp-2,Imported Two,enterprise\n"
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        job = import_services.import_job_create(
            tenant=tenant_a,
            kind=ImportKind.ACCOUNTS,
            uploaded_file=SimpleUploadedFile("accounts.csv", data.encode()),
            by=None,
        )
        import_services.import_job_configure(job=job, mapping=job.mapping, mode=ImportMode.VALID_ROWS, by=None)
    with scope(tenant=tenant_a):
        names = sorted(JourneyTrack.objects.filter(tenant=tenant_a).values_list("account__name", "stage"))
    assert names == [("Imported One", "onboarding"), ("Imported Two", "onboarding")]


# --- transition rules --------------------------------------------------------------------------------------------


def test_advancing_with_unmet_criteria_is_refused_and_names_them(tenant_a, in_a):
    track = track_at(tenant_a, make_account(tenant_a, 1))
    with pytest.raises(ValidationError) as refused:
        services.track_transition(track=track, to_stage="adoption", by=None)
    message = unmet_message(refused.value)
    assert message.startswith("5 exit criteria are not met")
    for label in ("Technical implementation is done", "The customer has confirmed go-live", "Core users"):
        assert label in message
    assert reload(tenant_a, track).stage == "onboarding"
    assert StageTransition.objects.filter(tenant=tenant_a, track=track).count() == 1  # the start only


def test_an_override_moves_on_and_records_the_reason_and_the_checklist(tenant_a, alice, in_a):
    track = track_at(tenant_a, make_account(tenant_a, 1))
    services.criterion_check(track=track, criterion=criterion(tenant_a, "onboarding", "go_live_confirmed"), by=alice)
    moved = services.track_transition(
        track=track, to_stage="adoption", by=alice, override_reason="Sponsor signed off; training next week"
    )
    assert (moved.kind, moved.from_stage, moved.to_stage, moved.by) == ("advance", "onboarding", "adoption", alice)
    assert moved.overridden and moved.override_reason == "Sponsor signed off; training next week"
    snapshot = {item["key"]: item["met"] for item in moved.criteria}
    assert snapshot == {
        "implementation_done": False,
        "core_users_active": False,
        "use_case_live": False,
        "value_documented": False,
        "go_live_confirmed": True,
    }
    assert reload(tenant_a, track).stage == "adoption"
    # The ticks belonged to the stay in onboarding.
    assert not CriterionCheck.objects.filter(tenant=tenant_a, track=track).exists()


def test_all_criteria_met_moves_on_without_an_override(tenant_a, alice, in_a):
    acme = make_account(tenant_a, 1)
    track = track_at(tenant_a, acme)
    tick_manual(tenant_a, track, by=alice)
    # "Core users active" is a usage rule: out of use here. "Value documented" holds through the plan.
    services.exit_criterion_update(criterion=criterion(tenant_a, "onboarding", "core_users_active"), is_active=False)
    objective = services.objective_create(
        tenant=tenant_a, account=acme, title="Faster invoices", metric="Hours per invoice", baseline=48, target=12
    )
    with pytest.raises(ValidationError) as refused:
        services.track_transition(track=track, to_stage="adoption", by=alice)
    assert unmet_message(refused.value).startswith("1 exit criteria are not met: First business value is documented")

    services.measurement_record(objective=objective, value=Decimal(30), measured_on=dt.date(2026, 11, 1), by=alice)
    moved = services.track_transition(track=track, to_stage="adoption", by=alice)
    assert (moved.kind, moved.overridden, moved.override_reason) == ("advance", False, "")
    assert [item["met"] for item in moved.criteria] == [True, True, True, True]
    assert "Faster invoices: 30" in moved.criteria[2]["detail"]


def test_a_skip_needs_a_reason(tenant_a, in_a):
    track = track_at(tenant_a, make_account(tenant_a, 1, segment="smb"))
    with pytest.raises(ValidationError) as refused:
        services.track_transition(track=track, to_stage="retention", by=None, override_reason="live in a day")
    assert "reason_text" in refused.value.message_dict
    skipped = services.track_transition(
        track=track, to_stage="retention", by=None, reason_text="Fast SMB, live in a day", override_reason="live"
    )
    assert (skipped.kind, skipped.reason_text, skipped.overridden) == ("skip", "Fast SMB, live in a day", True)


def test_a_regression_needs_one_of_the_reasons_and_other_needs_text(tenant_a, in_a):
    track = track_at(tenant_a, make_account(tenant_a, 1), stage="adoption")
    with pytest.raises(ValidationError) as no_reason:
        services.track_transition(track=track, to_stage="onboarding", by=None)
    assert "Champion left" in no_reason.value.message_dict["reason"][0]
    with pytest.raises(ValidationError) as bare_other:
        services.track_transition(track=track, to_stage="onboarding", by=None, reason=RegressionReason.OTHER)
    assert "reason_text" in bare_other.value.message_dict
    back = services.track_transition(track=track, to_stage="onboarding", by=None, reason=RegressionReason.BUDGET_CUT)
    assert (back.kind, back.reason, back.overridden) == ("regress", "budget_cut", False)
    assert back.reason_label == "Budget cut"
    # A regression never needs criteria to be met.
    assert back.criteria and not all(item["met"] for item in back.criteria)


def test_an_ended_track_re_enters_with_a_reason(tenant_a, in_a):
    track = track_at(tenant_a, make_account(tenant_a, 1), stage="adoption", name="Finance department")
    ended = services.track_end(track=track, by=None, reason_text="Finance moved to another tool")
    track = reload(tenant_a, track)
    assert (ended.kind, track.status, track.is_active) == ("end", TrackStatus.ENDED, False)
    with pytest.raises(ValidationError) as refused:
        services.track_transition(track=track, to_stage="adoption", by=None)
    assert "reason_text" in refused.value.message_dict
    back = services.track_transition(track=track, to_stage="adoption", by=None, reason_text="New CFO came back")
    track = reload(tenant_a, track)
    assert (back.kind, back.from_stage, back.to_stage) == ("reenter", "", "adoption")
    assert track.is_active and track.status != TrackStatus.ENDED


@pytest.mark.parametrize(
    ("stage", "to_stage", "kind"),
    [
        ("onboarding", "adoption", "advance"),
        ("adoption", "expansion", "skip"),
        ("renewal", "retention", "regress"),
        ("expansion", "onboarding", "regress"),
        ("retention", "retention", "reenter"),
    ],
)
def test_the_kind_follows_from_where_the_track_stands(tenant_a, in_a, stage, to_stage, kind):
    track = track_at(tenant_a, make_account(tenant_a, 1), stage=stage)
    assert transition_kind_for(track, to_stage) == kind


def test_a_data_criterion_or_another_stages_criterion_cannot_be_ticked(tenant_a, in_a):
    track = track_at(tenant_a, make_account(tenant_a, 1))
    with pytest.raises(ValidationError) as data_rule:
        services.criterion_check(track=track, criterion=criterion(tenant_a, "onboarding", "core_users_active"), by=None)
    assert "evaluated from data" in data_rule.value.message_dict["criterion"][0]
    with pytest.raises(ValidationError) as elsewhere:
        services.criterion_check(track=track, criterion=criterion(tenant_a, "adoption", "teams_onboarded"), by=None)
    assert "a criterion of Adoption" in elsewhere.value.message_dict["criterion"][0]
    assert not CriterionCheck.objects.filter(tenant=tenant_a, track=track).exists()


# --- overlapping tracks ------------------------------------------------------------------------------------------


def test_one_account_runs_overlapping_tracks_with_distinct_names(tenant_a, in_a):
    acme = make_account(tenant_a, 1, segment="enterprise")
    track_at(tenant_a, acme, stage="adoption", name="Core platform")
    track_at(tenant_a, acme, stage="expansion", name="Finance department", scope_kind="department")
    assert [(t.name, t.stage, t.scope_kind) for t in tracks_of(tenant_a, acme)] == [
        ("Core platform", "adoption", "product"),
        ("Finance department", "expansion", "department"),
    ]
    with pytest.raises(ValidationError) as duplicate:
        track_at(tenant_a, acme, name="core platform")
    assert duplicate.value.message_dict["name"] == ["Account 001 already has a track called 'core platform'."]
    finance = tracks_of(tenant_a, acme)[1]
    with pytest.raises(ValidationError):
        services.track_rename(track=finance, name="Core Platform")


# --- time in stage -----------------------------------------------------------------------------------------------


def test_the_same_days_in_onboarding_read_by_segment(tenant_a, in_a):
    tracks = {
        segment: track_at(tenant_a, make_account(tenant_a, n, segment=segment), days_ago=45)
        for n, segment in enumerate(("smb", "mid_market", "enterprise"), start=1)
    }
    statuses = {segment: reload(tenant_a, t).status for segment, t in tracks.items()}
    assert statuses == {"smb": "stalled", "mid_market": "behind", "enterprise": "on_track"}
    assert reload(tenant_a, tracks["smb"]).status_reason == (
        "45 days in onboarding, expected 7-30 days for SMB; 0 of 5 criteria met."
    )
    # Mid-market with every criterion met is not behind: the lower bound only matters with work left.
    data_criteria_off(tenant_a, "onboarding")
    tick_manual(tenant_a, tracks["mid_market"])
    assert reload(tenant_a, tracks["mid_market"]).status == "on_track"


def test_behind_means_slower_than_the_pace_through_the_expected_range(tenant_a, in_a):
    # Mid-market onboarding: 30-60 days, 5 criteria. Three manual ticks are 3 of 5.
    early = track_at(tenant_a, make_account(tenant_a, 1, segment="mid_market"), days_ago=40)
    late = track_at(tenant_a, make_account(tenant_a, 2, segment="mid_market"), days_ago=55)
    for track in (early, late):
        tick_manual(tenant_a, track)
    # Ten days past the lower bound a third of the way through the range: 1 of 5 is the pace, 3 are met.
    assert reload(tenant_a, early).status == "on_track"
    # 25 of 30 days through: 4 of 5 are expected by now.
    late = reload(tenant_a, late)
    assert late.status == "behind"
    assert late.status_reason == (
        "55 days in onboarding, expected 30-60 days for Mid-market; 3 of 5 criteria met, 4 expected by now."
    )
    assert [services.expected_met(d, (30, 60), 5) for d in (30, 31, 45, 59, 60, 90)] == [0, 0, 2, 4, 5, 5]


def test_an_advocacy_track_without_a_promoter_yet_is_not_behind(tenant_a, in_a):
    # A promoter is a milestone still ahead, not a state the account lost: a to-do, not a delay.
    track = reload(tenant_a, track_at(tenant_a, make_account(tenant_a, 1), stage="advocacy", days_ago=200))
    assert (track.status, track.criteria_met) == ("on_track", 0)


def test_a_stalled_track_raises_one_flag_which_clears_when_it_moves(tenant_a, in_a):
    track = track_at(tenant_a, make_account(tenant_a, 1, segment="smb"), days_ago=45)
    for _ in range(3):
        services.tracks_refresh_status(tenant=tenant_a)
    (flag,) = open_flags(tenant_a, track=track)
    assert (flag.kind, flag.suggested_stage) == (FlagKind.STALLED, "")
    assert "is stalled: 45 days in onboarding" in flag.message
    # Two days on, still one open flag, telling the days as they are now.
    services.tracks_refresh_status(tenant=tenant_a, now=timezone.now() + dt.timedelta(days=2))
    (flag,) = open_flags(tenant_a, track=track)
    assert "is stalled: 47 days in onboarding" in flag.message

    services.track_transition(track=track, to_stage="adoption", by=None, override_reason="Live at last")
    assert open_flags(tenant_a, track=track) == []
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CLEARED
    assert reload(tenant_a, track).status == "on_track"


def test_changing_the_expectation_changes_the_status(tenant_a, in_a):
    track = track_at(tenant_a, make_account(tenant_a, 1, segment="smb"), days_ago=45)
    assert reload(tenant_a, track).status == "stalled"
    # The tracks it applies to follow at once, without waiting for the hourly sweep.
    services.stage_expectation_update(tenant=tenant_a, stage="onboarding", segment="smb", min_days=50, max_days=90)
    assert reload(tenant_a, track).status == "on_track"
    assert open_flags(tenant_a, track=track) == []
    services.stage_expectation_update(tenant=tenant_a, stage="onboarding", segment="smb", min_days=20, max_days=None)
    assert reload(tenant_a, track).status == "behind"
    assert reload(tenant_a, track).status_reason.startswith("45 days in onboarding, expected 20+ days (ongoing)")
    with pytest.raises(ValidationError):
        services.stage_expectation_update(tenant=tenant_a, stage="onboarding", segment="smb", min_days=30, max_days=10)


def test_an_ongoing_stage_is_behind_only_on_what_the_data_shows(tenant_a, in_a):
    # Retention has no clock: unticked manual criteria are to-dos, an unmet data criterion is a delay.
    track = track_at(tenant_a, make_account(tenant_a, 1, segment="smb"), stage="retention", days_ago=400)
    track = reload(tenant_a, track)
    assert track.status == "behind"
    assert "Not met: Health is consistently green" in track.status_reason
    data_criteria_off(tenant_a, "retention")
    services.tracks_refresh_status(tenant=tenant_a)
    track = reload(tenant_a, track)
    assert (track.status, track.criteria_met, track.criteria_total) == ("on_track", 0, 2)


# --- regression suggestions --------------------------------------------------------------------------------------


@pytest.fixture
def acme_tracks(tenant_a):
    """Acme, enterprise, with two running tracks and an ended one, and two champions."""
    acme = make_account(tenant_a, 1, segment="enterprise")
    core = track_at(tenant_a, acme, stage="adoption", name="Core platform")
    finance = track_at(tenant_a, acme, stage="expansion", name="Finance department", scope_kind="department")
    legacy = track_at(tenant_a, acme, stage="retention", name="Legacy app")
    with scope(tenant=tenant_a):
        services.track_end(track=legacy, by=None, reason_text="Retired")
        champions = [
            account_services.contact_create(
                tenant=tenant_a, account=acme, external_id=f"c{n}", name=name, roles=["champion"]
            )
            for n, name in enumerate(("Jane Roe", "Max Bauer"))
        ]
    return acme, core, finance, champions


def test_a_champion_deactivated_flags_every_running_track_once(
    tenant_a, acme_tracks, django_capture_on_commit_callbacks
):
    _acme, core, finance, (jane, max_) = acme_tracks
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        account_services.contact_update(contact=jane, is_active=False)
    flags = open_flags(tenant_a, kind=FlagKind.CHAMPION_LOST)
    assert [(f.track_id, f.suggested_stage, f.suggested_reason) for f in flags] == [
        (core.pk, "onboarding", RegressionReason.CHAMPION_LEFT),
        (finance.pk, "retention", RegressionReason.CHAMPION_LEFT),
    ]
    assert flags[0].message == (
        "Champion Jane Roe is no longer active: review Core platform (adoption); suggested: back to onboarding."
    )
    # A second change (the other champion) refreshes the open flags instead of adding more.
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        account_services.contact_update(contact=max_, is_active=False)
    assert len(open_flags(tenant_a, kind=FlagKind.CHAMPION_LOST)) == 2
    # Nothing moved by itself.
    assert (reload(tenant_a, core).stage, reload(tenant_a, finance).stage) == ("adoption", "expansion")


def test_a_champion_losing_the_role_flags_the_tracks(tenant_a, acme_tracks, django_capture_on_commit_callbacks):
    _acme, core, finance, (jane, _max) = acme_tracks
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        account_services.contact_update(contact=jane, title="Head of Finance")  # not a role change: nothing
    assert open_flags(tenant_a) == []
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        account_services.contact_update(contact=jane, roles=["power_user"])
    flags = open_flags(tenant_a, kind=FlagKind.CHAMPION_LOST)
    assert [f.track_id for f in flags] == [core.pk, finance.pk]
    assert "Jane Roe is no longer the champion" in flags[0].message


def band_change(tenant, account, to: str) -> None:
    """Detection's writer raising a band change, as the daily recompute does, announced on commit."""
    wanted = detection.Wanted(
        account.pk,
        SignalKind.BAND_CHANGE,
        "account",
        Severity.HIGH,
        f"{account.name} moved from yellow to {to} this week (health 31).",
        data={"from": "yellow", "to": to},
    )
    today = tenant_time.today(tenant)
    detection.signals_sync(tenant=tenant, account_ids=[account.pk], wanted=[wanted], today=today, cooldown_days={})


def test_health_entering_red_flags_the_tracks(tenant_a, acme_tracks, django_capture_on_commit_callbacks):
    acme, core, finance, _champions = acme_tracks
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        band_change(tenant_a, acme, "green")
    assert open_flags(tenant_a) == []
    with scope(tenant=tenant_a):
        HealthSignal.objects.filter(tenant=tenant_a).delete()
        with django_capture_on_commit_callbacks(execute=True):
            band_change(tenant_a, acme, "red")
    flags = open_flags(tenant_a, kind=FlagKind.HEALTH_RED)
    assert [(f.track_id, f.suggested_reason) for f in flags] == [
        (core.pk, RegressionReason.HEALTH_DECLINE),
        (finance.pk, RegressionReason.HEALTH_DECLINE),
    ]
    assert flags[0].message.startswith("Health entered red (Account 001 moved from yellow to red this week")
    assert reload(tenant_a, core).stage == "adoption"


def test_confirming_a_flag_records_the_regression_and_dismissing_keeps_the_stage(tenant_a, bob, acme_tracks):
    acme, core, finance, _champions = acme_tracks
    with scope(tenant=tenant_a):
        core_flag, finance_flag = services.tracks_flag_for_review(
            tenant=tenant_a, account=acme, kind=FlagKind.CHAMPION_LOST, why="Champion Jane Roe is no longer active"
        )
        with pytest.raises(ValidationError) as forward:
            services.flag_confirm(flag=core_flag, by=bob, to_stage="renewal")
        assert forward.value.message_dict == {"to_stage": ["A confirmed regression moves the track back, not forward."]}
        moved = services.flag_confirm(flag=core_flag, by=bob, note="Jane left; restart with Max")
        assert (moved.kind, moved.from_stage, moved.to_stage) == ("regress", "adoption", "onboarding")
        assert (moved.reason, moved.note, moved.by) == ("champion_left", "Jane left; restart with Max", bob)
        services.flag_dismiss(flag=finance_flag, by=bob, note="Finance has its own champion")
        with pytest.raises(ValidationError):
            services.flag_dismiss(flag=finance_flag, by=bob)
    core_flag.refresh_from_db()
    finance_flag.refresh_from_db()
    assert (core_flag.status, core_flag.resolved_by) == (FlagStatus.CONFIRMED, bob)
    assert (finance_flag.status, finance_flag.resolution_note) == (FlagStatus.DISMISSED, "Finance has its own champion")
    assert (reload(tenant_a, core).stage, reload(tenant_a, finance).stage) == ("onboarding", "expansion")


# --- announcements -----------------------------------------------------------------------------------------------


@pytest.fixture
def heard():
    _heard.clear()
    yield _heard
    _heard.clear()


_heard: list[tuple[str, object]] = []


@receives(track_transitioned)
def _on_transition(*, tenant, kind, **payload):
    _heard.append(("transitioned", kind))


@receives(track_flagged)
def _on_flag(*, tenant, kind, **payload):
    _heard.append(("flagged", kind))


def test_transitions_and_flags_are_announced_on_commit(tenant_a, heard, django_capture_on_commit_callbacks):
    acme = make_account(tenant_a, 1, segment="smb")
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks() as waiting:
        track = track_at(tenant_a, acme, days_ago=45)  # starts, and is stalled at once
        services.track_transition(track=track, to_stage="adoption", by=None, override_reason="Live")
    assert heard == []
    for callback in waiting:
        callback()
    assert heard == [("transitioned", "start"), ("flagged", "stalled"), ("transitioned", "advance")]
