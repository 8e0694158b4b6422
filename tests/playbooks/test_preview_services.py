"""The preview replays stored history: the trigger's past occurrences, through the engine's trigger matcher
and conditions (against the accounts as they are today), with the cool-down simulated across the window;
it counts its progress day by day and keeps the first examples with the actions they would get."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from core import tenant_time
from health.services import detection
from journeys.services import track_transition
from playbooks.models import PreviewJob, PreviewStatus
from playbooks.services.playbooks import playbook_create
from playbooks.services.preview import preview_resume, preview_run, preview_start
from tenancy.leases import task_lease

from ..journeys.builders import track_at
from ..renewals.builders import contract_for, make_account

pytestmark = pytest.mark.django_db

CALL = {"type": "create_task", "title": "Call {{ account.name }}", "kind": "call", "due_in_days": 2}
RED_ENTERPRISE = {
    "trigger": "band_changed",
    "trigger_params": {"to": "red"},
    "conditions": [{"field": "segment", "op": "in", "value": ["enterprise"]}],
    "actions": [{"type": "create_task", "title": "Call the sponsor", "kind": "call", "due_in_days": 2}],
    "cooldown_days": 30,
}


def band_changes(tenant, account, *changes: tuple[int, str, str]) -> None:
    """Health's detection raising a band change for `account` `days_ago` days ago (from -> to), and resolving
    it the next day, as the nightly recompute does when the account's band settles."""
    with scope(tenant=tenant):
        today = tenant_time.today(tenant)
        for days_ago, before, after in changes:
            day = today - dt.timedelta(days=days_ago)
            wanted = detection.Wanted(
                account.pk,
                "band_change",
                "account",
                "high",
                f"{account.name} moved from {before} to {after}.",
                data={"from": before, "to": after},
            )
            detection.signals_sync(
                tenant=tenant, account_ids=[account.pk], wanted=[wanted], today=day, cooldown_days={}
            )
            detection.signals_sync(
                tenant=tenant, account_ids=[account.pk], wanted=[], today=day + dt.timedelta(days=1), cooldown_days={}
            )


def previewed(tenant, user, capture, **kwargs) -> PreviewJob:
    """Start a preview as the page does; the worker's task runs once the request's transaction commits."""
    with capture(execute=True), scope(tenant=tenant):
        job = preview_start(tenant=tenant, by=user, **kwargs)
    with scope(tenant=tenant):
        return PreviewJob.objects.get(tenant=tenant, pk=job.pk)


def test_band_changes_fire_for_matching_accounts_with_the_cooldown_simulated(
    tenant_a, alice, django_capture_on_commit_callbacks
):
    first = make_account(tenant_a, 1, segment="enterprise")
    second = make_account(tenant_a, 2, segment="enterprise")
    small = make_account(tenant_a, 3, segment="smb")
    band_changes(
        tenant_a, first, (40, "yellow", "red"), (20, "yellow", "red"), (15, "red", "green"), (10, "green", "red")
    )
    band_changes(tenant_a, second, (5, "yellow", "red"))
    band_changes(tenant_a, small, (3, "yellow", "red"))

    job = previewed(tenant_a, alice, django_capture_on_commit_callbacks, definition=RED_ENTERPRISE, days=30)

    assert job.status == PreviewStatus.DONE, job.error
    assert (job.done, job.total) == (30, 30)
    result = job.result
    # Day -40 is outside the window; -15 turned green (not the trigger's band); -10 is inside the 30-day
    # cool-down of -20; the SMB account does not meet the condition.
    assert (result["fired"], result["accounts"]) == (2, 2)
    assert (result["matched"], result["skipped"], result["held"]) == (4, 1, 1)
    assert [(e["account"], e["day"]) for e in result["examples"]] == [
        (first.name, (tenant_time.today(tenant_a) - dt.timedelta(days=20)).isoformat()),
        (second.name, (tenant_time.today(tenant_a) - dt.timedelta(days=5)).isoformat()),
    ]
    assert result["examples"][0]["actions"] == [result["actions"][0]]
    assert "Call the sponsor" in result["actions"][0]
    assert "would have fired 2 times for 2 accounts" in result["sentence"]
    assert "as they are today" in result["sentence"]
    assert sum(result["by_day"]) == 2


