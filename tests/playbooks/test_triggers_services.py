"""Each trigger fired by the lower apps' own news (or the daily sweep), through the event contract, into a
run that acts: the matching of a trigger's settings, the loop guard, stop when resolved, the shipped
defaults."""

import datetime as dt

import pytest
from django_scopes import scope

from accounts import services as account_services
from accounts.models import TierOverride
from accounts.services.custom_fields import custom_field_define
from accounts.services.tiers import account_set_tier_override, tiers_create_defaults
from activities.models import Task, TaskStatus
from core import tenant_time
from journeys.models import Stage
from journeys.services import plans, tracks
from playbooks.models import HeldReason, Playbook, PlaybookRun, RunStatus
from playbooks.services.by_hand import run_by_hand
from playbooks.services.defaults import playbooks_ensure_defaults
from playbooks.services.definitions import definition_errors
from playbooks.services.playbooks import playbook_archive
from playbooks.services.resolution import runs_resolve_for_signals
from playbooks.services.runs import runs_process
from playbooks.services.sweeps import daily_triggers_fire
from playbooks.services.triggers import Occurrence, occurrences_record, trigger_matches
from renewals.models import Checkpoint, Renewal
from renewals.services.forecast import renewal_set_forecast
from tenancy.services import tenant_defaults_ensure

from ..accounts.builders import make_account
from ..factories import TenantFactory
from ..health.builders import DAY, ago, jane_story, score_day
from ..journeys.builders import track_at
from ..renewals.builders import close, contract_for
from .builders import playbook_make

pytestmark = pytest.mark.django_db

TASK = {"type": "create_task", "title": "Look at {{ account.name }}", "due_in_days": 1, "assignee": "owner"}


def on(tenant, trigger, params=None, *, name=None, actions=None, **fields):
    return playbook_make(
        tenant,
        name=name or f"On {trigger}",
        trigger=trigger,
        trigger_params=params or {},
        conditions=[],
        actions=actions or [TASK],
        enabled=True,
        **fields,
    )


def runs_of(tenant, pb) -> list[PlaybookRun]:
    with scope(tenant=tenant):
        return list(PlaybookRun.objects.filter(tenant=tenant, playbook=pb).order_by("pk"))


def tasks_of(tenant, account) -> list[Task]:
    with scope(tenant=tenant):
        return list(Task.objects.filter(tenant=tenant, account=account, source="playbook_run").order_by("pk"))


@pytest.mark.parametrize(
    ("trigger", "params", "facts", "fires"),
    [
        ("band_changed", {"to": "red"}, {"from": "yellow", "to": "red"}, True),
        ("band_changed", {"to": "red"}, {"from": "green", "to": "yellow"}, False),
        ("score_dropped", {"points": 10, "days": "30"}, {"points": 15, "window": 7}, True),
        ("score_dropped", {"points": 20, "days": "30"}, {"points": 15, "window": 7}, False),
        ("score_dropped", {"points": 10, "days": "7"}, {"points": 12, "window": 30}, False),
        ("signal_raised", {"kind": "power_user_inactive"}, {"kind": "power_user_inactive"}, True),
        ("signal_raised", {"kind": "power_user_inactive"}, {"kind": "expansion"}, False),
        ("stage_entered", {"stage": "adoption"}, {"to_stage": "adoption"}, True),
        ("stage_entered", {"stage": "adoption"}, {"to_stage": "retention"}, False),
        ("checkpoint_reached", {"days_before": 90}, {"days_before": 90}, True),
        ("checkpoint_reached", {"days_before": 90}, {"days_before": 60}, False),
        ("checkpoint_reached", {"days_before": None}, {"days_before": 60}, True),
        ("renewal_decided", {"result": "lost"}, {"outcome": "churned"}, True),
        ("renewal_decided", {"result": "won"}, {"outcome": "churned"}, False),
        ("renewal_decided", {"result": "won"}, {"outcome": "expanded"}, True),
        ("renewal_decided", {"result": "any"}, {"outcome": "renewed"}, True),
        ("custom_field_changed", {"field": "plan"}, {"fields": ["plan", "region"]}, True),
        ("custom_field_changed", {"field": "plan"}, {"fields": ["region"]}, False),
        ("contact_role_lost", {"role": "champion"}, {"roles": ["champion"]}, True),
        ("contact_role_lost", {"role": "champion"}, {"roles": ["power_user"]}, False),
        ("schedule", {"weekday": "0"}, {"weekday": "0"}, True),
        ("schedule", {"weekday": "0"}, {"weekday": "3"}, False),
        ("track_regressed", {}, {}, True),
    ],
)
def test_a_triggers_settings_decide_which_occurrences_fire_it(trigger, params, facts, fires):
    assert trigger_matches(playbook_trigger_params=params, trigger=trigger, facts=facts) is fires


