"""The stored history of each trigger, a day at a time: what the engine would have been told that day
(`Seen`: the account, the moment, the facts as playbooks.receivers builds them, a line for a page). The
preview replays it, and so does the demo. Read through the lower apps' peers.py."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accounts.models import Account, AccountStatus, TierChange, TierChangeReason
from core import tenant_time
from health import peers as health_peers
from journeys import peers as journeys_peers
from renewals import peers as renewals_peers
from tenancy.models import Tenant

# Triggers whose history is not stored: the preview says it cannot replay them instead of saying "0 times".
NO_HISTORY = {
    "custom_field_changed": "Custom field changes are not kept as history, so this trigger cannot be replayed.",
    "contact_role_lost": "Contacts' past roles are not kept as history, so this trigger cannot be replayed.",
}


@dataclass(frozen=True)
class Seen:
    """One past occurrence of the trigger: for which account, when, what the engine would have been told
    (`facts`, as playbooks.receivers builds them) and a line for the page."""

    account_id: int
    at: dt.datetime
    facts: dict[str, Any]
    what: str


def _label(choices, value: str) -> str:
    return dict(choices).get(value, value or "none")


def _signals(tenant: Tenant, day: dt.date, kinds: list[str] | None) -> list[health_peers.SignalRaised]:
    return health_peers.signals_raised_between(tenant=tenant, start=day, end=day, kinds=kinds)


def _band_changed(tenant: Tenant, day: dt.date) -> list[Seen]:
    moment = tenant_time.at(tenant, day)
    return [
        Seen(
            s.account_id,
            moment,
            {"signal_id": s.signal_id, "kind": s.kind, "from": s.data.get("from"), "to": s.data.get("to")},
            f"Health turned {s.data.get('to')} (from {s.data.get('from')})",
        )
        for s in _signals(tenant, day, [health_peers.SignalKind.BAND_CHANGE])
    ]


def _score_dropped(tenant: Tenant, day: dt.date) -> list[Seen]:
    moment = tenant_time.at(tenant, day)
    found = []
    for s in _signals(tenant, day, [health_peers.SignalKind.SCORE_DROP]):
        before, after = s.data.get("from"), s.data.get("to")
        points = before - after if isinstance(before, int) and isinstance(after, int) else None
        found.append(
            Seen(
                s.account_id,
                moment,
                {"signal_id": s.signal_id, "kind": s.kind, "points": points, "window": 7},
                f"Health fell {points} points in 7 days ({before} to {after})",
            )
        )
    return found


def _signal_raised(tenant: Tenant, day: dt.date) -> list[Seen]:
    moment = tenant_time.at(tenant, day)
    labels = dict(health_peers.SIGNAL_KINDS)
    return [
        Seen(s.account_id, moment, {"signal_id": s.signal_id, "kind": s.kind}, f"{labels.get(s.kind, s.kind)} signal")
        for s in _signals(tenant, day, None)
    ]


def _window(tenant: Tenant, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return tenant_time.at(tenant, day), tenant_time.at(tenant, day + dt.timedelta(days=1))


def _stage_entered(tenant: Tenant, day: dt.date) -> list[Seen]:
    start, end = _window(tenant, day)
    stages = dict(journeys_peers.STAGES)
    return [
        Seen(
            t.account_id,
            t.at,
            {"transition_id": t.transition_id, "kind": t.kind, "from_stage": t.from_stage, "to_stage": t.to_stage},
            f"{t.track_name} entered {stages.get(t.to_stage, t.to_stage)}",
        )
        for t in journeys_peers.transitions_between(tenant=tenant, start=start, end=end)
        if t.to_stage and t.kind != "end"
    ]


def _track_regressed(tenant: Tenant, day: dt.date) -> list[Seen]:
    start, end = _window(tenant, day)
    stages = dict(journeys_peers.STAGES)
    return [
        Seen(
            t.account_id,
            t.at,
            {"transition_id": t.transition_id, "kind": t.kind, "from_stage": t.from_stage, "to_stage": t.to_stage},
            f"{t.track_name} went back from {stages.get(t.from_stage, t.from_stage)} "
            f"to {stages.get(t.to_stage, t.to_stage)}",
        )
        for t in journeys_peers.transitions_between(tenant=tenant, start=start, end=end, kinds=["regress"])
    ]


def _track_stalled(tenant: Tenant, day: dt.date) -> list[Seen]:
    start, end = _window(tenant, day)
    return [
        Seen(f.account_id, f.raised_at, {"track_flag_id": f.flag_id, "kind": f.kind}, "A track stalled in its stage")
        for f in journeys_peers.flags_raised_between(tenant=tenant, start=start, end=end, kinds=["stalled"])
    ]


def _milestone_met(tenant: Tenant, day: dt.date) -> list[Seen]:
    moment = tenant_time.at(tenant, day)
    return [
        Seen(m.account_id, moment, {"milestone_id": m.milestone_id}, f"Milestone “{m.title}” met")
        for m in journeys_peers.milestones_met_between(tenant=tenant, start=day, end=day)
    ]


def _milestone_missed(tenant: Tenant, day: dt.date) -> list[Seen]:
    # The daily sweep finds a milestone missed the day after its due day.
    moment, due = tenant_time.at(tenant, day), day - dt.timedelta(days=1)
    return [
        Seen(m.account_id, moment, {"milestone_id": m.milestone_id}, f"Milestone “{m.title}” passed its due day")
        for m in journeys_peers.milestones_missed_between(tenant=tenant, start=due, end=due)
    ]


def _checkpoint_reached(tenant: Tenant, day: dt.date) -> list[Seen]:
    moment = tenant_time.at(tenant, day)
    return [
        Seen(
            c.account_id,
            moment,
            {"checkpoint_id": c.checkpoint_id, "renewal_id": c.renewal_id, "days_before": c.days_before},
            f"Renewal checkpoint T-{c.days_before}",
        )
        for c in renewals_peers.checkpoints_planned_between(tenant=tenant, start=day, end=day)
    ]


def _forecast_at_risk(tenant: Tenant, day: dt.date) -> list[Seen]:
    start, end = _window(tenant, day)
    return [
        Seen(
            c.account_id,
            c.changed_at,
            {"renewal_id": c.renewal_id, "from": c.from_category, "to": c.to_category},
            "The renewal's forecast turned at risk",
        )
        for c in renewals_peers.forecast_changes_between(tenant=tenant, start=start, end=end, to_category="at_risk")
    ]


def _renewal_decided(tenant: Tenant, day: dt.date) -> list[Seen]:
    moment = tenant_time.at(tenant, day)
    return [
        Seen(r.account_id, moment, {"renewal_id": r.renewal_id, "outcome": r.outcome}, f"Renewal decided: {r.outcome}")
        for r in renewals_peers.renewals_decided_between(tenant=tenant, start=day, end=day)
    ]


def _contract_created(tenant: Tenant, day: dt.date) -> list[Seen]:
    start, end = _window(tenant, day)
    return [
        Seen(c.account_id, c.created_at, {"contract_id": c.contract_id}, "A contract was recorded")
        for c in renewals_peers.contracts_created_between(tenant=tenant, start=start, end=end)
    ]


def _account_created(tenant: Tenant, day: dt.date) -> list[Seen]:
    start, end = _window(tenant, day)
    rows = (
        Account.objects.filter(tenant=tenant, created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "pk")
        .values_list("pk", "created_at")
    )
    return [Seen(pk, created_at, {}, "The account was created") for pk, created_at in rows]


def _tier_changed(tenant: Tenant, day: dt.date) -> list[Seen]:
    start, end = _window(tenant, day)
    rows = (
        TierChange.objects.filter(tenant=tenant, changed_at__gte=start, changed_at__lt=end)
        # An account's first tier comes with its creation, not a change.
        .exclude(reason=TierChangeReason.INITIAL)
        .order_by("changed_at", "pk")
        .values_list("account_id", "changed_at", "from_tier__name", "to_tier__name")
    )
    return [
        Seen(account_id, at, {"from_tier": before, "to_tier": after}, f"Tier changed from {before} to {after}")
        for account_id, at, before, after in rows
    ]


HISTORY: dict[str, Callable[[Tenant, dt.date], list[Seen]]] = {
    "band_changed": _band_changed,
    "score_dropped": _score_dropped,
    "signal_raised": _signal_raised,
    "stage_entered": _stage_entered,
    "track_regressed": _track_regressed,
    "track_stalled": _track_stalled,
    "milestone_met": _milestone_met,
    "milestone_missed": _milestone_missed,
    "checkpoint_reached": _checkpoint_reached,
    "forecast_at_risk": _forecast_at_risk,
    "renewal_decided": _renewal_decided,
    "contract_created": _contract_created,
    "account_created": _account_created,
    "tier_changed": _tier_changed,
}


def schedule_history(tenant: Tenant, weekday: str) -> Callable[[Tenant, dt.date], list[Seen]]:
    account_ids: list[int] = []

    def seen(tenant: Tenant, day: dt.date) -> list[Seen]:
        if weekday and str(day.weekday()) != weekday:
            return []
        if not account_ids:
            account_ids.extend(
                Account.objects.filter(tenant=tenant, status=AccountStatus.ACTIVE)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        moment = tenant_time.at(tenant, day)
        return [Seen(pk, moment, {"weekday": str(day.weekday())}, f"Every {day:%A}") for pk in account_ids]

    return seen
