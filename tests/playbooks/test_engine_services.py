"""The engine: trigger occurrences become runs once, and a worker processes each run once: held back
(off, broken, cool-down, daily cap, its own loop), skipped (conditions) or acted on, each action recorded."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope

from activities.models import Task, TaskSource, TaskStatus
from config.celery import app as celery_app
from core import tenant_time
from playbooks.models import ActionStatus, HeldReason, PlaybookRun, RunAction, RunStatus
from playbooks.services.by_hand import may_run_by_hand, run_by_hand
from playbooks.services.playbooks import playbook_create, playbook_update
from playbooks.services.runs import runs_process, runs_requeue
from playbooks.services.settings import playbook_settings_update
from playbooks.services.triggers import Occurrence, occurrences_record
from playbooks.tasks import playbooks_sweep
from tenancy.leases import task_lease
from tenancy.models import Membership, Role
from tenancy.services.members import membership_update

from ..accounts.builders import make_account
from ..factories import UserFactory, add_member

pytestmark = pytest.mark.django_db

CHECK_IN = {
    "type": "create_task",
    "title": "Check in with {{ account.name }}",
    "kind": "call",
    "priority": "high",
    "due_in_days": 2,
    "assignee": "owner",
    "fallback": "role:leader",
}


def playbook(tenant, *, name="Red accounts", trigger="signal_raised", params=None, enabled=True, **fields):
    fields.setdefault("actions", [CHECK_IN])
    with scope(tenant=tenant):
        made = playbook_create(
            tenant=tenant,
            by=None,
            name=name,
            trigger=trigger,
            trigger_params=params if params is not None else {"kind": "score_drop"},
            **fields,
        )
        if enabled:
            made.is_enabled = True
            made.save(update_fields=["is_enabled"])
        return made


def fire(tenant, *occurrences, trigger="signal_raised") -> list[int]:
    with scope(tenant=tenant):
        return occurrences_record(tenant=tenant, trigger=trigger, occurrences=list(occurrences))


def process(tenant, ids, **kwargs):
    with scope(tenant=tenant):
        return runs_process(tenant=tenant, run_ids=ids, **kwargs)


def runs_of(tenant, pb) -> list[PlaybookRun]:
    with scope(tenant=tenant):
        return list(PlaybookRun.objects.filter(tenant=tenant, playbook=pb).order_by("pk"))


def tasks_of(tenant, account) -> list[Task]:
    with scope(tenant=tenant):
        return list(Task.objects.filter(tenant=tenant, account=account).order_by("pk"))


def drop(account, n=1) -> Occurrence:
    return Occurrence(account.pk, f"signal:{n}", {"kind": "score_drop", "signal_id": n})


def test_an_occurrence_makes_one_run_however_often_it_is_delivered(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    pb = playbook(tenant_a)
    first = fire(tenant_a, drop(account))
    again = fire(tenant_a, drop(account))
    assert len(first) == 1 and again == first
    [run] = runs_of(tenant_a, pb)
    assert (run.status, run.version, run.trigger, run.facts["signal_id"]) == (RunStatus.PENDING, 1, "signal_raised", 1)
    # Another kind of signal matches nothing.
    assert fire(tenant_a, Occurrence(account.pk, "signal:2", {"kind": "late_payment"})) == []


def test_a_disabled_playbook_records_held_runs_as_the_comparison_group(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    pb = playbook(tenant_a, enabled=False)
    assert fire(tenant_a, drop(account)) == []
    [run] = runs_of(tenant_a, pb)
    assert (run.status, run.held_reason) == (RunStatus.HELD, HeldReason.DISABLED)
    assert tasks_of(tenant_a, account) == []


def test_recording_costs_the_same_queries_for_one_occurrence_and_for_two_hundred(
    tenant_a, bob, django_assert_max_num_queries, db_vendor
):
    accounts = [make_account(tenant_a, n, owner=bob) for n in range(1, 201)]
    playbook(tenant_a)
    playbook(tenant_a, name="Also on drops")
    # The playbooks, the accounts still there, the insert, the waiting runs' ids.
    with django_assert_max_num_queries(4):
        assert len(fire(tenant_a, drop(accounts[0], 0))) == 2
    # SQLite caps the values of one statement, so its insert of 400 rows goes in a few statements.
    inserts = 1 if db_vendor == "postgresql" else 7
    with django_assert_max_num_queries(3 + inserts):
        assert len(fire(tenant_a, *[drop(a, a.pk) for a in accounts])) == 400


def test_a_run_takes_its_actions_once_and_a_redelivery_does_nothing(tenant_a, bob, alice):
    account = make_account(tenant_a, 1, owner=bob)
    pb = playbook(tenant_a)
    ids = fire(tenant_a, drop(account))
    assert process(tenant_a, ids).done == 1
    [task] = tasks_of(tenant_a, account)
    today = tenant_time.today(tenant_a)
    assert task.title == "Check in with Account 001"
    assert (task.owner_id, task.kind, task.priority) == (bob.pk, "call", "high")
    assert task.due_on == tenant_time.business_days_after(today, 2)
    [run] = runs_of(tenant_a, pb)
    assert (task.source, task.source_id, task.source_key) == (
        TaskSource.PLAYBOOK_RUN,
        run.pk,
        f"playbook_run:{run.pk}:0",
    )
    assert run.status == RunStatus.DONE and run.finished_at is not None
    with scope(tenant=tenant_a):
        [mark] = RunAction.objects.filter(tenant=tenant_a, run=run)
    assert (mark.status, mark.object_kind, mark.object_id) == (ActionStatus.DONE, "task", task.pk)
    # Delivered again (the message twice, a retry): claimed by nobody, nothing made.
    assert process(tenant_a, ids).claimed == 0
    assert len(tasks_of(tenant_a, account)) == 1


def test_conditions_not_met_skip_the_run_and_keep_each_verdict(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob, segment="smb")
    pb = playbook(tenant_a, conditions=[{"field": "segment", "op": "in", "value": ["enterprise"]}])
    process(tenant_a, fire(tenant_a, drop(account)))
    [run] = runs_of(tenant_a, pb)
    assert run.status == RunStatus.SKIPPED
    assert run.conditions_evaluated[0]["actual"] == "smb" and run.conditions_evaluated[0]["held"] is False
    assert tasks_of(tenant_a, account) == []


def test_the_cool_down_holds_a_second_occurrence_for_the_same_account(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    pb = playbook(tenant_a, cooldown_days=30)
    process(tenant_a, fire(tenant_a, drop(account, 1)))
    process(tenant_a, fire(tenant_a, drop(account, 2)))
    # In one batch too: the first acts, the second waits out the cool-down.
    other = make_account(tenant_a, 2, owner=bob)
    process(tenant_a, fire(tenant_a, drop(other, 3), drop(other, 4)))
    statuses = [(r.account_id, r.status, r.held_reason) for r in runs_of(tenant_a, pb)]
    assert statuses == [
        (account.pk, RunStatus.DONE, ""),
        (account.pk, RunStatus.HELD, HeldReason.COOLDOWN),
        (other.pk, RunStatus.DONE, ""),
        (other.pk, RunStatus.HELD, HeldReason.COOLDOWN),
    ]
    # Without a cool-down, each occurrence acts.
    quick = playbook(tenant_a, name="No wait", cooldown_days=0)
    process(tenant_a, fire(tenant_a, drop(account, 5), drop(account, 6)))
    assert [r.status for r in runs_of(tenant_a, quick)] == [RunStatus.DONE, RunStatus.DONE]


def test_the_daily_cap_holds_the_runs_past_it(tenant_a, bob):
    with scope(tenant=tenant_a):
        playbook_settings_update(tenant=tenant_a, daily_cap=2)
    accounts = [make_account(tenant_a, n, owner=bob) for n in range(1, 5)]
    pb = playbook(tenant_a)
    process(tenant_a, fire(tenant_a, *[drop(a, a.pk) for a in accounts]))
    assert [(r.status, r.held_reason) for r in runs_of(tenant_a, pb)] == [
        (RunStatus.DONE, ""),
        (RunStatus.DONE, ""),
        (RunStatus.HELD, HeldReason.DAILY_CAP),
        (RunStatus.HELD, HeldReason.DAILY_CAP),
    ]


def test_a_broken_playbook_holds_its_runs(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    pb = playbook(tenant_a)
    ids = fire(tenant_a, drop(account))
    with scope(tenant=tenant_a):
        pb.broken_reason = "The cadence it enrols was deleted."
        pb.save(update_fields=["broken_reason"])
    process(tenant_a, ids)
    [run] = runs_of(tenant_a, pb)
    assert (run.status, run.held_reason) == (RunStatus.HELD, HeldReason.BROKEN)
    assert tasks_of(tenant_a, account) == []


def test_a_failing_action_is_recorded_and_the_others_still_run(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    pb = playbook(tenant_a, actions=[CHECK_IN, {**CHECK_IN, "title": "Second"}])
    with scope(tenant=tenant_a):
        # A forecast for an account with no renewal: the action says no (a gone cadence would mark the
        # playbook broken before it acts: test_broken_*).
        type(pb).objects.filter(pk=pb.pk).update(
            actions=[
                CHECK_IN,
                {"type": "set_forecast", "category": "at_risk", "reason": "Quiet"},
                {**CHECK_IN, "title": "Second"},
            ]
        )
    process(tenant_a, fire(tenant_a, drop(account)))
    [run] = runs_of(tenant_a, pb)
    assert run.status == RunStatus.PARTIAL
    with scope(tenant=tenant_a):
        marks = list(RunAction.objects.filter(tenant=tenant_a, run=run).order_by("position"))
    assert [m.status for m in marks] == [ActionStatus.DONE, ActionStatus.FAILED, ActionStatus.DONE]
    assert marks[1].error == "The account has no open renewal to forecast."
    assert [t.title for t in tasks_of(tenant_a, account)] == ["Check in with Account 001", "Second"]


def test_nobody_to_assign_falls_back_to_the_first_leader(tenant_a, alice):
    leader = UserFactory(email="lena@alpha.example")
    add_member(tenant_a, leader, Role.LEADER)
    account = make_account(tenant_a, 1, owner=None)
    playbook(tenant_a)
    process(tenant_a, fire(tenant_a, drop(account)))
    [task] = tasks_of(tenant_a, account)
    assert task.owner_id == leader.pk


def test_a_run_whose_worker_died_completes_once_after_its_lease(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    pb = playbook(tenant_a, actions=[CHECK_IN, {**CHECK_IN, "title": "Second"}])
    ids = fire(tenant_a, drop(account))
    process(tenant_a, ids)
    [run] = runs_of(tenant_a, pb)
    with scope(tenant=tenant_a):
        # What a worker killed between the two actions leaves: claimed, the first action done with its task,
        # the second neither done nor made.
        second = Task.objects.get(tenant=tenant_a, source_key=f"playbook_run:{run.pk}:1")
        second.delete()
        RunAction.objects.filter(tenant=tenant_a, run=run, position=1).update(status=ActionStatus.PENDING)
        claimed_at = timezone.now()
        PlaybookRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, claimed_at=claimed_at, finished_at=None)
    # Within the lease the claim holds: the redelivered message finds nothing to do.
    assert process(tenant_a, ids).claimed == 0
    with scope(tenant=tenant_a):
        assert runs_requeue(tenant=tenant_a) == 0
        later = claimed_at + task_lease() + dt.timedelta(seconds=1)
        assert runs_requeue(tenant=tenant_a, now=later) == 1
    assert process(tenant_a, ids, now=later).done == 1
    assert [t.title for t in tasks_of(tenant_a, account)] == ["Check in with Account 001", "Second"]
    [run] = runs_of(tenant_a, pb)
    assert (run.status, run.attempts) == (RunStatus.DONE, 2)


def test_a_run_acts_on_the_version_it_recorded(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    pb = playbook(tenant_a)
    ids = fire(tenant_a, drop(account))
    with scope(tenant=tenant_a):
        playbook_update(tenant=tenant_a, playbook=pb, by=None, actions=[{**CHECK_IN, "title": "Version two"}])
    process(tenant_a, ids)
    assert [t.title for t in tasks_of(tenant_a, account)] == ["Check in with Account 001"]


def test_by_hand_admins_and_leaders_always_csms_on_their_own_accounts_if_allowed(tenant_a, alice, bob, member_of):
    viewer, leader = member_of(Role.VIEWER), member_of(Role.LEADER)
    own, others = make_account(tenant_a, 1, owner=bob), make_account(tenant_a, 2, owner=alice)
    closed = playbook(tenant_a, name="Closed")
    open_to_csms = playbook(tenant_a, name="Open", csm_may_run=True)
    with scope(tenant=tenant_a):
        members = {m.user_id: m for m in Membership.objects.filter(tenant=tenant_a)}

        def may(user, pb, account):
            return may_run_by_hand(membership=members[user.pk], playbook=pb, account=account)

        assert may(alice, closed, own) and may(leader, closed, others)
        assert not may(bob, closed, own)
        assert may(bob, open_to_csms, own) and not may(bob, open_to_csms, others)
        assert not may(viewer, open_to_csms, own)


def test_a_run_by_hand_ignores_conditions_cool_down_and_a_disabled_switch(
    tenant_a, alice, bob, django_capture_on_commit_callbacks
):
    account = make_account(tenant_a, 1, owner=bob, segment="smb")
    pb = playbook(tenant_a, enabled=False, conditions=[{"field": "segment", "op": "in", "value": ["enterprise"]}])
    with django_capture_on_commit_callbacks(execute=True), scope(tenant=tenant_a):
        run = run_by_hand(tenant=tenant_a, playbook=pb, account=account, by=alice)
    run.refresh_from_db()
    assert (run.status, run.by_id) == (RunStatus.DONE, alice.pk)
    assert run.conditions_evaluated[0]["held"] is False
    assert [t.status for t in tasks_of(tenant_a, account)] == [TaskStatus.OPEN]


def test_another_tenants_runs_are_never_claimed(tenant_a, tenant_b, bob):
    account = make_account(tenant_a, 1, owner=bob)
    playbook(tenant_a)
    ids = fire(tenant_a, drop(account))
    assert process(tenant_b, ids).claimed == 0
    with scope(tenant=tenant_a):
        assert PlaybookRun.objects.get(pk=ids[0]).status == RunStatus.PENDING


def test_runs_whose_message_was_lost_are_sent_again_after_a_lease(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    playbook(tenant_a)
    # Recorded while the broker was down: the run waits, its message never sent.
    [run_id] = fire(tenant_a, drop(account))
    now = timezone.now()
    with scope(tenant=tenant_a):
        assert runs_requeue(tenant=tenant_a, now=now) == 0
        assert runs_requeue(tenant=tenant_a, now=now + task_lease() + dt.timedelta(seconds=1)) == 1
    assert process(tenant_a, [run_id]).done == 1
    with scope(tenant=tenant_a):
        assert runs_requeue(tenant=tenant_a, now=now + 2 * task_lease()) == 0


def test_the_beat_task_fires_each_tenants_schedules(tenant_a, tenant_b, bob):
    account = make_account(tenant_a, 1, owner=bob)
    today = tenant_time.today(tenant_a)
    pb = playbook(tenant_a, trigger="schedule", params={"weekday": str(today.weekday())})
    assert playbooks_sweep.apply().get() == 2
    assert [r.occurrence_key for r in runs_of(tenant_a, pb)] == [f"schedule:{today.isoformat()}:{account.pk}"]
    assert celery_app.conf.beat_schedule["playbooks-sweep"]["task"] == "playbooks.tasks.playbooks_sweep"


def test_a_playbook_naming_a_person_who_left_is_marked_broken_before_it_acts(tenant_a, alice, bob, member_of):
    carla = member_of(Role.CSM)
    account = make_account(tenant_a, 1, owner=bob)
    pb = playbook(tenant_a, actions=[{**CHECK_IN, "assignee": f"user:{carla.pk}", "fallback": "owner"}])
    with scope(tenant=tenant_a):
        membership = Membership.objects.get(tenant=tenant_a, user=carla)
        membership_update(membership=membership, role=Role.CSM, team=membership.team, is_active=False)
    process(tenant_a, fire(tenant_a, drop(account)))
    # The engine re-checks the batch's playbooks before acting: the definition names someone gone.
    [run] = runs_of(tenant_a, pb)
    assert (run.status, run.held_reason) == (RunStatus.HELD, HeldReason.BROKEN)
    assert tasks_of(tenant_a, account) == []
    pb.refresh_from_db()
    assert pb.is_broken and not pb.is_enabled


def test_runs_another_worker_is_acting_on_count_against_the_daily_cap(tenant_a, bob):
    with scope(tenant=tenant_a):
        playbook_settings_update(tenant=tenant_a, daily_cap=2)
    accounts = [make_account(tenant_a, n, owner=bob) for n in range(1, 4)]
    pb = playbook(tenant_a)
    other, *mine = fire(tenant_a, *[drop(a, a.pk) for a in accounts])
    with scope(tenant=tenant_a):
        # What another worker leaves while it acts on its run: claimed, its actions' rows reserved.
        PlaybookRun.objects.filter(pk=other).update(status=RunStatus.RUNNING, claimed_at=timezone.now())
        RunAction.objects.create(tenant=tenant_a, run_id=other, position=0, action_type="create_task")
    process(tenant_a, mine)
    assert [(r.status, r.held_reason) for r in runs_of(tenant_a, pb)] == [
        (RunStatus.RUNNING, ""),
        (RunStatus.DONE, ""),
        (RunStatus.HELD, HeldReason.DAILY_CAP),
    ]