def test_a_new_account_fires_account_created_and_its_task_is_made(tenant_a, bob, django_capture_on_commit_callbacks):
    pb = on(tenant_a, "account_created")
    with django_capture_on_commit_callbacks(execute=True):
        account = make_account(tenant_a, 1, owner=bob)
    [run] = runs_of(tenant_a, pb)
    assert (run.status, run.occurrence_key) == (RunStatus.DONE, f"account:{account.pk}")
    assert [(t.title, t.owner_id) for t in tasks_of(tenant_a, account)] == [("Look at Account 001", bob.pk)]


def test_a_champion_who_leaves_fires_contact_role_lost(tenant_a, bob, django_capture_on_commit_callbacks):
    account = make_account(tenant_a, 1, owner=bob)
    pb = on(tenant_a, "contact_role_lost", {"role": "champion"})
    with scope(tenant=tenant_a):
        jane = account_services.contact_create(
            tenant=tenant_a, account=account, name="Jane Roe", email="jane@acme.example", roles=["champion"]
        )
        with django_capture_on_commit_callbacks(execute=True):
            account_services.contact_update(contact=jane, roles=["end_user"])
    [run] = runs_of(tenant_a, pb)
    assert run.status == RunStatus.DONE and run.facts["roles"] == ["champion"]
    assert len(tasks_of(tenant_a, account)) == 1


def test_a_custom_field_change_and_a_tier_move_fire_their_triggers(tenant_a, bob, django_capture_on_commit_callbacks):
    with scope(tenant=tenant_a):
        tiers_create_defaults(tenant=tenant_a)
    account = make_account(tenant_a, 1, owner=bob)
    with scope(tenant=tenant_a):
        custom_field_define(tenant=tenant_a, label="Plan", field_type="text", key="plan")
    by_field = on(tenant_a, "custom_field_changed", {"field": "plan"})
    by_tier = on(tenant_a, "tier_changed")
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        account_services.account_update(account=account, by=None, custom_fields={"plan": "Pro"})
        account_set_tier_override(account=account, kind=TierOverride.AT_RISK_UPGRADE, by=None)
    assert [r.status for r in runs_of(tenant_a, by_field)] == [RunStatus.DONE]
    assert [r.status for r in runs_of(tenant_a, by_tier)] == [RunStatus.DONE]


def test_journey_news_fires_stage_entered_and_milestone_met(tenant_a, bob, django_capture_on_commit_callbacks):
    account = make_account(tenant_a, 1, owner=bob)
    adoption = on(tenant_a, "stage_entered", {"stage": Stage.ADOPTION})
    met = on(tenant_a, "milestone_met")
    with django_capture_on_commit_callbacks(execute=True):
        track = track_at(tenant_a, account, Stage.ONBOARDING)
    assert runs_of(tenant_a, adoption) == []
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        tracks.track_transition(track=track, to_stage=Stage.ADOPTION, by=None, override_reason="Activated early")
        milestone = plans.milestone_create(
            tenant=tenant_a, account=account, title="First report", due_on=tenant_time.today(tenant_a)
        )
        plans.milestone_complete(milestone=milestone, on=tenant_time.today(tenant_a))
        # Done again: the first day stands, and nothing is announced twice.
        plans.milestone_complete(milestone=milestone, on=tenant_time.today(tenant_a))
    assert [r.status for r in runs_of(tenant_a, adoption)] == [RunStatus.DONE]
    assert [r.occurrence_key for r in runs_of(tenant_a, met)] == [f"milestone:{milestone.pk}"]


