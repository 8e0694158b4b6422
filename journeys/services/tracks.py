"""Tracks and their transitions: the only way a track's stage changes.

Moving forward checks the stage's exit criteria (unmet ones need an override with a reason);
skipping needs a reason; regressing needs one of the field's reasons; every move keeps the
checklist as it stood.
"""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from tenancy.models import Tenant, User

from .. import defaults
from ..models import (
    CriterionCheck,
    CriterionKind,
    ExitCriterion,
    JourneyTrack,
    Objective,
    RegressionReason,
    ScopeKind,
    Stage,
    StageTransition,
    TrackStatus,
    TransitionKind,
)
from ..selectors.criteria import CriterionState, tracks_criteria
from ..signals import announce_transition
from .flags import flags_after_move
from .status import track_status_refresh, track_status_settle


def _announce(transition: StageTransition) -> None:
    announce_transition(transition)


def _check_name(tenant: Tenant, account: Account, name: str, track: JourneyTrack | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(
            {"name": 'Name the track: the product, department or use case it follows, e.g. "Core platform".'}
        )
    taken = JourneyTrack.objects.filter(tenant=tenant, account=account, name__iexact=name)
    if track is not None:
        taken = taken.exclude(pk=track.pk)
    if taken.exists():
        raise ValidationError({"name": f"{account.name} already has a track called {name!r}."})
    return name


@transaction.atomic
def track_create(
    *,
    tenant: Tenant,
    account: Account,
    name: str,
    by: User | None,
    scope_kind: str = ScopeKind.PRODUCT,
    stage: str = Stage.ONBOARDING,
    note: str = "",
    at: dt.datetime | None = None,
) -> JourneyTrack:
    """A new track for an account, in `stage` (onboarding unless the part of the account is further along)."""
    if account.tenant_id != tenant.pk:
        raise ValidationError({"account": "Unknown account."})
    if stage not in Stage.values:
        raise ValidationError({"stage": f"Unknown stage {stage!r}; use one of {', '.join(Stage.values)}."})
    if scope_kind not in ScopeKind.values:
        raise ValidationError(
            {"scope_kind": f"Unknown scope {scope_kind!r}; use one of {', '.join(ScopeKind.values)}."}
        )
    at = at or timezone.now()
    track = JourneyTrack.objects.create(
        tenant=tenant,
        account=account,
        name=_check_name(tenant, account, name),
        scope_kind=scope_kind,
        stage=stage,
        stage_entered_at=at,
        started_at=at,
    )
    transition = StageTransition.objects.create(
        tenant=tenant, track=track, kind=TransitionKind.START, to_stage=stage, note=note, by=by, at=at
    )
    _announce(transition)
    track_status_refresh(track=track)
    return track


def account_tracks_start(*, tenant: Tenant, account_ids: list[int]) -> int:
    """Every new account starts with one track in onboarding; accounts that have a track already are left alone."""
    with_tracks = set(
        JourneyTrack.objects.filter(tenant=tenant, account_id__in=account_ids).values_list("account_id", flat=True)
    )
    accounts = Account.objects.filter(tenant=tenant, pk__in=[a for a in account_ids if a not in with_tracks])
    now = timezone.now()
    tracks = [
        JourneyTrack(
            tenant=tenant,
            account=account,
            name=defaults.DEFAULT_TRACK_NAME,
            stage=Stage.ONBOARDING,
            stage_entered_at=account.created_at or now,
            started_at=account.created_at or now,
        )
        for account in accounts
    ]
    JourneyTrack.objects.bulk_create(tracks, ignore_conflicts=False)
    StageTransition.objects.bulk_create(
        [
            StageTransition(
                tenant=tenant, track=t, kind=TransitionKind.START, to_stage=Stage.ONBOARDING, at=t.started_at
            )
            for t in tracks
        ]
    )
    return len(tracks)


def track_rename(*, track: JourneyTrack, name: str, scope_kind: str | None = None) -> JourneyTrack:
    track.name = _check_name(track.tenant, track.account, name, track)
    if scope_kind is not None:
        if scope_kind not in ScopeKind.values:
            raise ValidationError({"scope_kind": f"Unknown scope {scope_kind!r}."})
        track.scope_kind = scope_kind
    track.save(update_fields=["name", "scope_kind"])
    return track


def transition_kind_for(track: JourneyTrack, to_stage: str) -> str:
    """What a move to `to_stage` is: the kind follows from where the track stands."""
    if not track.is_active or to_stage == track.stage:
        return TransitionKind.REENTER
    step = Stage.position(to_stage) - Stage.position(track.stage)
    if step == 1:
        return TransitionKind.ADVANCE
    return TransitionKind.SKIP if step > 1 else TransitionKind.REGRESS


def _unmet(states: list[CriterionState]) -> list[str]:
    return [s.criterion.label for s in states if not s.met]


def _check_reasons(kind: str, *, reason: str, reason_text: str, states, override_reason: str) -> None:
    if kind == TransitionKind.SKIP and not reason_text.strip():
        raise ValidationError({"reason_text": "Say why the track skips a stage, e.g. a fast SMB that is live already."})
    if kind == TransitionKind.REENTER and not reason_text.strip():
        raise ValidationError(
            {"reason_text": "Say why the track re-enters the stage, e.g. a new use case after a merger."}
        )
    if kind == TransitionKind.REGRESS:
        if reason not in RegressionReason.values:
            labels = ", ".join(label for _, label in RegressionReason.choices)
            raise ValidationError({"reason": f"Choose why the track moves back: {labels}."})
        if reason == RegressionReason.OTHER and not reason_text.strip():
            raise ValidationError({"reason_text": 'Describe the reason when it is "Other".'})
    if kind in (TransitionKind.ADVANCE, TransitionKind.SKIP):
        unmet = _unmet(states)
        if unmet and not override_reason.strip():
            raise ValidationError(
                {
                    "override_reason": (
                        f"{len(unmet)} exit criteria are not met: {'; '.join(unmet)}. "
                        "Meet them, or give a reason to move on anyway."
                    )
                }
            )


@transaction.atomic
def track_transition(
    *,
    track: JourneyTrack,
    to_stage: str,
    by: User | None,
    reason: str = "",
    reason_text: str = "",
    note: str = "",
    override_reason: str = "",
    ticks: Iterable[ExitCriterion] = (),
    at: dt.datetime | None = None,
) -> StageTransition:
    """Move a track: advance, skip, regress or re-enter, by the rules of the kind of move.

    `ticks` are manual criteria the person ticked in the move form: they count for this move, and
    stay ticked only if the move is made (a refused move leaves the checklist as it was).
    """
    if to_stage not in Stage.values:
        raise ValidationError({"to_stage": f"Unknown stage {to_stage!r}; use one of {', '.join(Stage.values)}."})
    # Lock first: two people moving the same card at once must not both move it.
    track = (
        JourneyTrack.objects.select_for_update()
        .select_related("account", "tenant")
        .get(tenant_id=track.tenant_id, pk=track.pk)
    )
    ticked = set(CriterionCheck.objects.filter(tenant=track.tenant, track=track).values_list("criterion_id", flat=True))
    for criterion in ticks:
        if criterion.pk not in ticked:
            _tick(track=track, criterion=criterion, by=by)
    kind = transition_kind_for(track, to_stage)
    states = tracks_criteria(tenant=track.tenant, tracks=[track])[track.pk]
    _check_reasons(kind, reason=reason, reason_text=reason_text, states=states, override_reason=override_reason)
    forward = kind in (TransitionKind.ADVANCE, TransitionKind.SKIP)
    overridden = forward and bool(_unmet(states))
    at = at or timezone.now()
    transition = StageTransition.objects.create(
        tenant=track.tenant,
        track=track,
        kind=kind,
        from_stage=track.stage if track.is_active else "",
        to_stage=to_stage,
        reason=reason if kind == TransitionKind.REGRESS else "",
        reason_text=reason_text.strip(),
        note=note,
        criteria=[s.snapshot() for s in states],
        overridden=overridden,
        override_reason=override_reason.strip() if overridden else "",
        by=by,
        at=at,
    )
    # Ticks belong to one stay in a stage: the next stay starts with an empty checklist.
    CriterionCheck.objects.filter(tenant=track.tenant, track=track).delete()
    track.stage, track.stage_entered_at, track.ended_at = to_stage, at, None
    track.save(update_fields=["stage", "stage_entered_at", "ended_at"])
    flags_after_move(track=track, transition=transition, by=by)
    # The new stay is judged afresh: a move dated in the past can be stalled already, and its flag must be raised.
    track.status = TrackStatus.ON_TRACK
    track_status_refresh(track=track)
    _announce(transition)
    return transition


@transaction.atomic
def track_end(
    *, track: JourneyTrack, by: User | None, reason_text: str, at: dt.datetime | None = None
) -> StageTransition:
    """Close a track (the product was dropped, the department left); it can re-enter later."""
    if not track.is_active:
        raise ValidationError({"track": "This track has ended already."})
    if not reason_text.strip():
        raise ValidationError({"reason_text": "Say why the track ends, e.g. the department stopped using the product."})
    at = at or timezone.now()
    # A judgement deferred by a bulk replay happens on the last day of the stay, so the count it keeps is its own.
    track_status_settle(track=track)
    states = tracks_criteria(tenant=track.tenant, tracks=[track])[track.pk]
    transition = StageTransition.objects.create(
        tenant=track.tenant,
        track=track,
        kind=TransitionKind.END,
        from_stage=track.stage,
        reason_text=reason_text.strip(),
        criteria=[s.snapshot() for s in states],
        by=by,
        at=at,
    )
    CriterionCheck.objects.filter(tenant=track.tenant, track=track).delete()
    track.ended_at, track.status = at, TrackStatus.ENDED
    track.status_reason = f"Ended: {reason_text.strip()}"
    track.save(update_fields=["ended_at", "status", "status_reason"])
    flags_after_move(track=track, transition=transition, by=by)
    _announce(transition)
    return transition


def criterion_check(
    *,
    track: JourneyTrack,
    criterion: ExitCriterion,
    by: User | None,
    note: str = "",
    objective: Objective | None = None,
    at: dt.datetime | None = None,
) -> CriterionCheck:
    """Tick a criterion for the track's current stage; a data criterion takes a tick only to point at an objective.

    `at` places the tick in the past, like a transition's (a history recorded after the fact).
    """
    check = _tick(track=track, criterion=criterion, by=by, note=note, objective=objective, at=at)
    track_status_refresh(track=track)
    return check


def _tick(
    *,
    track: JourneyTrack,
    criterion: ExitCriterion,
    by: User | None,
    note: str = "",
    objective: Objective | None = None,
    at: dt.datetime | None = None,
) -> CriterionCheck:
    if criterion.tenant_id != track.tenant_id or not track.is_active:
        raise ValidationError({"criterion": "Unknown criterion."})
    if criterion.stage != track.stage:
        raise ValidationError(
            {"criterion": f"{criterion.label!r} is a criterion of {criterion.get_stage_display()}, not of this stage."}
        )
    if criterion.kind == CriterionKind.DATA and criterion.rule != "value_documented":
        raise ValidationError({"criterion": f"{criterion.label!r} is evaluated from data; it cannot be ticked."})
    if objective is not None and (objective.tenant_id != track.tenant_id or objective.account_id != track.account_id):
        raise ValidationError({"objective": "Choose an objective of this account's success plan."})
    check, _ = CriterionCheck.objects.update_or_create(
        tenant=track.tenant,
        track=track,
        criterion=criterion,
        defaults={"checked_by": by, "checked_at": at or timezone.now(), "note": note, "objective": objective},
    )
    return check


def criterion_uncheck(*, track: JourneyTrack, criterion: ExitCriterion) -> None:
    CriterionCheck.objects.filter(tenant=track.tenant, track=track, criterion=criterion).delete()
    track_status_refresh(track=track)
