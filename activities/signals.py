"""The events tasks send to the apps above: a source (a renewal checkpoint, a playbook run) may want to know
that its task was closed."""

from core.events import Event, announce
from tenancy.models import Tenant

task_closed = Event("activities.task_closed", "task_id", "source", "source_id", "status")


def announce_task_closed(*, tenant: Tenant, task) -> None:
    announce(
        task_closed, tenant=tenant, task_id=task.pk, source=task.source, source_id=task.source_id, status=task.status
    )