def test_renewal_news_fires_contract_created_and_renewal_decided(tenant_a, bob, django_capture_on_commit_callbacks):
    account = make_account(tenant_a, 1, owner=bob)
    created, lost = on(tenant_a, "contract_created"), on(tenant_a, "renewal_decided", {"result": "lost"})
    with django_capture_on_commit_callbacks(execute=True):
        contract = contract_for(tenant_a, account, days_to_end=20)
    with django_capture_on_commit_callbacks(execute=True):
        close(tenant_a, contract, on=tenant_time.today(tenant_a))
    assert [r.facts["contract_id"] for r in runs_of(tenant_a, created)] == [contract.pk]
    assert [r.facts["outcome"] for r in runs_of(tenant_a, lost)] == ["churned"]


def test_a_playbooks_own_forecast_does_not_fire_it_again(tenant_a, alice, bob, django_capture_on_commit_callbacks):
    account = make_account(tenant_a, 1, owner=bob)
    contract_for(tenant_a, account, days_to_end=200)
    set_at_risk = [{"type": "set_forecast", "category": "at_risk", "reason": "champion left"}]
    looping = on(tenant_a, "forecast_at_risk", name="Sets at risk", actions=set_at_risk)
    other = on(tenant_a, "forecast_at_risk", name="Tells the CSM")
    with scope(tenant=tenant_a):
        assert Renewal.objects.get(tenant=tenant_a, account=account).forecast != "at_risk"
        with django_capture_on_commit_callbacks(execute=True):
            run_by_hand(tenant=tenant_a, playbook=looping, account=account, by=alice)
        renewal = Renewal.objects.get(tenant=tenant_a, account=account)
    assert (renewal.forecast, renewal.is_override) == ("at_risk", True)
    assert renewal.override_reason == "Playbook Sets at risk: champion left"
    # Its own change: held as a loop. Another playbook on the same news acts.
    assert [(r.status, r.held_reason) for r in runs_of(tenant_a, looping)] == [
        (RunStatus.DONE, ""),
        (RunStatus.HELD, HeldReason.LOOP),
    ]
    assert [r.status for r in runs_of(tenant_a, other)] == [RunStatus.DONE]
    # A person's change has no origin: it fires both.
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        renewal_set_forecast(renewal=renewal, category="commit", by=bob, reason="Signed verbally")
        renewal_set_forecast(renewal=renewal, category="at_risk", by=bob, reason="Budget frozen")
    assert runs_of(tenant_a, looping)[-1].held_reason == HeldReason.COOLDOWN


