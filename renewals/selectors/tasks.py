"""Reads of the checkpoint tasks: the open checkpoints of open renewals, one checkpoint, the week's end."""

import datetime as dt

from django.db.models import QuerySet

from tenancy.models import Tenant, User

from ..models import Checkpoint, CheckpointStatus, RenewalStatus


def checkpoint_get(*, tenant: Tenant, checkpoint_id: int) -> Checkpoint:
    return Checkpoint.objects.select_related("renewal", "renewal__account", "owner", "completed_by").get(
        tenant=tenant, pk=checkpoint_id
    )


def checkpoint_tasks(*, tenant: Tenant, owner: User | None, today: dt.date) -> QuerySet[Checkpoint]:
    """Open checkpoints of open renewals, the earliest first: the `owner`'s, or everyone's when None.
    `today` marks which are overdue (each row gets `is_late`)."""
    tasks = Checkpoint.objects.filter(
        tenant=tenant, status=CheckpointStatus.OPEN, renewal__status=RenewalStatus.OPEN
    ).select_related("renewal", "renewal__account", "owner")
    if owner is not None:
        tasks = tasks.filter(owner=owner)
    return tasks.order_by("due_on", "position", "id")


def week_end(today: dt.date) -> dt.date:
    """The Sunday that ends `today`'s week: "due this week" runs to it."""
    return today + dt.timedelta(days=6 - today.weekday())
