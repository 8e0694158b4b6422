"""Reads of the flags a track raised for review."""

from django.db.models import QuerySet

from activities.models import TaskSource
from activities.selectors.tasks import tasks_of_source
from tenancy.models import Tenant, User

from ..models import FlagStatus, Stage, TrackFlag


def flag_list(
    *, tenant: Tenant, status: str = FlagStatus.OPEN, kind: str = "", owner: User | None = None
) -> QuerySet[TrackFlag]:
    flags = TrackFlag.objects.filter(tenant=tenant).select_related(
        "track", "track__account", "track__account__owner", "resolved_by"
    )
    if status:
        flags = flags.filter(status=status)
    if kind:
        flags = flags.filter(kind=kind)
    if owner is not None:
        flags = flags.filter(track__account__owner=owner)
    return flags.order_by("-raised_at", "-id")


def with_back_stages(flag: TrackFlag) -> TrackFlag:
    """The stages a confirmed regression may go back to: only those before the track's stage."""
    position = Stage.position(flag.track.stage)
    flag.back_stages = [(value, label) for value, label in Stage.choices[:position] if value != flag.suggested_stage]
    return flag


def flags_with_tasks(*, tenant: Tenant, flags) -> list[TrackFlag]:
    """Each flag with the task made from it (`flag.task`, None when nobody made one), in one query."""
    flags = list(flags)
    tasks = {
        task.source_id: task
        for task in tasks_of_source(tenant=tenant, source=TaskSource.JOURNEY_FLAG, source_ids=[f.pk for f in flags])
    }
    for flag in flags:
        flag.task = tasks.get(flag.pk)
    return flags


def flag_get(*, tenant: Tenant, flag_id: int) -> TrackFlag:
    return flag_list(tenant=tenant, status="").get(pk=flag_id)
