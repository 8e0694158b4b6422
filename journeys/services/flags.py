"""Tracks flagged for review: stalled, or a regression suggested by a champion leaving or health turning red.

A suggestion is never applied by itself: the CSM confirms it (a recorded regression with the
flag's reason) or dismisses it, and both are kept.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account
from activities.models import Task, TaskSource
from activities.services.follow_ups import task_follow_up
from tenancy.models import Tenant, User

from ..models import (
    FlagKind,
    FlagStatus,
    JourneyTrack,
    RegressionReason,
    Stage,
    StageTransition,
    TrackFlag,
    TransitionKind,
)
from ..signals import announce_flag, announce_flags_closed

SUGGESTED_REASON: dict[str, str] = {
    FlagKind.CHAMPION_LOST: RegressionReason.CHAMPION_LEFT,
    FlagKind.HEALTH_RED: RegressionReason.HEALTH_DECLINE,
}


def suggested_stage(track: JourneyTrack) -> str:
    """One stage back; an onboarding track has nowhere to go back to and is only flagged."""
    position = Stage.position(track.stage)
    return Stage.values[position - 1] if position > 0 else ""


def flag_raise(
    *,
    track: JourneyTrack,
    kind: str,
    message: str,
    suggested_stage: str = "",
    data: dict | None = None,
) -> TrackFlag:
    """Open a flag once per track and kind; raising it again refreshes the message."""
    open_flag = TrackFlag.objects.filter(
        tenant_id=track.tenant_id, track=track, kind=kind, status=FlagStatus.OPEN
    ).first()
    if open_flag is not None:
        open_flag.message, open_flag.data = message[:400], data or {}
        open_flag.save(update_fields=["message", "data"])
        return open_flag
    try:
        with transaction.atomic():
            flag = TrackFlag.objects.create(
                tenant_id=track.tenant_id,
                track=track,
                kind=kind,
                message=message[:400],
                suggested_stage=suggested_stage,
                suggested_reason=SUGGESTED_REASON.get(kind, "") if suggested_stage else "",
                data=data or {},
            )
    except IntegrityError:
        # Raised at the same moment by another worker: theirs is the one open flag.
        return TrackFlag.objects.get(tenant_id=track.tenant_id, track=track, kind=kind, status=FlagStatus.OPEN)
    announce_flag(flag)
    return flag


def flag_refresh(*, track: JourneyTrack, kind: str, message: str, data: dict) -> int:
    """Bring an open flag's message up to date without raising a new one."""
    return TrackFlag.objects.filter(tenant_id=track.tenant_id, track=track, kind=kind, status=FlagStatus.OPEN).update(
        message=message[:400], data=data
    )


def _clear(flags, *, tenant_id: int, by: User | None = None) -> int:
    """Clear these open flags and announce which (a playbook they fired stops): read first, so the usual
    case, nothing open, costs the one query it always did."""
    ids = list(flags.values_list("pk", flat=True))
    if not ids:
        return 0
    changes = {"status": FlagStatus.CLEARED, "resolved_at": timezone.now()}
    if by is not None:
        changes["resolved_by"] = by
    TrackFlag.objects.filter(tenant_id=tenant_id, pk__in=ids).update(**changes)
    announce_flags_closed(tenant_id=tenant_id, track_flag_ids=ids)
    return len(ids)


def flag_clear(*, track: JourneyTrack, kind: str) -> int:
    return _clear(
        TrackFlag.objects.filter(tenant_id=track.tenant_id, track=track, kind=kind, status=FlagStatus.OPEN),
        tenant_id=track.tenant_id,
    )


def tracks_flag_for_review(
    *, tenant: Tenant, account: Account, kind: str, why: str, data: dict | None = None
) -> list[TrackFlag]:
    """Flag each active track of the account, suggesting one stage back: `why` starts the message, `data`
    says what raised it (the health signal)."""
    flags = []
    for track in JourneyTrack.objects.filter(tenant=tenant, account=account, ended_at__isnull=True).select_related(
        "account"
    ):
        back = suggested_stage(track)
        stage = track.get_stage_display().lower()
        suggestion = f"suggested: back to {Stage(back).label.lower()}" if back else "review the onboarding plan"
        flags.append(
            flag_raise(
                track=track,
                kind=kind,
                message=f"{why}: review {track.name} ({stage}); {suggestion}.",
                suggested_stage=back,
                data=data,
            )
        )
    return flags


def _resolve(flag: TrackFlag, status: str, by: User | None, note: str) -> TrackFlag:
    flag.status, flag.resolved_at, flag.resolved_by, flag.resolution_note = status, timezone.now(), by, note[:300]
    flag.save(update_fields=["status", "resolved_at", "resolved_by", "resolution_note"])
    announce_flags_closed(tenant_id=flag.tenant_id, track_flag_ids=[flag.pk])
    return flag


@transaction.atomic
def flag_confirm(*, flag: TrackFlag, by: User | None, to_stage: str = "", note: str = "") -> StageTransition:
    """The CSM agrees: the track regresses with the flag's reason, and the flag says who confirmed it."""
    if flag.status != FlagStatus.OPEN:
        raise ValidationError({"flag": "This flag is resolved already."})
    target = to_stage or flag.suggested_stage
    if not target:
        raise ValidationError({"to_stage": "Choose the stage the track goes back to."})
    from .tracks import track_transition, transition_kind_for  # tracks imports this module: moves resolve flags

    # Checked first: a forward move would otherwise be refused for its criteria, not for being no regression.
    if transition_kind_for(flag.track, target) != TransitionKind.REGRESS:
        raise ValidationError({"to_stage": "A confirmed regression moves the track back, not forward."})
    transition = track_transition(
        track=flag.track,
        to_stage=target,
        by=by,
        reason=flag.suggested_reason or RegressionReason.OTHER,
        reason_text="" if flag.suggested_reason else flag.get_kind_display(),
        note=note or flag.message,
    )
    _resolve(flag, FlagStatus.CONFIRMED, by, note)
    return transition


def flag_dismiss(*, flag: TrackFlag, by: User | None, note: str = "") -> TrackFlag:
    if flag.status != FlagStatus.OPEN:
        raise ValidationError({"flag": "This flag is resolved already."})
    return _resolve(flag, FlagStatus.DISMISSED, by, note)


def flag_task_make(*, flag: TrackFlag, by: User | None) -> tuple[Task, bool]:
    """A task for the account's owner to act on the flag, due in 2 business days; asked again, the same
    task. The flag itself stays open until it is confirmed or dismissed."""
    account = flag.track.account
    return task_follow_up(
        tenant=flag.tenant,
        source=TaskSource.JOURNEY_FLAG,
        source_id=flag.pk,
        account=account,
        title=flag.message,
        details=f"{flag.get_kind_display()} on the {flag.track.name} track ({flag.track.get_stage_display()}).",
        by=by,
    )


def flags_after_move(*, track: JourneyTrack, transition: StageTransition, by: User | None) -> None:
    """A move restarts the stage clock (no longer stalled); an ended track has nothing left to review."""
    flag_clear(track=track, kind=FlagKind.STALLED)
    if transition.kind == TransitionKind.END:
        _clear(
            TrackFlag.objects.filter(tenant_id=track.tenant_id, track=track, status=FlagStatus.OPEN),
            tenant_id=track.tenant_id,
            by=by,
        )
