from django.db import migrations
from django.db.models import F

BATCH = 500
SOURCE = "renewal_checkpoint"
# A task's status as the checkpoint column had it (back): snoozed is still open, cancelled was skipped.
BACK = {"open": "open", "snoozed": "open", "done": "done", "skipped": "skipped", "cancelled": "skipped"}


def checkpoints_to_tasks(apps, schema_editor):
    """One task per checkpoint, carrying its owner, due day, status, note and who closed it when. A batch
    of checkpoints at a time (never the whole table), the ones without a task yet, so a rerun carries on.
    (Historical models have plain managers: no tenant scope is needed here.)"""
    Checkpoint = apps.get_model("renewals", "Checkpoint")
    Task = apps.get_model("activities", "Task")
    last = 0
    while True:
        rows = list(
            Checkpoint.objects.filter(pk__gt=last, task__isnull=True)
            .order_by("pk")
            .values(
                "pk",
                "tenant_id",
                "renewal__account_id",
                "renewal__created_at",
                "title",
                "description",
                "due_on",
                "planned_on",
                "owner_id",
                "status",
                "note",
                "completed_by_id",
                "completed_at",
            )[:BATCH]
        )
        if not rows:
            return
        last = rows[-1]["pk"]
        tasks = Task.objects.bulk_create(
            [
                Task(
                    tenant_id=row["tenant_id"],
                    account_id=row["renewal__account_id"],
                    owner_id=row["owner_id"],
                    title=row["title"],
                    details=row["description"],
                    due_on=row["due_on"] or row["planned_on"],
                    status=row["status"],
                    source=SOURCE,
                    source_id=row["pk"],
                    source_key=f"{SOURCE}:{row['pk']}",
                    outcome_note=row["note"],
                    closed_by_id=row["completed_by_id"],
                    closed_at=row["completed_at"],
                    created_at=row["renewal__created_at"],
                )
                for row in rows
            ]
        )
        Checkpoint.objects.bulk_update(
            [Checkpoint(pk=row["pk"], task_id=task.pk) for row, task in zip(rows, tasks, strict=True)], ["task"]
        )


def tasks_to_checkpoints(apps, schema_editor):
    """Back: the task's owner, due day, status and note return to the checkpoint's columns, and the tasks
    go; batch by batch as forward."""
    Checkpoint = apps.get_model("renewals", "Checkpoint")
    Task = apps.get_model("activities", "Task")
    last = 0
    while True:
        batch = list(
            Checkpoint.objects.filter(pk__gt=last, task__isnull=False).select_related("task").order_by("pk")[:BATCH]
        )
        if not batch:
            break
        last = batch[-1].pk
        task_ids = [checkpoint.task_id for checkpoint in batch]
        for checkpoint in batch:
            task = checkpoint.task
            checkpoint.due_on = task.due_on
            checkpoint.owner_id = task.owner_id
            checkpoint.status = BACK.get(task.status, "open")
            checkpoint.note = task.outcome_note[:500]
            checkpoint.completed_by_id = task.closed_by_id
            checkpoint.completed_at = task.closed_at
            checkpoint.task = None
        Checkpoint.objects.bulk_update(
            batch, ["due_on", "owner", "status", "note", "completed_by", "completed_at", "task"]
        )
        Task.objects.filter(pk__in=task_ids).delete()
    # A checkpoint whose task was deleted meanwhile is due when the runway planned it.
    Checkpoint.objects.filter(due_on__isnull=True).update(due_on=F("planned_on"))


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0001_tasks_and_notes"),
        ("renewals", "0003_checkpoint_task"),
    ]

    operations = [migrations.RunPython(checkpoints_to_tasks, tasks_to_checkpoints)]
