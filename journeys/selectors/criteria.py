"""Exit criteria: the tenant's list per stage (the seed's defaults until changed) and their evaluation.

Manual criteria hold when a person ticked them during the track's current stay in the stage; data
criteria are rules over the account's latest health, its people and its success plan. Facts are read
for many accounts at once, so a board's worth of tracks costs a handful of queries.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from core.text import day_of
from health.peers import LatestHealth, accounts_latest_health
from tenancy.models import Tenant

from .. import defaults
from ..models import CriterionCheck, CriterionKind, ExitCriterion, JourneyTrack, Objective


@dataclass
class AccountFacts:
    health: LatestHealth
    objectives: list[Objective] = field(default_factory=list)


@dataclass(frozen=True)
class CriterionState:
    criterion: ExitCriterion
    met: bool
    detail: str
    check: CriterionCheck | None = None

    def snapshot(self) -> dict:
        """As kept on a transition: enough to show the checklist as it stood, even after the criterion changes."""
        return {
            "key": self.criterion.key,
            "label": self.criterion.label,
            "kind": self.criterion.kind,
            "met": self.met,
            "detail": self.detail,
        }


def _pct(value) -> str:
    return f"{float(value) * 100:.0f}%"


def _threshold(criterion: ExitCriterion, fallback: str) -> Decimal:
    return criterion.threshold if criterion.threshold is not None else Decimal(fallback)


def _active_seat_share(c: ExitCriterion, facts: AccountFacts) -> tuple[bool, str]:
    share, needed = facts.health.raw("active_seats"), _threshold(c, "70")
    if share is None:
        return False, "No usage data yet."
    return float(share) * 100 >= float(needed), f"Active seats {_pct(share)} (needs {needed:.0f}%)."


def _feature_breadth(c: ExitCriterion, facts: AccountFacts) -> tuple[bool, str]:
    used, needed = facts.health.raw("feature_breadth"), _threshold(c, "4")
    if used is None:
        return False, "No usage data yet."
    return float(used) >= float(needed), f"{used:.0f} features used in the last 30 days (needs {needed:.0f})."


def _weekly_usage(c: ExitCriterion, facts: AccountFacts) -> tuple[bool, str]:
    change, floor = facts.health.raw("engagement_change"), _threshold(c, "-20")
    if change is None or not facts.health.raw("active_seats"):
        return False, "Not active in both of the last two weeks."
    met = float(change) * 100 >= float(floor)
    return met, f"Engagement this week {float(change) * 100:+.0f}% against last week (floor {floor:.0f}%)."


def _power_users(c: ExitCriterion, facts: AccountFacts) -> tuple[bool, str]:
    count, needed = facts.health.power_users, _threshold(c, "1")
    noun = "power user" if count == 1 else "power users"
    return count >= needed, f"{count} {noun} identified (needs {needed:.0f})."


def _health_band(c: ExitCriterion, facts: AccountFacts) -> tuple[bool, str]:
    band = facts.health.band
    if not band:
        return False, "No health score yet."
    return band == "green", f"Health {facts.health.score} ({band})."


def _open_tickets(c: ExitCriterion, facts: AccountFacts) -> tuple[bool, str]:
    # No ticket data means no open ticket: the support desk sends what is open.
    weight, ceiling = facts.health.raw("open_tickets") or 0, _threshold(c, "2")
    return float(weight) <= float(ceiling), f"Open tickets weigh {weight:g} (at most {ceiling:g})."


def _nps(c: ExitCriterion, facts: AccountFacts) -> tuple[bool, str]:
    answer, needed = facts.health.raw("nps"), _threshold(c, "9")
    if answer is None:
        return False, "No NPS answer in the last year."
    return float(answer) >= float(needed), f"Latest NPS {answer:.0f} (needs {needed:.0f})."


def _value_documented(c: ExitCriterion, facts: AccountFacts, check: CriterionCheck | None = None):
    candidates = facts.objectives
    if check is not None and check.objective_id:
        candidates = [o for o in facts.objectives if o.pk == check.objective_id]
    for objective in candidates:
        if objective.progress:
            return True, f"{objective.title}: {objective.current:g} against a baseline of {objective.baseline:g}."
    if check is not None and check.objective_id and candidates:
        return False, f"{candidates[0].title} has no measurement that moved towards its target yet."
    return False, "No success-plan objective with a recorded improvement."


Rule = Callable[..., tuple[bool, str]]
RULES: dict[str, tuple[str, Rule]] = {
    "active_seat_share": ("Active seats at or above a share (%)", _active_seat_share),
    "feature_breadth": ("Features used in the last 30 days at or above a count", _feature_breadth),
    "weekly_usage": ("Weekly usage established (floor on week-over-week change, %)", _weekly_usage),
    "power_users": ("Power users identified, at least a count", _power_users),
    "health_band": ("Health band is green", _health_band),
    "open_tickets": ("Open tickets (weighted) at most a number", _open_tickets),
    "nps": ("Latest NPS at or above a score", _nps),
    "value_documented": ("A success-plan objective shows measured progress", _value_documented),
}
# Rules that describe a state an account keeps (usage, health, tickets), as opposed to a milestone it reaches
# once (a promoter, documented value): in an ongoing stage only a state that is lost makes a track behind.
STATE_RULES = frozenset({"active_seat_share", "feature_breadth", "weekly_usage", "health_band", "open_tickets"})


def exit_criteria_ensure(*, tenant: Tenant) -> None:
    """Give a tenant the seed's criteria the first time it needs them; changes made since are kept."""
    if ExitCriterion.objects.filter(tenant=tenant).exists():
        return
    ExitCriterion.objects.bulk_create(
        [
            ExitCriterion(
                tenant=tenant,
                stage=stage,
                key=key,
                label=label,
                kind=kind,
                rule=rule,
                threshold=threshold,
                help_text=help_text,
                position=index,
            )
            for index, (stage, key, label, kind, rule, threshold, help_text) in enumerate(defaults.CRITERIA)
        ],
        ignore_conflicts=True,
    )


