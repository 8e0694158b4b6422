"""Reads of journeys the pages share: the board, the track list, an account's journey, flags."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber

from accounts.models import Account
from renewals.peers import RenewalInRunway, renewals_in_runway
from tenancy.models import Tenant, User

from .criteria import CriterionState, exit_criteria_ensure, tracks_criteria
from .models import (
    ExitCriterion,
    FlagStatus,
    JourneyTrack,
    Objective,
    Stage,
    StageExpectation,
    StageTransition,
    TrackFlag,
    TrackStatus,
)

BOARD_COLUMN_CARDS = 25
# Most urgent first: a stalled track needs a look before one that is merely behind.
SEVERITY = {TrackStatus.STALLED: 0, TrackStatus.BEHIND: 1, TrackStatus.ON_TRACK: 2, TrackStatus.ENDED: 3}
TRACK_SORTS = {
    "account": ("account__name", "name"),
    "-account": ("-account__name", "-name"),
    "track": ("name", "account__name"),
    "-track": ("-name", "account__name"),
    "stage": ("stage_position", "account__name"),
    "-stage": ("-stage_position", "account__name"),
    # More days in stage = entered earlier.
    "days": ("-stage_entered_at",),
    "-days": ("stage_entered_at",),
    "status": ("severity", "stage_entered_at"),
    "-status": ("-severity", "-stage_entered_at"),
    "owner": ("account__owner__full_name", "account__name"),
    "-owner": ("-account__owner__full_name", "account__name"),
    "criteria": ("criteria_met", "account__name"),
    "-criteria": ("-criteria_met", "account__name"),
}


def _open_flags(tenant: Tenant):
    return TrackFlag.objects.filter(tenant=tenant, track=OuterRef("pk"), status=FlagStatus.OPEN)


def track_list(*, tenant: Tenant) -> QuerySet[JourneyTrack]:
    """Tracks with what a card or a row shows, in one query however many there are."""
    return (
        JourneyTrack.objects.filter(tenant=tenant)
        .select_related("account", "account__owner", "account__service_tier")
        .annotate(
            has_open_flag=Exists(_open_flags(tenant)),
            severity=Case(
                *[When(status=status, then=Value(rank)) for status, rank in SEVERITY.items()],
                default=Value(9),
                output_field=IntegerField(),
            ),
            stage_position=Case(
                *[When(stage=stage, then=Value(i)) for i, stage in enumerate(Stage.values)],
                output_field=IntegerField(),
            ),
        )
    )


def track_get(*, tenant: Tenant, track_id: int) -> JourneyTrack:
    return track_list(tenant=tenant).get(pk=track_id)


def tracks_filtered(
    *,
    tenant: Tenant,
    segment: str = "",
    tier_id: int | None = None,
    owner_id: int | None = None,
    status: str = "",
    stage: str = "",
    search: str = "",
    include_ended: bool = False,
) -> QuerySet[JourneyTrack]:
    """The board's and the list's filters; ended tracks only when asked for (or filtered on)."""
    tracks = track_list(tenant=tenant)
    if status == TrackStatus.ENDED:
        tracks = tracks.filter(ended_at__isnull=False)
    elif not include_ended:
        tracks = tracks.filter(ended_at__isnull=True)
    if status and status != TrackStatus.ENDED:
        tracks = tracks.filter(status=status)
    if segment:
        tracks = tracks.filter(account__segment=segment)
    if tier_id:
        tracks = tracks.filter(account__service_tier_id=tier_id)
    if owner_id is not None:
        tracks = tracks.filter(account__owner_id=owner_id)
    if stage:
        tracks = tracks.filter(stage=stage)
    if search.strip():
        term = search.strip()
        tracks = tracks.filter(Q(name__icontains=term) | Q(account__name__icontains=term))
    return tracks


def tracks_sorted(tracks: QuerySet[JourneyTrack], sort: str) -> QuerySet[JourneyTrack]:
    return tracks.order_by(*TRACK_SORTS.get(sort, TRACK_SORTS["status"]), "pk")


@dataclass
class BoardColumn:
    stage: str
    label: str
    cards: list[JourneyTrack] = field(default_factory=list)
    total: int = 0
    # The Renewal column also holds the accounts whose renewal runway has begun (see board_renewals).
    renewals: list[RenewalInRunway] = field(default_factory=list)
    renewals_total: int = 0

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.cards))

    @property
    def more_renewals(self) -> int:
        return max(0, self.renewals_total - len(self.renewals))

    @property
    def count(self) -> int:
        return self.total + self.renewals_total


def board_columns(*, tracks: QuerySet[JourneyTrack], per_column: int | None = None) -> list[BoardColumn]:
    """The six stages with their most urgent cards, in two queries: the counts, and the top cards of
    every column at once (a row number per stage, filtered in the database)."""
    per_column = per_column or BOARD_COLUMN_CARDS
    totals = dict(tracks.order_by().values_list("stage").annotate(n=Count("pk")))
    ranked = tracks.annotate(
        column_rank=Window(
            RowNumber(), partition_by=[F("stage")], order_by=[F("severity").asc(), F("stage_entered_at").asc(), "pk"]
        )
    ).filter(column_rank__lte=per_column)
    columns = {
        stage: BoardColumn(stage=stage, label=label, total=totals.get(stage, 0)) for stage, label in Stage.choices
    }
    for track in ranked.order_by("severity", "stage_entered_at", "pk"):
        columns[track.stage].cards.append(track)
    return list(columns.values())


def board_renewals(
    *, tenant: Tenant, tracks: QuerySet[JourneyTrack], today: dt.date, per_column: int | None = None
) -> tuple[list[RenewalInRunway], int]:
    """The accounts of the board's tracks that are in their renewal phase, soonest due first, and how many.

    Renewal overlaps the other stages: it is the contract's phase, begun by renewals' runway, while each
    track keeps the stage of its own product or use case. An account one of whose tracks was moved into
    Renewal by hand is shown by that track and not twice."""
    moved = tracks.filter(stage=Stage.RENEWAL).values("account_id")
    accounts = tracks.exclude(account_id__in=moved).values("account_id")
    return renewals_in_runway(tenant=tenant, today=today, account_ids=accounts, limit=per_column or BOARD_COLUMN_CARDS)


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
    for flag in TrackFlag.objects.filter(tenant=tenant, track__in=tracks, status=FlagStatus.OPEN):
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


def flag_get(*, tenant: Tenant, flag_id: int) -> TrackFlag:
    return flag_list(tenant=tenant, status="").get(pk=flag_id)


def exit_criterion_list(*, tenant: Tenant) -> dict[str, list[ExitCriterion]]:
    """Every criterion per stage, in use or not, in the order the checklist shows them."""
    exit_criteria_ensure(tenant=tenant)
    by_stage: dict[str, list[ExitCriterion]] = {stage: [] for stage in Stage.values}
    for criterion in ExitCriterion.objects.filter(tenant=tenant).order_by("position", "id"):
        by_stage[criterion.stage].append(criterion)
    return by_stage


def exit_criterion_get(*, tenant: Tenant, criterion_id: int) -> ExitCriterion:
    return ExitCriterion.objects.get(tenant=tenant, pk=criterion_id)


def stage_expectation_list(*, tenant: Tenant) -> QuerySet[StageExpectation]:
    return StageExpectation.objects.filter(tenant=tenant)
