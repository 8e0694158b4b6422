"""Tasks' services: made once per source occurrence, closed (with a note on the timeline), snoozed, reopened,
reassigned, in bulk, cancelled when their source resolves; and the inbox's reads."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from activities.models import Note, Task, TaskSource, TaskStatus
from activities.selectors import tasks as selectors
from activities.services import tasks as services
from tenancy.models import Membership, Role

from .builders import make_account, make_task, today_of


@pytest.fixture
def account(tenant_a, bob):
    return make_account(tenant_a, 1, owner=bob)


def test_a_source_occurrence_makes_one_task_however_often_it_is_asked(tenant_a, bob, account):
    draft = services.TaskDraft(
        title="Check in",
        due_on=today_of(tenant_a),
        owner_id=bob.pk,
        account_id=account.pk,
        source=TaskSource.HEALTH_SIGNAL,
        source_id=7,
        source_key="health_signal:7",
    )
    with scope(tenant=tenant_a):
        first, made = services.task_create(tenant=tenant_a, draft=draft)
        again, made_again = services.task_create(tenant=tenant_a, draft=draft)
        many = services.tasks_create(tenant=tenant_a, drafts=[draft, draft])
        assert made and not made_again
        assert again.pk == first.pk
        assert [task.pk for task in many] == [first.pk, first.pk]
        assert Task.objects.filter(tenant=tenant_a).count() == 1


def test_tasks_create_makes_unkeyed_drafts_each_time(tenant_a, bob):
    drafts = [services.TaskDraft(title=f"T{n}", due_on=today_of(tenant_a), owner_id=bob.pk) for n in range(3)]
    with scope(tenant=tenant_a):
        made = services.tasks_create(tenant=tenant_a, drafts=drafts)
        assert len(made) == 3
        assert Task.objects.filter(tenant=tenant_a).count() == 3


def test_a_task_needs_a_title_and_known_choices(tenant_a):
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as error:
        services.task_create(
            tenant=tenant_a, draft=services.TaskDraft(title=" ", due_on=today_of(tenant_a), priority="urgent")
        )
    assert set(error.value.message_dict) == {"title", "priority"}


def test_completing_with_a_note_logs_it_on_the_account_once(tenant_a, bob, account, django_capture_on_commit_callbacks):
    task = make_task(tenant_a, owner=bob, account=account, kind="call")
    with scope(tenant=tenant_a):
        closed = services.task_close(tenant=tenant_a, task=task, status=TaskStatus.DONE, by=bob, note=" Agreed a QBR ")
        again = services.task_close(tenant=tenant_a, task=task, status=TaskStatus.SKIPPED, by=bob, note="other")
        assert closed.status == again.status == TaskStatus.DONE
        assert again.outcome_note == "Agreed a QBR"
        assert again.closed_by == bob and again.closed_at is not None
        note = Note.objects.get(tenant=tenant_a)
        assert (note.kind, note.body, note.subject, note.task_id, note.author) == (
            "call",
            "Agreed a QBR",
            task.title,
            task.pk,
            bob,
        )


def test_skipping_or_a_task_without_account_logs_no_note(tenant_a, bob, account):
    skipped = make_task(tenant_a, owner=bob, account=account)
    internal = make_task(tenant_a, owner=bob, title="Prepare the QBR deck")
    with scope(tenant=tenant_a):
        services.task_close(tenant=tenant_a, task=skipped, status=TaskStatus.SKIPPED, by=bob, note="Not needed")
        services.task_close(tenant=tenant_a, task=internal, status=TaskStatus.DONE, by=bob, note="Done it")
        assert not Note.objects.filter(tenant=tenant_a).exists()
        with pytest.raises(ValidationError):
            services.task_close(tenant=tenant_a, task=internal, status=TaskStatus.OPEN, by=bob)


def test_snooze_moves_the_task_to_its_day_and_reopen_brings_it_back(tenant_a, bob):
    task = make_task(tenant_a, owner=bob, due_in=-2)
    today = today_of(tenant_a)
    mine = selectors.InboxFilters(owner_ids=(bob.pk,))
    with scope(tenant=tenant_a):
        assert selectors.inbox_counts(tenant=tenant_a, filters=mine, today=today)["overdue"] == 1
        with pytest.raises(ValidationError):
            services.task_snooze(tenant=tenant_a, task=task, until=today)
        services.task_snooze(tenant=tenant_a, task=task, until=today + dt.timedelta(days=1))
        counts = selectors.inbox_counts(tenant=tenant_a, filters=mine, today=today)
        assert counts["overdue"] == 0
        assert counts["this_week"] + counts["later"] == 1
        services.task_reopen(tenant=tenant_a, task=task)
        assert selectors.inbox_counts(tenant=tenant_a, filters=mine, today=today)["overdue"] == 1
        services.task_close(tenant=tenant_a, task=task, status=TaskStatus.DONE, by=bob)
        with pytest.raises(ValidationError):
            services.task_snooze(tenant=tenant_a, task=task, until=today + dt.timedelta(days=3))


def test_buckets_sort_high_priority_first_within_a_day(tenant_a, bob):
    today = today_of(tenant_a)
    low = make_task(tenant_a, owner=bob, title="low", priority="low")
    high = make_task(tenant_a, owner=bob, title="high", priority="high")
    overdue = make_task(tenant_a, owner=bob, title="late", due_in=-1)
    later = make_task(tenant_a, owner=bob, title="later", due_in=30)
    mine = selectors.InboxFilters(owner_ids=(bob.pk,))
    with scope(tenant=tenant_a):
        assert list(selectors.inbox_bucket(tenant=tenant_a, filters=mine, bucket="today", today=today)) == [high, low]
        assert list(selectors.inbox_bucket(tenant=tenant_a, filters=mine, bucket="overdue", today=today)) == [overdue]
        assert list(selectors.inbox_bucket(tenant=tenant_a, filters=mine, bucket="later", today=today)) == [later]


def test_team_load_counts_each_owner(tenant_a, alice, bob):
    make_task(tenant_a, owner=bob, due_in=-1)
    make_task(tenant_a, owner=bob)
    make_task(tenant_a, owner=alice, due_in=40)
    done = make_task(tenant_a, owner=alice)
    make_task(tenant_a)
    with scope(tenant=tenant_a):
        services.task_close(tenant=tenant_a, task=done, status=TaskStatus.DONE, by=alice)
        load = selectors.team_load(tenant=tenant_a, today=today_of(tenant_a))
    assert (load[bob.pk].open, load[bob.pk].overdue, load[bob.pk].today) == (2, 1, 1)
    assert (load[alice.pk].open, load[alice.pk].overdue) == (1, 0)
    assert load[None].open == 1


def test_bulk_actions(tenant_a, alice, bob):
    tasks = [make_task(tenant_a, owner=bob, title=f"T{n}") for n in range(4)]
    today = today_of(tenant_a)
    with scope(tenant=tenant_a):
        assert services.tasks_bulk(tenant=tenant_a, tasks=tasks[:2], action="complete", by=bob, note="ok") == 2
        # Already closed: nothing changes the second time.
        assert services.tasks_bulk(tenant=tenant_a, tasks=tasks[:2], action="skip", by=bob) == 0
        with pytest.raises(ValidationError):
            services.tasks_bulk(tenant=tenant_a, tasks=tasks[2:], action="snooze", by=bob)
        until = today + dt.timedelta(days=3)
        assert services.tasks_bulk(tenant=tenant_a, tasks=tasks[2:3], action="snooze", by=bob, until=until) == 1
        assert services.tasks_bulk(tenant=tenant_a, tasks=tasks[3:], action="reassign", by=alice, owner=alice) == 1
        with pytest.raises(ValidationError):
            services.tasks_bulk(tenant=tenant_a, tasks=tasks, action="archive", by=bob)
        statuses = {task.title: (task.status, task.owner_id) for task in Task.objects.filter(tenant=tenant_a)}
    assert statuses == {
        "T0": (TaskStatus.DONE, bob.pk),
        "T1": (TaskStatus.DONE, bob.pk),
        "T2": (TaskStatus.SNOOZED, bob.pk),
        "T3": (TaskStatus.OPEN, alice.pk),
    }


def test_tasks_of_a_resolved_source_are_cancelled(tenant_a, bob, account):
    live = make_task(tenant_a, owner=bob, account=account, source=TaskSource.HEALTH_SIGNAL, source_id=5)
    other = make_task(tenant_a, owner=bob, account=account, source=TaskSource.HEALTH_SIGNAL, source_id=6)
    with scope(tenant=tenant_a):
        count = services.tasks_cancel_for_source(
            tenant=tenant_a, source=TaskSource.HEALTH_SIGNAL, source_ids=[5], note="Signal resolved"
        )
        live.refresh_from_db()
        other.refresh_from_db()
        assert count == 1
        assert (live.status, live.outcome_note) == (TaskStatus.CANCELLED, "Signal resolved")
        assert other.status == TaskStatus.OPEN
        assert not Note.objects.filter(tenant=tenant_a).exists()


def test_update_changes_only_what_a_person_may_edit(tenant_a, bob):
    task = make_task(tenant_a, owner=bob)
    with scope(tenant=tenant_a):
        services.task_update(tenant=tenant_a, task=task, title="Renamed", priority="high")
        task.refresh_from_db()
        assert (task.title, task.priority) == ("Renamed", "high")
        with pytest.raises(TypeError):
            services.task_update(tenant=tenant_a, task=task, status="done")
        with pytest.raises(ValidationError):
            services.task_update(tenant=tenant_a, task=task, kind="fax")


def test_account_check_refuses_another_tenants_account(tenant_a, tenant_b):
    theirs = make_account(tenant_b, 9)
    with scope(tenant=tenant_a), pytest.raises(ValidationError):
        services.task_account_check(tenant=tenant_a, account_id=theirs.pk)


def test_who_may_edit_a_task(tenant_a, alice, bob, member_of):
    viewer, other_csm = member_of(Role.VIEWER), member_of(Role.CSM)
    bobs_account = make_account(tenant_a, 1, owner=bob)
    mine = make_task(tenant_a, owner=bob)
    unassigned_on_mine = make_task(tenant_a, account=bobs_account)
    unassigned_elsewhere = make_task(tenant_a)
    with scope(tenant=tenant_a):
        member = {m.user_id: m for m in Membership.objects.filter(tenant=tenant_a)}
        made = (mine, unassigned_on_mine, unassigned_elsewhere)
        tasks = [selectors.task_get(tenant=tenant_a, task_id=task.pk) for task in made]
        assert [selectors.may_edit_task(member[bob.pk], t) for t in tasks] == [True, True, False]
        assert [selectors.may_edit_task(member[other_csm.pk], t) for t in tasks] == [False, False, False]
        assert [selectors.may_edit_task(member[viewer.pk], t) for t in tasks] == [False, False, False]
        assert [selectors.may_edit_task(member[alice.pk], t) for t in tasks] == [True, True, True]
