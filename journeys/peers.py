"""What the apps above journeys may read of it."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q

from tenancy.models import Tenant

from .models import JourneyTrack, Milestone, Stage, StageTransition, TrackFlag

# The six stages, for a playbook's triggers and conditions (playbooks.catalogue).
STAGES = tuple(Stage.choices)


def accounts_stages(*, tenant: Tenant, account_ids) -> dict[int, set[str]]:
    """Per account, the stages its active tracks are in (an account may have several tracks)."""
    found: dict[int, set[str]] = {}
    rows = JourneyTrack.objects.filter(tenant=tenant, account_id__in=list(account_ids), ended_at__isnull=True)
    for account_id, stage in rows.values_list("account_id", "stage"):
        found.setdefault(account_id, set()).add(stage)
    return found


# What a playbook's preview replays (playbooks.services.preview): the stored history between two moments.


@dataclass(frozen=True)
class TransitionSeen:
    """A recorded move of a track, as a playbook's preview replays it."""

    transition_id: int
    account_id: int
    track_name: str
    kind: str
    from_stage: str
    to_stage: str
    at: dt.datetime


def transitions_between(*, tenant: Tenant, start: dt.datetime, end: dt.datetime, kinds=None) -> list[TransitionSeen]:
    """Every track transition from `start` (included) to `end` (excluded), of these kinds only if given,
    oldest first."""
    found = StageTransition.objects.filter(tenant=tenant, at__gte=start, at__lt=end)
    if kinds is not None:
        found = found.filter(kind__in=list(kinds))
    rows = found.order_by("at", "pk").values_list(
        "pk", "track__account_id", "track__name", "kind", "from_stage", "to_stage", "at"
    )
    return [TransitionSeen(*row) for row in rows]


@dataclass(frozen=True)
class FlagSeen:
    flag_id: int
    account_id: int
    kind: str
    raised_at: dt.datetime


def flags_raised_between(*, tenant: Tenant, start: dt.datetime, end: dt.datetime, kinds=None) -> list[FlagSeen]:
    """Every track flag raised from `start` (included) to `end` (excluded), oldest first."""
    found = TrackFlag.objects.filter(tenant=tenant, raised_at__gte=start, raised_at__lt=end)
    if kinds is not None:
        found = found.filter(kind__in=list(kinds))
    rows = found.order_by("raised_at", "pk").values_list("pk", "track__account_id", "kind", "raised_at")
    return [FlagSeen(*row) for row in rows]


@dataclass(frozen=True)
class MilestoneSeen:
    milestone_id: int
    account_id: int
    title: str
    due_on: dt.date
    done_on: dt.date | None


def milestones_met_between(*, tenant: Tenant, start: dt.date, end: dt.date) -> list[MilestoneSeen]:
    """Milestones marked done from `start` to `end` (days, both included), in the order they were met."""
    rows = (
        Milestone.objects.filter(tenant=tenant, done_on__gte=start, done_on__lte=end)
        .order_by("done_on", "pk")
        .values_list("pk", "account_id", "title", "due_on", "done_on")
    )
    return [MilestoneSeen(*row) for row in rows]


def milestones_missed_between(*, tenant: Tenant, start: dt.date, end: dt.date) -> list[MilestoneSeen]:
    """Milestones whose due day fell from `start` to `end` and that were not done by it (still open, or done
    late), in due order: each was missed the day after its due day."""
    rows = (
        Milestone.objects.filter(tenant=tenant, due_on__gte=start, due_on__lte=end)
        .filter(Q(done_on__isnull=True) | Q(done_on__gt=F("due_on")))
        .order_by("due_on", "pk")
        .values_list("pk", "account_id", "title", "due_on", "done_on")
    )
    return [MilestoneSeen(*row) for row in rows]


def objective_add(
    *, tenant: Tenant, account, title: str, metric: str, baseline, target, due_on: dt.date | None = None
) -> int:
    """A playbook's "add a success-plan objective" (journeys' own service and its checks); the new id."""
    from .services.plans import objective_create

    objective = objective_create(
        tenant=tenant, account=account, title=title, metric=metric, baseline=baseline, target=target, due_on=due_on
    )
    return objective.pk
