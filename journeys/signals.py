"""What journeys announce to the apps above them (playbooks, cadences), through the event contract
(core.events): written with the change, delivered after its commit. The payloads are frozen: what a
receiver needs of the track, as it was, so none reads journeys' tables for it."""

from core.events import Event, announce
from tenancy.models import Tenant

# A track started, moved, re-entered or ended: the transition and its track (name, account), the stage left
# and the stage entered ("" for none), its kind, and when (ISO 8601).
track_transitioned = Event(
    "journeys.track_transitioned",
    "transition_id",
    "track_id",
    "track_name",
    "account_id",
    "from_stage",
    "to_stage",
    "kind",
    "at",
)
# A track was flagged for review (stalled, champion lost, health red).
track_flagged = Event("journeys.track_flagged", "track_flag_id", "track_id", "account_id", "kind")
# Track flags closed (cleared by a move or the stage clock, confirmed, dismissed): what they fired may stop.
track_flags_closed = Event("journeys.track_flags_closed", "track_flag_ids")
# A success-plan milestone was marked done (on `done_on`, ISO 8601).
milestone_met = Event("journeys.milestone_met", "milestone_id", "account_id", "title", "done_on")


def announce_transition(transition) -> None:
    track = transition.track
    announce(
        track_transitioned,
        tenant=track.tenant,
        transition_id=transition.pk,
        track_id=track.pk,
        track_name=track.name,
        account_id=track.account_id,
        from_stage=transition.from_stage or "",
        to_stage=transition.to_stage or "",
        kind=transition.kind,
        at=transition.at.isoformat(),
    )


def announce_flag(flag) -> None:
    announce(
        track_flagged,
        tenant=flag.track.tenant,
        track_flag_id=flag.pk,
        track_id=flag.track_id,
        account_id=flag.track.account_id,
        kind=flag.kind,
    )


def announce_milestone_met(milestone) -> None:
    announce(
        milestone_met,
        tenant=milestone.tenant,
        milestone_id=milestone.pk,
        account_id=milestone.account_id,
        title=milestone.title,
        done_on=milestone.done_on.isoformat(),
    )


def announce_flags_closed(*, tenant_id: int, track_flag_ids: list[int]) -> None:
    if track_flag_ids:
        # The outbox row needs only the tenant's id: no query to load the tenant in a per-track loop.
        announce(track_flags_closed, tenant=Tenant(pk=tenant_id), track_flag_ids=list(track_flag_ids))
