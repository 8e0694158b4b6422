"""The owners' tasks: touchpoints a person makes happen (a call, a webinar, a community post, an SMS we
cannot send), read by the tasks page and the API."""

from django.db.models import QuerySet

from tenancy.models import Tenant, User

from ..models import OwnerTask, OwnerTaskStatus


def owner_tasks(
    *, tenant: Tenant, owner: User | None = None, status: str | None = OwnerTaskStatus.OPEN
) -> QuerySet[OwnerTask]:
    """The tasks of one owner (None: everybody's) of one status (None: any), the earliest due first; the
    done and cancelled ones the latest first."""
    tasks = OwnerTask.objects.filter(tenant=tenant).select_related("entry__account", "owner")
    if owner is not None:
        tasks = tasks.filter(owner=owner)
    if status:
        tasks = tasks.filter(status=status)
    if status and status != OwnerTaskStatus.OPEN:
        return tasks.order_by("-done_at", "-id")
    return tasks.order_by("due_at", "id")


def owner_task_get(*, tenant: Tenant, task_id: int) -> OwnerTask:
    return OwnerTask.objects.select_related("entry__account", "owner").get(tenant=tenant, pk=task_id)
