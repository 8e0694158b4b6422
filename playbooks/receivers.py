"""How playbooks hear the lower apps' news: each event becomes trigger occurrences (one per account and
thing that happened, keyed by it) and the runs they fire (playbooks.services.triggers). A receiver may run
twice (any message can arrive twice): the occurrence keys make the second time record nothing."""

from accounts.signals import (
    accounts_created,
    contact_changes,
    contacts_changed,
    custom_fields_changed,
    tier_changed,
)
from core.events import receives
from health.peers import signals_of
from health.signals import signals_changed
from journeys.signals import milestone_met, track_flagged, track_flags_closed, track_transitioned
from renewals.signals import contract_created, forecast_changed, renewal_closed
from tenancy.signals import tenant_created

from .services.defaults import playbooks_ensure_defaults
from .services.resolution import runs_resolve_for_flags, runs_resolve_for_signals
from .services.triggers import Occurrence, occurrences_record

# The health signal kinds that carry a band change and a score drop in their data.
BAND_CHANGE, SCORE_DROP = "band_change", "score_drop"
# Transitions that enter a stage (an end leaves one).
ENTERING = ("start", "advance", "skip", "regress", "reenter")


@receives(signals_changed)
def health_signals(*, tenant, raised, resolved):
    raised_signals = signals_of(tenant=tenant, ids=raised) if raised else []
    by_trigger: dict[str, list[Occurrence]] = {"signal_raised": [], "band_changed": [], "score_dropped": []}
    for signal in raised_signals:
        key, data = f"signal:{signal.pk}", signal.data or {}
        base = {"signal_id": signal.pk, "kind": signal.kind, "message": signal.message, "severity": signal.severity}
        by_trigger["signal_raised"].append(Occurrence(signal.account_id, key, base))
        if signal.kind == BAND_CHANGE:
            by_trigger["band_changed"].append(
                Occurrence(signal.account_id, key, {**base, "from": data.get("from"), "to": data.get("to")})
            )
        elif signal.kind == SCORE_DROP and data.get("from") is not None and data.get("to") is not None:
            points = int(data["from"]) - int(data["to"])
            by_trigger["score_dropped"].append(
                Occurrence(signal.account_id, key, {**base, "points": points, "window": data.get("window", 7)})
            )
    for trigger, occurrences in by_trigger.items():
        occurrences_record(tenant=tenant, trigger=trigger, occurrences=occurrences)
    if resolved:
        runs_resolve_for_signals(tenant=tenant, signal_ids=list(resolved))


@receives(track_transitioned)
def track_moves(*, tenant, transition_id, track_id, track_name, account_id, from_stage, to_stage, kind, at):
    facts = {"transition_id": transition_id, "track_id": track_id, "track": track_name}
    facts |= {"from_stage": from_stage, "to_stage": to_stage, "kind": kind}
    key = f"transition:{transition_id}"
    if kind in ENTERING and to_stage:
        occurrences_record(tenant=tenant, trigger="stage_entered", occurrences=[Occurrence(account_id, key, facts)])
    if kind == "regress":
        occurrences_record(tenant=tenant, trigger="track_regressed", occurrences=[Occurrence(account_id, key, facts)])


@receives(track_flagged)
def track_flags(*, tenant, track_flag_id, track_id, account_id, kind):
    if kind == "stalled":
        facts = {"track_flag_id": track_flag_id, "track_id": track_id, "kind": kind}
        occurrence = Occurrence(account_id, f"flag:{track_flag_id}", facts)
        occurrences_record(tenant=tenant, trigger="track_stalled", occurrences=[occurrence])


@receives(track_flags_closed)
def track_flags_ended(*, tenant, track_flag_ids):
    # A stalled track moved on (or its flag was dismissed): the runs it fired stop, where asked to.
    runs_resolve_for_flags(tenant=tenant, flag_ids=list(track_flag_ids))


@receives(milestone_met)
def milestones(*, tenant, milestone_id, account_id, title, done_on):
    facts = {"milestone_id": milestone_id, "title": title, "done_on": done_on}
    occurrence = Occurrence(account_id, f"milestone:{milestone_id}", facts)
    occurrences_record(tenant=tenant, trigger="milestone_met", occurrences=[occurrence])


@receives(renewal_closed)
def renewals_decided(*, tenant, renewal_id, account_id, outcome):
    occurrence = Occurrence(account_id, f"renewal:{renewal_id}", {"renewal_id": renewal_id, "outcome": outcome})
    occurrences_record(tenant=tenant, trigger="renewal_decided", occurrences=[occurrence])


@receives(forecast_changed)
def forecasts(*, tenant, changes, origin_playbook_id):
    occurrences = [
        Occurrence(
            change["account_id"],
            f"forecast:{change['change_id']}",
            {"renewal_id": change["renewal_id"], "from": change["from"], "to": change["to"]},
            origin_playbook_id=origin_playbook_id,
        )
        for change in changes
        if change["to"] == "at_risk"
    ]
    occurrences_record(tenant=tenant, trigger="forecast_at_risk", occurrences=occurrences)


@receives(contract_created)
def contracts(*, tenant, contract_id, account_id, start_on):
    occurrence = Occurrence(account_id, f"contract:{contract_id}", {"contract_id": contract_id, "start_on": start_on})
    occurrences_record(tenant=tenant, trigger="contract_created", occurrences=[occurrence])


@receives(accounts_created)
def accounts(*, tenant, account_ids):
    occurrences = [Occurrence(pk, f"account:{pk}", {}) for pk in account_ids]
    occurrences_record(tenant=tenant, trigger="account_created", occurrences=occurrences)


@receives(contacts_changed)
def contacts(*, tenant, changes):
    occurrences = []
    for change in contact_changes(changes):
        lost = [role for role in change.roles_before if change.lost_role(role)]
        if lost:
            # The change itself names the occurrence: the same announcement twice is one.
            key = f"contact:{change.contact_id}:{','.join(change.roles_after)}:{int(change.active_after)}"
            facts = {"contact_id": change.contact_id, "roles": lost}
            occurrences.append(Occurrence(change.account_id, key, facts))
    occurrences_record(tenant=tenant, trigger="contact_role_lost", occurrences=occurrences)


@receives(tier_changed)
def tiers(*, tenant, changes):
    occurrences = [
        Occurrence(change["account_id"], f"tier:{change['change_id']}", dict(change))
        for change in changes
        if change.get("change_id")
    ]
    occurrences_record(tenant=tenant, trigger="tier_changed", occurrences=occurrences)


@receives(custom_fields_changed)
def custom_fields(*, tenant, account_id, fields, at):
    occurrence = Occurrence(account_id, f"custom:{account_id}:{at}", {"fields": list(fields)})
    occurrences_record(tenant=tenant, trigger="custom_field_changed", occurrences=[occurrence])


@receives(tenant_created)
def tenant_defaults(*, tenant):
    # The shipped playbooks, switched off (after communications' cadences, which one of them enrols).
    playbooks_ensure_defaults(tenant=tenant)
