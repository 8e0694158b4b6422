"""The migrations that move communications' owner tasks into activities.Task (communications 0006-0007): rows
made in the old state come through, every one, with their entry, owner, due moment (and the tenant's day of
it), status, note and done time; and back.

The rows are made the way the product makes them (the outbox hands a call and an SMS to their owner, at the
current state), taken back to OwnerTask by the reverse migration, varied there, and migrated forward again."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core import tenant_time

from .builders import contact_of, entry_for, make_account, monday, send_due

OLD = [("communications", "0005_calendar_import_job_kit")]
NEW = [("communications", "0007_owner_task_removed")]


def migrate(targets):
    """Communications at `targets`, and the state's apps with activities (at its last migration) in them."""
    MigrationExecutor(connection).migrate(targets)
    loader = MigrationExecutor(connection).loader
    activities = [node for node in loader.graph.leaf_nodes() if node[0] == "activities"]
    return loader.project_state([*targets, *activities]).apps


@pytest.fixture
def latest():
    yield
    # Whatever happened, the database ends where every other test expects it: every app at its last migration.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_owner_tasks_keep_their_work_through_the_move_to_tasks(tenant_a, bob, latest):
    account = make_account(tenant_a, 1, owner=bob)
    jane = contact_of(tenant_a, account, 1, name="Jane Roe")
    call = entry_for(tenant_a, account, at=monday(tenant_a), contacts=[jane], channel="call", by=bob)
    sms = entry_for(
        tenant_a,
        account,
        at=monday(tenant_a, 11),
        contacts=[jane],
        channel="sms",
        message_type="operational",
        team="support",
        body="Maintenance tonight.",
    )
    send_due(tenant_a, monday(tenant_a, 12))

    old = migrate(OLD)
    OwnerTask = old.get_model("communications", "OwnerTask")
    Task = old.get_model("activities", "Task")
    # Back in the old state: one owner task per handed-over entry, and no cadence-step tasks.
    assert Task.objects.filter(source="cadence_step").count() == 0
    assert set(OwnerTask.objects.values_list("entry_id", flat=True)) == {call.pk, sms.pk}
    done_at = monday(tenant_a, 15)
    OwnerTask.objects.filter(entry_id=call.pk).update(
        status="done",
        note="Call Jane Roe: Educational touchpoint\nDone by Bob: Talked about the rollout",
        done_at=done_at,
    )
    rows = {row["entry_id"]: row for row in OwnerTask.objects.values()}
    before = OwnerTask.objects.count()

    new = migrate(NEW)
    Task = new.get_model("activities", "Task")
    tasks = {task.source_id: task for task in Task.objects.filter(source="cadence_step")}
    assert len(tasks) == before == 2
    for entry_id, task in tasks.items():
        row = rows[entry_id]
        assert (task.tenant_id, task.account_id, task.owner_id) == (tenant_a.pk, account.pk, row["owner_id"])
        assert task.source_key == f"cadence_step:{entry_id}"
        assert task.due_at == row["due_at"] and task.due_on == tenant_time.day_of(tenant_a, row["due_at"])
        assert (task.status, task.closed_at) == (row["status"], row["done_at"])
    called = tasks[call.pk]
    assert (called.title, called.kind) == ("Call: Educational touchpoint", "call")
    assert (called.details, called.outcome_note) == (
        "Call Jane Roe: Educational touchpoint",
        "Talked about the rollout",
    )
    texted = tasks[sms.pk]
    assert texted.title == "Text message: Operational touchpoint" and texted.status == "open"
    assert texted.details == rows[sms.pk]["note"] and texted.outcome_note == ""
    assert texted.due_on == monday(tenant_a, 11).date()
