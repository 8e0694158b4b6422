"""Reads of tasks: the inbox by when they are due, an account's tasks, a team's load, a personal feed."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from core.tenant_time import week_end
from tenancy.models import Membership, Role, Tenant
from tenancy.permissions import Capability, membership_can

from ..models import Task, TaskStatus
from ..models.tasks import CLOSED, LIVE

BUCKETS = ("overdue", "today", "this_week", "later")
BUCKET_LABELS = {"overdue": "Overdue", "today": "Today", "this_week": "This week", "later": "Later"}


def task_list(*, tenant: Tenant) -> QuerySet[Task]:
    return Task.objects.filter(tenant=tenant).select_related("account", "owner", "closed_by")


def task_get(*, tenant: Tenant, task_id: int) -> Task:
    return task_list(tenant=tenant).get(pk=task_id)


def tasks_live(*, tenant: Tenant) -> QuerySet[Task]:
    """Open and snoozed tasks with the day they are work: the snooze's end, or the due day."""
    return task_list(tenant=tenant).filter(status__in=LIVE).annotate(work_on=Coalesce("snoozed_until", "due_on"))


def _bucket_filter(bucket: str, today: dt.date) -> Q:
    return {
        "overdue": Q(work_on__lt=today),
        "today": Q(work_on=today),
        "this_week": Q(work_on__gt=today, work_on__lte=week_end(today)),
        "later": Q(work_on__gt=week_end(today)),
    }[bucket]


@dataclass(frozen=True)
class InboxFilters:
    owner_ids: tuple[int, ...] | None = None  # None: everyone's (a leader's view)
    account_id: int | None = None
    source: str = ""
    priority: str = ""
    unassigned: bool = False


def inbox_tasks(*, tenant: Tenant, filters: InboxFilters) -> QuerySet[Task]:
    return _filtered(tasks_live(tenant=tenant), filters)


def _filtered(tasks: QuerySet[Task], filters: InboxFilters) -> QuerySet[Task]:
    """The inbox's filters on any of its lists (the live sections, recently done)."""
    if filters.unassigned:
        tasks = tasks.filter(owner__isnull=True)
    elif filters.owner_ids is not None:
        tasks = tasks.filter(owner_id__in=filters.owner_ids)
    if filters.account_id:
        tasks = tasks.filter(account_id=filters.account_id)
    if filters.source:
        tasks = tasks.filter(source=filters.source)
    if filters.priority:
        tasks = tasks.filter(priority=filters.priority)
    return tasks


def inbox_bucket(*, tenant: Tenant, filters: InboxFilters, bucket: str, today: dt.date) -> QuerySet[Task]:
    """One section of the inbox, high priority first within a day."""
    rank = Case(
        When(priority="high", then=Value(0)),
        When(priority="normal", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        inbox_tasks(tenant=tenant, filters=filters)
        .filter(_bucket_filter(bucket, today))
        .annotate(rank=rank)
        .order_by("work_on", "rank", "id")
    )


def inbox_counts(*, tenant: Tenant, filters: InboxFilters, today: dt.date) -> dict[str, int]:
    """How many tasks each section holds, in one query."""
    return inbox_tasks(tenant=tenant, filters=filters).aggregate(
        **{bucket: Count("pk", filter=_bucket_filter(bucket, today)) for bucket in BUCKETS}
    )


@dataclass(frozen=True)
class OwnerLoad:
    owner_id: int | None
    open: int
    overdue: int
    today: int
    this_week: int


def team_load(*, tenant: Tenant, today: dt.date, owner_ids: list[int] | None = None) -> dict[int | None, OwnerLoad]:
    """Per owner: live tasks, overdue, due today and due later this week (a leader's view of the team)."""
    tasks = tasks_live(tenant=tenant)
    if owner_ids is not None:
        tasks = tasks.filter(owner_id__in=owner_ids)
    rows = tasks.values("owner_id").annotate(
        open=Count("pk"),
        overdue=Count("pk", filter=_bucket_filter("overdue", today)),
        today=Count("pk", filter=_bucket_filter("today", today)),
        this_week=Count("pk", filter=_bucket_filter("this_week", today)),
    )
    return {row["owner_id"]: OwnerLoad(**row) for row in rows}


def account_tasks(*, tenant: Tenant, account_id: int, live: bool = True) -> QuerySet[Task]:
    tasks = tasks_live(tenant=tenant) if live else task_list(tenant=tenant)
    return tasks.filter(account_id=account_id).order_by("due_on", "id")


def tasks_of_source(*, tenant: Tenant, source: str, source_ids: Iterable[int]) -> QuerySet[Task]:
    """The tasks objects of one source made (a renewal's checkpoints, a playbook's runs)."""
    return task_list(tenant=tenant).filter(source=source, source_id__in=source_ids)


def feed_tasks(*, tenant: Tenant, owner_id: int, today: dt.date) -> QuerySet[Task]:
    """A person's live tasks for their calendar feed: the last 30 days (overdue) to a year ahead."""
    return (
        tasks_live(tenant=tenant)
        .filter(owner_id=owner_id)
        .filter(Q(work_on__gte=today - dt.timedelta(days=30), work_on__lte=today + dt.timedelta(days=365)))
        .order_by("work_on", "id")
    )


def is_live(status: str) -> bool:
    return status in (TaskStatus.OPEN, TaskStatus.SNOOZED)


def recently_closed(*, tenant: Tenant, filters: InboxFilters, since: dt.datetime, limit: int = 10) -> list[Task]:
    """The inbox's "recently done": closed tasks of the same people, the latest first, to reopen one closed
    by mistake."""
    tasks = _filtered(task_list(tenant=tenant).filter(status__in=CLOSED, closed_at__gte=since), filters)
    return list(tasks.order_by("-closed_at", "-id")[:limit])


def inbox_accounts(*, tenant: Tenant, filters: InboxFilters) -> list[tuple[int, str]]:
    """The accounts the inbox's live tasks are about (its account filter's choices): bounded by the tasks,
    not by the size of the book."""
    people = InboxFilters(owner_ids=filters.owner_ids, unassigned=filters.unassigned)
    rows = (
        inbox_tasks(tenant=tenant, filters=people)
        .filter(account__isnull=False)
        .order_by()
        .values_list("account_id", "account__name")
        .distinct()
    )
    return sorted(rows, key=lambda row: (row[1].lower(), row[0]))


def may_edit_task(membership: Membership | None, task: Task) -> bool:
    """Leaders and admins change any task; a CSM their own, and the unassigned tasks of accounts they own
    (taking one is how it becomes theirs); viewers none."""
    if membership_can(membership, Capability.EDIT, task):
        return True
    if membership is None or membership.role != Role.CSM or not membership.is_active or task.owner_id is not None:
        return False
    return task.account is not None and task.account.owner_id == membership.user_id
