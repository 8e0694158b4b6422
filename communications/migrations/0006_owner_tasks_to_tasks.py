import datetime as dt
import zoneinfo

from django.db import migrations

BATCH = 500
SOURCE = "cadence_step"
DONE_BY = "\nDone by "
CHANNELS = {"call": "Call", "webinar": "Webinar", "community": "Community post", "sms": "Text message"}
KINDS = {"call": "call", "webinar": "meeting"}


def _split(note: str) -> tuple[str, str]:
    """An owner task's note held what to do and, once done, "Done by <who>: <how it went>" after it: the
    first is the task's details, the second its outcome note."""
    details, _, done = note.partition(DONE_BY)
    if not done and note.startswith(DONE_BY.lstrip("\n")):
        details, done = "", note[len(DONE_BY) - 1 :]
    return details, done.partition(": ")[2] if done else ""


def owner_tasks_to_tasks(apps, schema_editor):
    """One activities.Task per communications.OwnerTask (source cadence_step, source_id the entry), with
    its owner, due moment and the tenant's day of it, status, note and done time; a batch at a time (never
    the whole table), those whose task is not made yet, so a rerun carries on."""
    OwnerTask = apps.get_model("communications", "OwnerTask")
    Task = apps.get_model("activities", "Task")
    Tenant = apps.get_model("tenancy", "Tenant")
    zones = {pk: zoneinfo.ZoneInfo(name) for pk, name in Tenant.objects.values_list("pk", "time_zone")}
    last = 0
    while True:
        rows = list(
            OwnerTask.objects.filter(pk__gt=last)
            .order_by("pk")
            .values(
                "pk",
                "tenant_id",
                "entry_id",
                "entry__account_id",
                "entry__subject",
                "entry__channel",
                "entry__created_at",
                "owner_id",
                "due_at",
                "status",
                "note",
                "done_at",
            )[:BATCH]
        )
        if not rows:
            return
        last = rows[-1]["pk"]
        made = set(
            Task.objects.filter(
                source=SOURCE, source_key__in=[f"{SOURCE}:{row['entry_id']}" for row in rows]
            ).values_list("source_key", flat=True)
        )
        tasks = []
        for row in rows:
            key = f"{SOURCE}:{row['entry_id']}"
            if key in made:
                continue
            details, outcome = _split(row["note"])
            channel = CHANNELS.get(row["entry__channel"], row["entry__channel"].title())
            tasks.append(
                Task(
                    tenant_id=row["tenant_id"],
                    account_id=row["entry__account_id"],
                    owner_id=row["owner_id"],
                    title=f"{channel}: {row['entry__subject'] or 'untitled'}"[:200],
                    details=details,
                    kind=KINDS.get(row["entry__channel"], "todo"),
                    due_on=row["due_at"].astimezone(zones[row["tenant_id"]]).date(),
                    due_at=row["due_at"],
                    status=row["status"],
                    source=SOURCE,
                    source_id=row["entry_id"],
                    source_key=key,
                    outcome_note=outcome,
                    closed_at=row["done_at"],
                    created_at=row["entry__created_at"],
                )
            )
        Task.objects.bulk_create(tasks)


def tasks_to_owner_tasks(apps, schema_editor):
    """Back: an OwnerTask per cadence-step task (the note as it was written: what to do, then how it went),
    and the tasks go; batch by batch as forward."""
    OwnerTask = apps.get_model("communications", "OwnerTask")
    Task = apps.get_model("activities", "Task")
    User = apps.get_model("tenancy", "User")
    last = 0
    while True:
        batch = list(Task.objects.filter(source=SOURCE, pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        closers = dict(User.objects.filter(pk__in={t.closed_by_id for t in batch if t.closed_by_id}).values_list("pk", "email"))
        rows = []
        for task in batch:
            note = task.details
            if task.outcome_note:
                done = f"Done by {closers.get(task.closed_by_id, 'someone')}: {task.outcome_note}"
                note = f"{note}\n{done}" if note else done
            rows.append(
                OwnerTask(
                    tenant_id=task.tenant_id,
                    entry_id=task.source_id,
                    owner_id=task.owner_id,
                    due_at=task.due_at or dt.datetime.combine(task.due_on, dt.time.min, tzinfo=dt.UTC),
                    status={"done": "done", "cancelled": "cancelled", "skipped": "cancelled"}.get(task.status, "open"),
                    note=note[-500:],
                    done_at=task.closed_at,
                )
            )
        OwnerTask.objects.bulk_create(rows, ignore_conflicts=True)
        Task.objects.filter(pk__in=[task.pk for task in batch]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0001_tasks_and_notes"),
        ("communications", "0005_calendar_import_job_kit"),
    ]

    operations = [migrations.RunPython(owner_tasks_to_tasks, tasks_to_owner_tasks)]
