"""The migrations that move a checkpoint's to-do into an activities.Task (renewals 0003-0005): rows made in the
old state come through, every one, with their owner, due day, status, note and who closed them when; and back.

The rows are made the way the product makes them (a contract's runway, at the current state), taken back to
the old columns by the reverse migration, varied there, and migrated forward again."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from django.utils import timezone

from .builders import contract_for, make_account, renewal_of

OLD = [("renewals", "0003_checkpoint_task")]
NEW = [("renewals", "0005_checkpoint_task_columns_removed")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def latest():
    yield
    # Whatever happened, the database ends where every other test expects it: every app at its last migration.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_checkpoints_keep_their_work_through_the_move_to_tasks(tenant_a, bob, alice, latest):
    early = make_account(tenant_a, 1, owner=bob)
    late = make_account(tenant_a, 2, owner=alice)
    contract_for(tenant_a, early, days_to_end=400)  # a full runway ahead
    compressed = contract_for(tenant_a, late, days_to_end=45, known_days_before_end=45)  # a late start
    renewal = renewal_of(tenant_a, compressed)

    old = migrate(OLD)
    Checkpoint = old.get_model("renewals", "Checkpoint")
    Task = old.get_model("activities", "Task")
    # Back in the old state the columns hold what the tasks held, and the tasks are gone.
    assert Task.objects.filter(source="renewal_checkpoint").count() == 0
    before = Checkpoint.objects.count()
    assert before >= 6 and not Checkpoint.objects.filter(task__isnull=False).exists()
    assert Checkpoint.objects.exclude(due_on=F("planned_on")).filter(renewal_id=renewal.pk).exists()
    first, second, third = Checkpoint.objects.filter(renewal_id=renewal.pk).order_by("position")[:3]
    done_at = timezone.now() - dt.timedelta(days=2)
    Checkpoint.objects.filter(pk=first.pk).update(
        status="done", note="Sent the value report", completed_by_id=alice.pk, completed_at=done_at
    )
    Checkpoint.objects.filter(pk=second.pk).update(status="skipped", note="Signed early", completed_by_id=bob.pk)
    Checkpoint.objects.filter(pk=third.pk).update(owner_id=None)
    rows = {
        row["pk"]: row
        for row in Checkpoint.objects.values(
            "pk", "tenant_id", "renewal__account_id", "title", "description", "due_on", "owner_id", "status", "note"
        )
    }

    new = migrate(NEW)
    Checkpoint = new.get_model("renewals", "Checkpoint")
    Task = new.get_model("activities", "Task")
    assert Checkpoint.objects.count() == before == Task.objects.filter(source="renewal_checkpoint").count()
    assert not Checkpoint.objects.filter(task__isnull=True).exists()
    for checkpoint in Checkpoint.objects.select_related("task"):
        task, row = checkpoint.task, rows[checkpoint.pk]
        assert (task.tenant_id, task.account_id, task.source_id) == (
            row["tenant_id"],
            row["renewal__account_id"],
            checkpoint.pk,
        )
        assert task.source_key == f"renewal_checkpoint:{checkpoint.pk}"
        assert (task.title, task.details) == (row["title"], row["description"])
        assert (task.due_on, task.owner_id, task.status, task.outcome_note) == (
            row["due_on"],
            row["owner_id"],
            row["status"],
            row["note"],
        )
    done = Checkpoint.objects.select_related("task").get(pk=first.pk).task
    assert (done.closed_by_id, done.closed_at) == (alice.pk, done_at)
    assert Checkpoint.objects.select_related("task").get(pk=second.pk).task.closed_by_id == bob.pk
