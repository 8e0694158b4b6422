"""Reads of the checkpoint tasks: the open checkpoints of open renewals (their task still work), one
checkpoint, the week's end."""

import datetime as dt

from django.db.models import QuerySet

from tenancy.models import Tenant, User

from ..models import Checkpoint, RenewalStatus
from .renewals import checkpoints_open


def checkpoint_get(*, tenant: Tenant, checkpoint_id: int) -> Checkpoint:
    return Checkpoint.objects.select_related(
        "renewal", "renewal__account", "task", "task__owner", "task__closed_by"
    ).get(tenant=tenant, pk=checkpoint_id)


def checkpoint_tasks(*, tenant: Tenant, owner: User | None, today: dt.date) -> QuerySet[Checkpoint]:
    """Open checkpoints of open renewals, the earliest first: the `owner`'s, or everyone's when None.
    `today` marks which are overdue (each row gets `is_late`)."""
    tasks = (
        checkpoints_open(tenant=tenant)
        .filter(renewal__status=RenewalStatus.OPEN)
        .select_related("renewal", "renewal__account", "task", "task__owner")
    )
    if owner is not None:
        tasks = tasks.filter(task__owner=owner)
    return tasks


def week_end(today: dt.date) -> dt.date:
    """The Sunday that ends `today`'s week: "due this week" runs to it."""
    return today + dt.timedelta(days=6 - today.weekday())