def test_without_a_cooldown_every_occurrence_fires(tenant_a, alice, django_capture_on_commit_callbacks):
    first = make_account(tenant_a, 1, segment="enterprise")
    band_changes(tenant_a, first, (20, "yellow", "red"), (10, "green", "red"))

    job = previewed(
        tenant_a, alice, django_capture_on_commit_callbacks, definition={**RED_ENTERPRISE, "cooldown_days": 0}, days=30
    )

    assert (job.result["fired"], job.result["accounts"], job.result["held"]) == (2, 1, 0)


def test_a_saved_playbook_previews_its_own_definition_over_a_shorter_window(
    tenant_a, alice, django_capture_on_commit_callbacks
):
    account = make_account(tenant_a, 1, segment="enterprise")
    band_changes(tenant_a, account, (20, "yellow", "red"), (3, "yellow", "red"))
    with scope(tenant=tenant_a):
        playbook = playbook_create(
            tenant=tenant_a,
            by=alice,
            name="Red enterprise",
            trigger="band_changed",
            trigger_params={"to": "red"},
            conditions=RED_ENTERPRISE["conditions"],
            actions=RED_ENTERPRISE["actions"],
            cooldown_days=30,
        )

    job = previewed(tenant_a, alice, django_capture_on_commit_callbacks, playbook=playbook, days=7)

    assert job.playbook_id == playbook.pk
    assert (job.result["fired"], job.total, job.done) == (1, 7, 7)
    assert "Over the last 7 days" in job.result["sentence"]


def test_stage_entered_replays_journey_transitions(tenant_a, alice, django_capture_on_commit_callbacks):
    account = make_account(tenant_a, 1, segment="enterprise")
    other = make_account(tenant_a, 2, segment="enterprise")
    track = track_at(tenant_a, account, "onboarding", days_ago=40)
    track_at(tenant_a, other, "onboarding", days_ago=40)
    with scope(tenant=tenant_a):
        track_transition(track=track, to_stage="adoption", by=alice, override_reason="Agreed with the customer")

    job = previewed(
        tenant_a,
        alice,
        django_capture_on_commit_callbacks,
        definition={"trigger": "stage_entered", "trigger_params": {"stage": "adoption"}, "actions": [CALL]},
    )

    assert (job.result["fired"], job.result["accounts"]) == (1, 1)
    assert job.result["examples"][0]["what"] == "Core platform entered Adoption"


def test_checkpoints_planned_in_the_window_fire_by_their_t_minus(tenant_a, alice, django_capture_on_commit_callbacks):
    account = make_account(tenant_a, 1, segment="enterprise")
    # Ends in 100 days: enterprise's T-120 checkpoint was planned 20 days ago, T-90 lies ahead.
    contract_for(tenant_a, account, days_to_end=100)

    every = previewed(
        tenant_a,
        alice,
        django_capture_on_commit_callbacks,
        definition={"trigger": "checkpoint_reached", "actions": [CALL]},
    )
    t120 = previewed(
        tenant_a,
        alice,
        django_capture_on_commit_callbacks,
        definition={"trigger": "checkpoint_reached", "trigger_params": {"days_before": 120}, "actions": [CALL]},
    )
    t90 = previewed(
        tenant_a,
        alice,
        django_capture_on_commit_callbacks,
        definition={"trigger": "checkpoint_reached", "trigger_params": {"days_before": 90}, "actions": [CALL]},
    )

    assert every.result["fired"] == 1
    assert t120.result["fired"] == 1
    assert t120.result["examples"][0]["what"] == "Renewal checkpoint T-120"
    assert t90.result["fired"] == 0


def test_a_schedule_fires_on_the_weekday_for_every_active_account(tenant_a, alice, django_capture_on_commit_callbacks):
    make_account(tenant_a, 1)
    make_account(tenant_a, 2)

    job = previewed(
        tenant_a,
        alice,
        django_capture_on_commit_callbacks,
        definition={"trigger": "schedule", "trigger_params": {"weekday": "0"}, "actions": [CALL], "cooldown_days": 0},
        days=14,
    )

    # Two Mondays in any 14 days, two accounts each.
    assert (job.result["fired"], job.result["accounts"]) == (4, 2)


