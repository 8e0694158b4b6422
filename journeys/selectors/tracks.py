"""Reads of the board and the track list: tracks with what a card or a row shows, filtered
and sorted, the board's columns and its Renewal column."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber

from renewals.peers import RenewalInRunway, renewals_in_runway
from tenancy.models import Tenant

from ..models import FlagStatus, JourneyTrack, Stage, TrackFlag, TrackStatus

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
