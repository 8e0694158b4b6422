"""The owners' tasks: touchpoints a person makes happen (a call, a webinar, a community post, an SMS we
cannot send), read by the tasks page and the API. They are activities.Task rows of source cadence_step, whose
source_id is the calendar entry."""

from django.db.models import OuterRef, QuerySet, Subquery

from activities.models import Task, TaskSource, TaskStatus
from activities.models.tasks import LIVE
from tenancy.models import Tenant, User

from ..models import CalendarEntry


def _cadence_tasks(tenant: Tenant) -> QuerySet[Task]:
    entry = CalendarEntry.objects.filter(tenant=tenant, pk=OuterRef("source_id"))
    return (
        Task.objects.filter(tenant=tenant, source=TaskSource.CADENCE_STEP)
        .select_related("account", "owner", "closed_by")
        # What the API shows of the entry, in the same query.
        .annotate(
            entry_subject=Subquery(entry.values("subject")[:1]), entry_channel=Subquery(entry.values("channel")[:1])
        )
    )


def owner_tasks(*, tenant: Tenant, owner: User | None = None, status: str | None = TaskStatus.OPEN) -> QuerySet[Task]:
    """The tasks of one owner (None: everybody's) of one status (None: any; open counts the snoozed ones
    too), the earliest due first; the closed ones the latest first."""
    tasks = _cadence_tasks(tenant)
    if owner is not None:
        tasks = tasks.filter(owner=owner)
    if status == TaskStatus.OPEN:
        return tasks.filter(status__in=LIVE).order_by("due_at", "id")
    if status:
        return tasks.filter(status=status).order_by("-closed_at", "-id")
    return tasks.order_by("due_at", "id")


def owner_task_get(*, tenant: Tenant, task_id: int) -> Task:
    return _cadence_tasks(tenant).get(pk=task_id)


def owner_task_of_entry(*, tenant: Tenant, entry: CalendarEntry) -> Task | None:
    return _cadence_tasks(tenant).filter(source_id=entry.pk).first()


def owner_tasks_with_entries(*, tenant: Tenant, tasks: list[Task]) -> list[Task]:
    """Each task with its calendar entry (and the entry's account) as `task.entry`, in one query."""
    entries = CalendarEntry.objects.filter(tenant=tenant, pk__in={task.source_id for task in tasks}).select_related(
        "account"
    )
    by_id = {entry.pk: entry for entry in entries}
    for task in tasks:
        task.entry = by_id.get(task.source_id or 0)  # type: ignore[attr-defined]  # a page's attribute, not a field
    return tasks
