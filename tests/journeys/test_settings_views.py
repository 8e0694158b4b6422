"""Journey settings: exit criteria and expected durations; everyone reads them, only an admin changes them."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from journeys import services
from journeys.models import ExitCriterion, JourneyTrack, StageExpectation, TrackStatus
from journeys.selectors.criteria import exit_criteria_by_stage
from tenancy.models import Role

from ..accounts.builders import make_account


def criterion(tenant, key, stage="onboarding"):
    with scope(tenant=tenant):
        exit_criteria_by_stage(tenant=tenant)
        return ExitCriterion.objects.get(tenant=tenant, stage=stage, key=key)


def grid(tenant, **changes):
    """The expectations form as it stands, with `changes` ({"max_onboarding_mid_market": 35, ...})."""
    with scope(tenant=tenant):
        bounds = services.expectations_for(tenant=tenant)
    data = {}
    for (stage, segment), (low, high) in bounds.items():
        data[f"min_{stage}_{segment}"] = low
        data[f"max_{stage}_{segment}"] = "" if high is None else high
    data.update(changes)
    return data


def test_everyone_reads_the_settings(tenant_a, member_of, login):
    response = login(member_of(Role.VIEWER)).get(reverse("journeys:journey_settings"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "The customer has confirmed go-live" in body
    assert 'id="expectations-grid"' in body
    assert "New criterion" not in body and "Edit durations" not in body


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CSM, Role.LEADER])
def test_only_an_admin_changes_the_settings(tenant_a, member_of, login, role):
    client = login(member_of(role))
    go_live = criterion(tenant_a, "go_live_confirmed")
    assert client.get(reverse("journeys:criterion_create")).status_code == 403
    assert client.post(reverse("journeys:criterion_create"), {"stage": "onboarding", "label": "X"}).status_code == 403
    assert client.post(reverse("journeys:criterion_edit", args=[go_live.pk]), {"label": "X"}).status_code == 403
    assert client.post(reverse("journeys:criterion_delete", args=[go_live.pk])).status_code == 403
    assert client.post(reverse("journeys:expectations_edit"), grid(tenant_a)).status_code == 403
    with scope(tenant=tenant_a):
        assert ExitCriterion.objects.get(pk=go_live.pk).label == "The customer has confirmed go-live"


def test_an_admin_adds_edits_and_removes_a_criterion(tenant_a, alice, login):
    client = login(alice)
    response = client.post(
        reverse("journeys:criterion_create"),
        {"stage": "adoption", "label": "Executive sponsor signed off", "kind": "manual", "is_active": "on"},
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        added = ExitCriterion.objects.get(tenant=tenant_a, stage="adoption", key="executive_sponsor_signed_off")
    assert added.is_active
    assert "Executive sponsor signed off" in client.get(reverse("journeys:journey_settings")).content.decode()

    edited = client.post(
        reverse("journeys:criterion_edit", args=[added.pk]),
        {"label": "Sponsor signed off", "kind": "data", "rule": "nps", "threshold": "8", "help_text": ""},
    )
    assert edited.status_code == 302
    with scope(tenant=tenant_a):
        added.refresh_from_db()
    assert (added.label, added.kind, added.rule, added.threshold, added.is_active) == (
        "Sponsor signed off",
        "data",
        "nps",
        8,
        False,
    )
    client.post(reverse("journeys:criterion_delete", args=[added.pk]))
    with scope(tenant=tenant_a):
        assert not ExitCriterion.objects.filter(pk=added.pk).exists()


def test_a_data_criterion_needs_a_rule(tenant_a, alice, login):
    response = login(alice).post(
        reverse("journeys:criterion_create"), {"stage": "adoption", "label": "Usage", "kind": "data", "rule": ""}
    )
    assert response.status_code == 200
    assert "A data criterion needs one of the rules" in response.content.decode()


def test_removing_a_criterion_refreshes_the_track_counts(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    with scope(tenant=tenant_a):
        track = services.track_create(tenant=tenant_a, account=account, name="Core", by=None)
    assert track.criteria_total == 5
    login(alice).post(reverse("journeys:criterion_delete", args=[criterion(tenant_a, "use_case_live").pk]))
    with scope(tenant=tenant_a):
        assert JourneyTrack.objects.get(pk=track.pk).criteria_total == 4


def test_an_expectation_edit_changes_a_tracks_status(tenant_a, alice, login):
    # Mid-market onboarding is expected to take 30-60 days: 40 days in, with criteria unmet, it is behind.
    account = make_account(tenant_a, 1, segment="mid_market")
    with scope(tenant=tenant_a):
        track = services.track_create(
            tenant=tenant_a, account=account, name="Core", by=None, at=timezone.now() - dt.timedelta(days=40)
        )
    assert track.status == TrackStatus.BEHIND
    client = login(alice)
    response = client.post(reverse("journeys:expectations_edit"), grid(tenant_a, max_onboarding_mid_market=35))
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        track.refresh_from_db()
        assert StageExpectation.objects.get(stage="onboarding", segment="mid_market").max_days == 35
    assert track.status == TrackStatus.STALLED
    assert "expected 30-35 days" in track.status_reason
    # An empty upper bound: the stage is ongoing and never stalls.
    client.post(reverse("journeys:expectations_edit"), grid(tenant_a, max_onboarding_mid_market=""))
    with scope(tenant=tenant_a):
        track.refresh_from_db()
    assert track.status == TrackStatus.BEHIND and "ongoing" in track.status_reason


def test_an_upper_bound_below_the_lower_saves_nothing(tenant_a, alice, login):
    response = login(alice).post(
        reverse("journeys:expectations_edit"),
        grid(tenant_a, min_adoption_smb=100, max_adoption_smb=10, max_onboarding_smb=25),
    )
    assert response.status_code == 200
    assert "must be at least the lower" in response.content.decode()
    with scope(tenant=tenant_a):
        assert StageExpectation.objects.get(stage="onboarding", segment="smb").max_days == 30
        adoption = StageExpectation.objects.get(stage="adoption", segment="smb")
    assert (adoption.min_days, adoption.max_days) == (90, 180)