def test_a_trigger_without_history_says_so_instead_of_zero(tenant_a, alice, django_capture_on_commit_callbacks):
    job = previewed(
        tenant_a,
        alice,
        django_capture_on_commit_callbacks,
        definition={"trigger": "contact_role_lost", "trigger_params": {"role": "champion"}},
    )

    assert job.status == PreviewStatus.DONE
    assert job.result["replayed"] is False
    assert "cannot be replayed" in job.result["sentence"]
    assert job.done == job.total


def test_a_broken_trigger_or_condition_is_refused_and_an_unfinished_action_list_is_not(tenant_a, alice):
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        preview_start(tenant=tenant_a, by=alice, definition={"trigger": "nonsense"})
    assert "trigger" in refused.value.message_dict
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        preview_start(
            tenant=tenant_a,
            by=alice,
            definition={"trigger": "account_created", "conditions": [{"field": "segment", "op": "in", "value": ["x"]}]},
        )
    assert "conditions.0.value" in refused.value.message_dict
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        preview_start(tenant=tenant_a, by=alice, definition={"trigger": "account_created"}, days=400)
    assert "days" in refused.value.message_dict
    with scope(tenant=tenant_a):
        assert preview_start(tenant=tenant_a, by=alice, definition={"trigger": "account_created"}).pk


def test_a_claimed_job_is_not_run_twice(tenant_a, alice, django_capture_on_commit_callbacks):
    make_account(tenant_a, 1)
    job = previewed(
        tenant_a,
        alice,
        django_capture_on_commit_callbacks,
        definition={"trigger": "account_created", "actions": [CALL]},
    )
    assert job.status == PreviewStatus.DONE
    assert job.result["fired"] == 1

    with scope(tenant=tenant_a):
        assert preview_run(tenant=tenant_a, job_id=job.pk) is None


def test_another_tenants_job_is_not_found(tenant_a, tenant_b, alice):
    with scope(tenant=tenant_a):
        job = preview_start(tenant=tenant_a, by=alice, definition={"trigger": "account_created"})
    with scope(tenant=tenant_b):
        assert preview_run(tenant=tenant_b, job_id=job.pk) is None
        assert not PreviewJob.objects.filter(tenant=tenant_b, pk=job.pk).exists()


def test_a_lost_message_is_sent_again_by_the_poll_and_a_fresh_one_is_not(tenant_a, alice):
    make_account(tenant_a, 1)
    with scope(tenant=tenant_a):
        job = preview_start(tenant=tenant_a, by=alice, definition={"trigger": "account_created", "actions": [CALL]})
        # Its message was never delivered (the test never commits): the job still waits.
        job.refresh_from_db()
        assert job.status == PreviewStatus.WAITING
        assert preview_resume(tenant=tenant_a, job=job) is False  # just queued: a busy queue, not a lost message
        later = timezone.now() + task_lease() + dt.timedelta(seconds=1)
        assert preview_resume(tenant=tenant_a, job=job, now=later) is True
        job.refresh_from_db()
    # In-process, the message sent again ran the replay.
    assert job.status == PreviewStatus.DONE and job.result["fired"] == 1


def test_the_replay_costs_the_same_queries_for_few_accounts_and_many(
    tenant_a, alice, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    definition = {
        "trigger": "account_created",
        "conditions": [{"field": "segment", "op": "in", "value": ["enterprise"]}],
        "actions": [CALL],
    }
    make_account(tenant_a, 1, segment="enterprise")
    with scope(tenant=tenant_a):
        few = preview_start(tenant=tenant_a, by=alice, definition=definition)
        with django_capture_on_commit_callbacks(execute=False), CaptureQueriesContext(connection) as counted:
            preview_run(tenant=tenant_a, job_id=few.pk)
    for n in range(2, 41):
        make_account(tenant_a, n, segment="enterprise")
    with scope(tenant=tenant_a):
        many = preview_start(tenant=tenant_a, by=alice, definition=definition)
        with django_assert_max_num_queries(len(counted.captured_queries)):
            done = preview_run(tenant=tenant_a, job_id=many.pk)
    assert done.result["fired"] == 40
