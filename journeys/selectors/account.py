"""Reads of an account's journey: its tracks with their history and checklists, its renewal
in the runway, its success-plan objectives."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, QuerySet, When

from accounts.models import Account
from renewals.peers import RenewalInRunway, renewals_in_runway
from tenancy.models import Tenant

from ..models import FlagStatus, JourneyTrack, Objective, StageTransition, TrackFlag
from .criteria import CriterionState, tracks_criteria
from .flags import flags_with_tasks, with_back_stages
from .tracks import track_list


def account_renewal(*, tenant: Tenant, account: Account, today: dt.date) -> RenewalInRunway | None:
    """The account's renewal in its runway, if one has begun: its journey page shows the renewal phase."""
    found, _total = renewals_in_runway(tenant=tenant, today=today, account_ids=[account.pk], limit=1)
    return found[0] if found else None


@dataclass
class TrackJourney:
    """One track on the account journey page: its checklist, history and open flags."""

    track: JourneyTrack
    checklist: list[CriterionState]
    transitions: list[StageTransition]
    flags: list[TrackFlag]


def account_journey(*, tenant: Tenant, account: Account) -> list[TrackJourney]:
    """Every track of the account, active ones first, with their checklists, timelines and open flags."""
    tracks = list(
        track_list(tenant=tenant).filter(account=account).order_by(Case(When(ended_at__isnull=True, then=0), default=1))
    )
    checklists = tracks_criteria(tenant=tenant, tracks=tracks)
    transitions: dict[int, list[StageTransition]] = {t.pk: [] for t in tracks}
    for transition in StageTransition.objects.filter(tenant=tenant, track__in=tracks).select_related("by"):
        transitions[transition.track_id].append(transition)
    flags: dict[int, list[TrackFlag]] = {t.pk: [] for t in tracks}
    by_pk = {t.pk: t for t in tracks}
    open_flags = TrackFlag.objects.filter(tenant=tenant, track__in=tracks, status=FlagStatus.OPEN)
    for flag in flags_with_tasks(tenant=tenant, flags=open_flags):
        flag.track = by_pk[flag.track_id]
        flags[flag.track_id].append(with_back_stages(flag))
    return [
        TrackJourney(track=t, checklist=checklists[t.pk], transitions=transitions[t.pk][::-1], flags=flags[t.pk])
        for t in tracks
    ]


def track_checklist(*, tenant: Tenant, track: JourneyTrack) -> list[CriterionState]:
    return tracks_criteria(tenant=tenant, tracks=[track])[track.pk]


def account_objectives(*, tenant: Tenant, account: Account) -> QuerySet[Objective]:
    return Objective.objects.filter(tenant=tenant, account=account).order_by("due_on", "id")