def exit_criteria_by_stage(*, tenant: Tenant) -> dict[str, list[ExitCriterion]]:
    exit_criteria_ensure(tenant=tenant)
    by_stage: dict[str, list[ExitCriterion]] = defaultdict(list)
    for criterion in ExitCriterion.objects.filter(tenant=tenant, is_active=True).order_by("position", "id"):
        by_stage[criterion.stage].append(criterion)
    return by_stage


def account_facts(*, tenant: Tenant, account_ids: Iterable[int]) -> dict[int, AccountFacts]:
    ids = sorted(set(account_ids))
    health = accounts_latest_health(tenant=tenant, account_ids=ids)
    facts = {account_id: AccountFacts(health[account_id]) for account_id in ids}
    for objective in Objective.objects.filter(tenant=tenant, account_id__in=ids).order_by("due_on", "id"):
        facts[objective.account_id].objectives.append(objective)
    return facts


def evaluate(
    criteria: list[ExitCriterion], facts: AccountFacts, checks: dict[int, CriterionCheck], *, tenant: Tenant
) -> list[CriterionState]:
    """Each criterion of the stage, met or not, with the sentence that says why."""
    states = []
    for criterion in criteria:
        check = checks.get(criterion.pk)
        if criterion.kind == CriterionKind.MANUAL:
            if check is None:
                states.append(CriterionState(criterion, False, "Not ticked yet."))
            else:
                who = str(check.checked_by) if check.checked_by else "someone"
                when = day_of(check.checked_at, tenant)
                states.append(CriterionState(criterion, True, f"Ticked by {who} on {when}.", check))
            continue
        _, rule = RULES.get(criterion.rule, (None, None))
        if rule is None:
            states.append(CriterionState(criterion, False, f"Unknown rule {criterion.rule!r}: fix it in the settings."))
        elif criterion.rule == "value_documented":
            met, detail = rule(criterion, facts, check)
            states.append(CriterionState(criterion, met, detail, check))
        else:
            met, detail = rule(criterion, facts)
            states.append(CriterionState(criterion, met, detail))
    return states


def tracks_criteria(*, tenant: Tenant, tracks: list[JourneyTrack]) -> dict[int, list[CriterionState]]:
    """The current stage's checklist for each track: a few queries however many tracks."""
    by_stage = exit_criteria_by_stage(tenant=tenant)
    facts = account_facts(tenant=tenant, account_ids=[t.account_id for t in tracks])
    checks: dict[int, dict[int, CriterionCheck]] = defaultdict(dict)
    for check in CriterionCheck.objects.filter(tenant=tenant, track__in=[t.pk for t in tracks]).select_related(
        "checked_by"
    ):
        checks[check.track_id][check.criterion_id] = check
    return {
        t.pk: evaluate(by_stage.get(t.stage, []), facts[t.account_id], checks[t.pk], tenant=tenant)
        if t.is_active
        else []
        for t in tracks
    }