def test_the_daily_sweep_fires_checkpoints_missed_milestones_and_schedules_once(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    contract = contract_for(tenant_a, account, days_to_end=200)
    checkpoint_pb = on(tenant_a, "checkpoint_reached", {"days_before": None})
    missed_pb = on(tenant_a, "milestone_missed")
    with scope(tenant=tenant_a):
        checkpoint = Checkpoint.objects.filter(tenant=tenant_a, renewal__contract=contract).order_by("planned_on")[0]
        day = checkpoint.planned_on
        milestone = plans.milestone_create(
            tenant=tenant_a, account=account, title="Go live", due_on=day - dt.timedelta(days=1)
        )
    schedule_pb = on(tenant_a, "schedule", {"weekday": str(day.weekday())})
    with scope(tenant=tenant_a):
        fired = daily_triggers_fire(tenant=tenant_a, today=day)
        # The hourly beat runs it again: nothing new.
        daily_triggers_fire(tenant=tenant_a, today=day)
    assert fired == {"checkpoint_reached": 1, "milestone_missed": 1, "schedule": 1}
    [cp_run] = runs_of(tenant_a, checkpoint_pb)
    assert cp_run.facts["days_before"] == checkpoint.days_before
    assert [r.facts["milestone_id"] for r in runs_of(tenant_a, missed_pb)] == [milestone.pk]
    assert [r.occurrence_key for r in runs_of(tenant_a, schedule_pb)] == [f"schedule:{day.isoformat()}:{account.pk}"]


def test_a_resolved_signal_cancels_the_live_tasks_of_the_runs_it_fired(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    stops = on(tenant_a, "signal_raised", {"kind": "power_user_inactive"}, name="Stops")
    keeps = on(tenant_a, "signal_raised", {"kind": "power_user_inactive"}, name="Keeps", stop_when_resolved=False)
    with scope(tenant=tenant_a):
        ids = occurrences_record(
            tenant=tenant_a,
            trigger="signal_raised",
            occurrences=[Occurrence(account.pk, "signal:41", {"kind": "power_user_inactive", "signal_id": 41})],
        )
        runs_process(tenant=tenant_a, run_ids=ids)
        assert runs_resolve_for_signals(tenant=tenant_a, signal_ids=[41, 42]) == 1
        # Resolved twice (a redelivered announcement): nothing more.
        assert runs_resolve_for_signals(tenant=tenant_a, signal_ids=[41]) == 0
    [stopped], [kept] = runs_of(tenant_a, stops), runs_of(tenant_a, keeps)
    assert stopped.resolved_at is not None and kept.resolved_at is None
    with scope(tenant=tenant_a):
        statuses = {t.source_id: t.status for t in Task.objects.filter(tenant=tenant_a, account=account)}
    assert statuses == {stopped.pk: TaskStatus.CANCELLED, kept.pk: TaskStatus.OPEN}


def test_every_tenant_starts_with_the_shipped_playbooks_switched_off(db):
    tenant = TenantFactory(name="Gamma", slug="gamma")
    # What creating a tenant (and ensuretenantdefaults) does.
    tenant_defaults_ensure(tenant=tenant)
    with scope(tenant=tenant):
        shipped = list(Playbook.objects.filter(tenant=tenant).order_by("default_key"))
        assert [p.default_key for p in shipped] == [
            "champion_left",
            "health_drop",
            "locked_feature",
            "onboarding_milestone",
            "power_user_quiet",
            "renewal_checkpoint",
            "seat_saturation",
        ]
        assert not any(p.is_enabled for p in shipped)
        assert all(p.versions.count() == 1 for p in shipped)
        # Each is one the editor would save as it is: an admin only has to switch it on.
        assert {p.default_key: definition_errors(tenant=tenant, definition=p.definition()) for p in shipped} == {
            p.default_key: {} for p in shipped
        }
        # ensuretenantdefaults again, and after an admin removed one: nothing comes back.
        playbook_archive(tenant=tenant, playbook=shipped[0])
        assert playbooks_ensure_defaults(tenant=tenant) == []


def test_health_news_fires_signal_raised_band_changed_and_score_dropped(
    tenant_a, bob, django_capture_on_commit_callbacks
):
    acme, _jane, _others = jane_story(tenant_a, owner=bob)
    quiet = on(tenant_a, "signal_raised", {"kind": "power_user_inactive"})
    yellow = on(tenant_a, "band_changed", {"to": "yellow"})
    red = on(tenant_a, "band_changed", {"to": "red"}, name="Red only")
    fell = on(tenant_a, "score_dropped", {"points": 15, "days": "7"})
    score_day(tenant_a, ago(7), acme, detect=False)
    with django_capture_on_commit_callbacks(execute=True):
        score_day(tenant_a, DAY, acme)
    # Health at 74 a week ago, 54 now: green to yellow, 20 points down, and Jane quiet for 23 days.
    assert [r.facts["kind"] for r in runs_of(tenant_a, quiet)] == ["power_user_inactive"]
    assert [(r.facts["from"], r.facts["to"]) for r in runs_of(tenant_a, yellow)] == [("green", "yellow")]
    assert runs_of(tenant_a, red) == []
    assert [r.facts["points"] for r in runs_of(tenant_a, fell)] == [20]
    assert {r.status for pb in (quiet, yellow, fell) for r in runs_of(tenant_a, pb)} == {RunStatus.DONE}


def test_a_stalled_track_fires_track_stalled_and_moving_on_stops_its_tasks(
    tenant_a, bob, django_capture_on_commit_callbacks
):
    account = make_account(tenant_a, 1, owner=bob, segment="smb")
    stalled = on(tenant_a, "track_stalled")
    with django_capture_on_commit_callbacks(execute=True):
        track = track_at(tenant_a, account, Stage.ONBOARDING, days_ago=45)
    [run] = runs_of(tenant_a, stalled)
    assert run.status == RunStatus.DONE and run.occurrence_key.startswith("flag:")
    assert [t.status for t in tasks_of(tenant_a, account)] == [TaskStatus.OPEN]
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        tracks.track_transition(track=track, to_stage=Stage.ADOPTION, by=None, override_reason="Caught up")
    [run] = runs_of(tenant_a, stalled)
    assert run.resolved_at is not None
    assert [t.status for t in tasks_of(tenant_a, account)] == [TaskStatus.CANCELLED]
