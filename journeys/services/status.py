"""Whether a track keeps pace: on track, behind or stalled, from its time in stage and its checklist.

- stalled: longer in the stage than the segment's upper bound (a signal is raised: a stalled flag);
- behind: past the lower bound with fewer criteria met than the pace through the expected range asks (none at
  the lower bound, all at the upper: half of them halfway), so a track just past the lower bound with most of
  its work done is not called behind; in an ongoing stage (retention, advocacy), which has no clock, only when
  the data shows a state the account should keep is lost (health not green, open P1s): an unticked manual
  criterion or a milestone not reached yet (a promoter) is a to-do there, not a delay;
- on track: otherwise.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Segment
from tenancy.models import Tenant

from .. import defaults
from ..models import CriterionKind, FlagKind, JourneyTrack, Stage, StageExpectation, TrackStatus
from ..selectors.criteria import STATE_RULES, tracks_criteria
from .flags import flag_clear, flag_raise, flag_refresh

REFRESH_BATCH = 500
Bounds = tuple[int, int | None]
# Inside `track_status_deferred`: the tracks whose status waits for the end of the block, by id.
_deferred: ContextVar[dict[int, Tenant] | None] = ContextVar("journeys_track_status_deferred", default=None)


def expectations_ensure(*, tenant: Tenant) -> None:
    if StageExpectation.objects.filter(tenant=tenant).exists():
        return
    rows = []
    for stage in Stage.values:
        for segment in Segment.values:
            low, high = defaults.DURATIONS.get((stage, segment), (0, None))
            rows.append(StageExpectation(tenant=tenant, stage=stage, segment=segment, min_days=low, max_days=high))
    StageExpectation.objects.bulk_create(rows, ignore_conflicts=True)


def expectations_for(*, tenant: Tenant) -> dict[tuple[str, str], Bounds]:
    """(stage, segment) -> (min days, max days or None for an ongoing stage)."""
    expectations_ensure(tenant=tenant)
    return {(e.stage, e.segment): (e.min_days, e.max_days) for e in StageExpectation.objects.filter(tenant=tenant)}


@transaction.atomic
def stage_expectation_update(
    *, tenant: Tenant, stage: str, segment: str, min_days: int, max_days: int | None
) -> StageExpectation:
    if stage not in Stage.values or segment not in Segment.values:
        raise ValidationError({"stage": "Unknown stage or segment."})
    if min_days < 0 or (max_days is not None and max_days < min_days):
        raise ValidationError({"max_days": f"The upper bound ({max_days}) must be at least the lower ({min_days})."})
    expectations_ensure(tenant=tenant)
    expectation, _ = StageExpectation.objects.update_or_create(
        tenant=tenant, stage=stage, segment=segment, defaults={"min_days": min_days, "max_days": max_days}
    )
    # The tracks the bounds apply to follow now, not at the next hourly sweep.
    affected = JourneyTrack.objects.filter(
        tenant=tenant, stage=stage, account__segment=segment, ended_at__isnull=True
    ).select_related("account")
    tracks_refresh_status(tenant=tenant, tracks=list(affected))
    return expectation


def bounds_label(bounds: Bounds) -> str:
    low, high = bounds
    return f"{low}+ days (ongoing)" if high is None else f"{low}-{high} days"


def status_of(
    track: JourneyTrack, bounds: Bounds, met: int, total: int, now: dt.datetime, data_unmet: tuple[str, ...] = ()
) -> tuple[str, str]:
    if not track.is_active:
        return TrackStatus.ENDED, track.status_reason
    days = track.days_in_stage(now)
    low, high = bounds
    segment = dict(Segment.choices).get(track.account.segment, track.account.segment)
    stage = track.get_stage_display().lower()
    said = f"{days} days in {stage}, expected {bounds_label(bounds)} for {segment}; {met} of {total} criteria met."
    if high is not None and days > high:
        return TrackStatus.STALLED, said
    if high is None and data_unmet:
        return TrackStatus.BEHIND, f"{said} Not met: {'; '.join(data_unmet)}."
    if high is not None and days > low:
        expected = expected_met(days, bounds, total)
        if met < expected:
            return TrackStatus.BEHIND, f"{said[:-1]}, {expected} expected by now."
    return TrackStatus.ON_TRACK, said


def expected_met(days: int, bounds: Bounds, total: int) -> int:
    """How many of `total` criteria a track keeping pace has met after `days` in a stage with a clock:
    none up to the lower bound, then evenly more up to all of them at the upper bound."""
    low, high = bounds
    if high is None or days <= low:
        return 0
    if days >= high or high == low:
        return total
    return total * (days - low) // (high - low)


@transaction.atomic
def tracks_refresh_status(
    *, tenant: Tenant, tracks: list[JourneyTrack] | None = None, now: dt.datetime | None = None
) -> int:
    """Status, its sentence and the criteria count; a stalled flag is raised once, cleared once it no longer holds."""
    now = now or timezone.now()
    if tracks is None:
        tracks = list(JourneyTrack.objects.filter(tenant=tenant, ended_at__isnull=True).select_related("account"))
    bounds = expectations_for(tenant=tenant)
    changed = 0
    for start in range(0, len(tracks), REFRESH_BATCH):
        chunk = tracks[start : start + REFRESH_BATCH]
        states = tracks_criteria(tenant=tenant, tracks=chunk)
        for track in chunk:
            checklist = states[track.pk]
            met, total = sum(1 for s in checklist if s.met), len(checklist)
            stage_bounds = bounds.get((track.stage, track.account.segment), (0, None))
            data_unmet = tuple(
                s.criterion.label
                for s in checklist
                if not s.met and s.criterion.kind == CriterionKind.DATA and s.criterion.rule in STATE_RULES
            )
            status, reason = status_of(track, stage_bounds, met, total, now, data_unmet)
            was_stalled = track.status == TrackStatus.STALLED
            track.status, track.status_reason = status, reason[:300]
            track.criteria_met, track.criteria_total, track.status_checked_at = met, total, now
            message = f"{track.account.name} · {track.name} is stalled: {reason}"
            data = {"days": track.days_in_stage(now), "bounds": list(stage_bounds)}
            if status == TrackStatus.STALLED and not was_stalled:
                flag_raise(track=track, kind=FlagKind.STALLED, message=message, data=data)
            elif status == TrackStatus.STALLED:
                # Still stalled: the open flag's sentence follows the days and the ticks (a dismissed one stays so).
                flag_refresh(track=track, kind=FlagKind.STALLED, message=message, data=data)
            elif status != TrackStatus.STALLED and was_stalled:
                flag_clear(track=track, kind=FlagKind.STALLED)
            changed += 1
        JourneyTrack.objects.bulk_update(
            chunk, ["status", "status_reason", "criteria_met", "criteria_total", "status_checked_at"]
        )
    return changed


def track_status_refresh(*, track: JourneyTrack) -> JourneyTrack:
    pending = _deferred.get()
    if pending is not None:
        pending[track.pk] = track.tenant
        return track
    tracks_refresh_status(tenant=track.tenant, tracks=[track])
    return track


@contextmanager
def track_status_deferred() -> Iterator[None]:
    """For a bulk replay of history (the demo): each track moved or ticked in the block is judged once, when
    it ends, instead of after every move and tick (each of which reads the account's health again). What
    the tracks end with is the same: the last judgement is the one that stays, and a move clears what an
    earlier one raised. A track that ends inside the block is judged just before (`track_status_settle`),
    so it keeps its last stay's checklist count, as it would have. Nothing is judged if the block fails."""
    if _deferred.get() is not None:  # nested: the outer block judges them
        yield
        return
    pending: dict[int, Tenant] = {}
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
    by_tenant: dict[Tenant, list[int]] = {}
    for track_id, tenant in pending.items():
        by_tenant.setdefault(tenant, []).append(track_id)
    for tenant, ids in by_tenant.items():
        tracks = JourneyTrack.objects.filter(tenant=tenant, pk__in=ids, ended_at__isnull=True).select_related("account")
        tracks_refresh_status(tenant=tenant, tracks=list(tracks.order_by("pk")))


def track_status_settle(*, track: JourneyTrack) -> None:
    """Judge a track now if its judgement waits in a `track_status_deferred` block (before it ends)."""
    pending = _deferred.get()
    if pending is not None and pending.pop(track.pk, None) is not None:
        fresh = JourneyTrack.objects.select_related("account").get(tenant_id=track.tenant_id, pk=track.pk)
        tracks_refresh_status(tenant=track.tenant, tracks=[fresh])
