"""The demo's journey paths, planned in plain Python before anything is written.

Each account's core track walks the stages from its signing day with durations drawn from the
segment's expectations (some past the upper bound: late), and stops where today (or its churn
day) falls. Stories are mixed in: regressions with the field's reasons, a fast SMB that skips
ahead, enterprise accounts with more tracks, a dropped add-on that comes back. Planning first lets
the demo choose which accounts to replay when it is asked for a smaller one (the tests).
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from accounts.models import Account, AccountStatus
from journeys.defaults import DEFAULT_TRACK_NAME
from journeys.models import RegressionReason, ScopeKind, Stage

ONB, ADO, RET, EXP, REN, ADV = Stage.values
SKIP_TEXT = "Live within a week and bought more seats at go-live: adoption happened during the trial."
REGRESSIONS = {
    RegressionReason.CHAMPION_LEFT: "The champion left the company; the new lead needs the workflows again.",
    RegressionReason.BUDGET_CUT: "Budget freeze after a weak quarter: seats and the expansion are on hold.",
    RegressionReason.NEW_RELEASE: "The new reporting engine changed the core workflow; the teams are retrained.",
    RegressionReason.MERGER: "Acquired by a competitor of the parent; the tool choice is under review.",
    RegressionReason.COMPETITOR: "Procurement runs a competitive evaluation before committing to more seats.",
}
CHURN_TEXT = {
    RegressionReason.CHAMPION_LEFT: "Churned: the champion left and nobody picked the product up.",
    RegressionReason.BUDGET_CUT: "Churned: the analytics budget was cut at the renewal.",
    RegressionReason.COMPETITOR: "Churned: moved to a cheaper BI tool after the evaluation.",
    "": "Churned: did not renew; usage had faded over the quarter.",
}
Bounds = dict[tuple[str, str], tuple[int, int | None]]
# Accounts that go on from retention to expansion, renewal and advocacy, per segment.
GROWERS = {"enterprise": 0.3, "mid_market": 0.2, "smb": 0.2, "product_led": 0.25}


@dataclass
class Move:
    """One step of a plan: a transition to `to_stage`, or the track's end when `to_stage` is empty."""

    day: dt.date
    to_stage: str
    reason: str = ""
    reason_text: str = ""
    note: str = ""


@dataclass
class Plan:
    account: Account
    start: dt.date
    moves: list[Move] = field(default_factory=list)
    name: str = DEFAULT_TRACK_NAME
    scope_kind: str = ScopeKind.PRODUCT
    tags: set[str] = field(default_factory=set)

    @property
    def stage(self) -> str:
        stages = [m.to_stage for m in self.moves]
        return stages[-1] if stages and stages[-1] else (stages[-2] if len(stages) > 1 else ONB)

    @property
    def ended(self) -> bool:
        return bool(self.moves) and not self.moves[-1].to_stage

    @property
    def entered(self) -> dt.date:
        return self.moves[-1].day if self.moves else self.start


def _span(bounds: Bounds, rng: random.Random, stage: str, segment: str, late_odds: float = 0.0) -> int | None:
    low, high = bounds.get((stage, segment), (0, None))
    if high is None:
        return None
    if rng.random() < late_odds:
        return rng.randint(int(high * 1.15) + 1, int(high * 1.8) + 2)
    return rng.randint(max(1, low), high)


def core_plan(account: Account, *, bounds: Bounds, rng: random.Random, today: dt.date) -> Plan:
    """Onboarding, adoption, retention; growers go on to expansion, renewal and advocacy."""
    segment = account.segment
    churner = account.status == AccountStatus.CHURNED
    start = account.signed_on or today - dt.timedelta(days=30)
    stop = (account.churned_on or today) if churner else today
    fast_smb = segment == "smb" and not churner and rng.random() < 0.1
    grower = not churner and rng.random() < GROWERS[segment]
    plan = Plan(account=account, start=start, tags={"churn"} if churner else set())
    if fast_smb:
        stays = [(ONB, rng.randint(5, 9), ""), (EXP, _span(bounds, rng, EXP, segment), SKIP_TEXT)]
        stays.append((REN, _span(bounds, rng, REN, segment), ""))
    else:
        late = 0.8 if churner else (0.3 if segment == "enterprise" else 0.15)
        onboarding = _span(bounds, rng, ONB, segment, late_odds=late) or 0
        adoption = _span(bounds, rng, ADO, segment, late_odds=0.1) or 0
        expansion, renewal = _span(bounds, rng, EXP, segment) or 0, _span(bounds, rng, REN, segment) or 0
        retention = rng.randint(150, 700) if grower else None
        # Some accounts are expanding or renewing right now: their retention ends that long before today.
        retained_for = (stop - start).days - onboarding - adoption
        now = rng.random()
        if not churner and now < 0.16:
            into = rng.randint(1, int((expansion if now < 0.08 else renewal) * 1.3) + 1)
            wanted = retained_for - into - (0 if now < 0.08 else expansion)
            retention = wanted if wanted >= 30 else retention
        stays = [(ONB, onboarding, ""), (ADO, adoption, ""), (RET, retention, ""), (EXP, expansion, "")]
        stays.append((REN, renewal, ""))
    day = start
    for (_, days, _), (stage, _, text) in zip(stays, [*stays[1:], (ADV, None, "")], strict=True):
        if days is None:
            break
        day += dt.timedelta(days=days)
        if day >= stop:
            break
        plan.moves.append(Move(day, stage, reason_text=text))
        if text:
            plan.tags.add("skip")
    high = bounds.get((ONB, segment), (0, None))[1]
    if high is not None and ((plan.moves[0].day if plan.moves else stop) - start).days > high:
        plan.tags.add("late")
    reason = _regression(plan, rng, churner=churner, stop=stop)
    if churner:
        plan.moves.append(Move(stop, "", reason_text=CHURN_TEXT.get(reason, CHURN_TEXT[""])))
    return plan


def _regression(plan: Plan, rng: random.Random, *, churner: bool, stop: dt.date) -> str:
    """A step back: most churners in their last months, a few healthy accounts that then recover."""
    if not plan.moves or rng.random() > (0.7 if churner else 0.12):
        return ""
    first = plan.moves[0].day
    if churner:
        day = stop - dt.timedelta(days=rng.randint(30, 100))
        reasons = [RegressionReason.CHAMPION_LEFT] * 2 + [RegressionReason.BUDGET_CUT, RegressionReason.COMPETITOR]
    else:
        day = first + dt.timedelta(days=rng.randint(20, max(21, (stop - first).days - 5)))
        reasons = [RegressionReason.CHAMPION_LEFT] * 2 + list(REGRESSIONS)
    reason = rng.choice(reasons)
    if day <= first or day >= stop:
        return ""
    before = [m for m in plan.moves if m.day < day]
    stage = before[-1].to_stage
    regress = Move(day, Stage.values[Stage.position(stage) - 1], reason=reason, note=REGRESSIONS[reason])
    plan.tags.update({"regress", f"regress:{reason}"})
    if churner:
        plan.moves = [*before, regress]
        return reason
    gap = dt.timedelta(days=rng.randint(30, 120))
    later = [Move(m.day + gap, m.to_stage, m.reason, m.reason_text) for m in plan.moves[len(before) :]]
    recover = Move(day + gap, stage, note="Back on track with the new champion and a refreshed plan.")
    plan.moves = [m for m in [*before, regress, recover, *later] if m.day < stop]
    return reason


def is_stalled(plan: Plan, bounds: Bounds, today: dt.date) -> bool:
    high = bounds.get((plan.stage, plan.account.segment), (0, None))[1]
    return not plan.ended and high is not None and (today - plan.entered).days > high


def enterprise_plans(core: list[Plan], *, rng: random.Random, today: dt.date) -> list[Plan]:
    """Enterprise accounts past adoption run more tracks: a department onboarding, an add-on in adoption."""
    extra = []
    mature = [p for p in core if p.account.segment == "enterprise" and not p.ended and Stage.position(p.stage) >= 2]
    # About one add-on in six was dropped in a spending review and bought again: an end, then a re-entry.
    returns = max(1, len(mature) // 12)
    for index, core_plan_ in enumerate(mature):
        account = core_plan_.account
        if index % 3 != 2:
            start = today - dt.timedelta(days=rng.randint(15, 140))
            extra.append(Plan(account, start, name="Finance department", scope_kind=ScopeKind.DEPARTMENT))
        retained = next((m.day for m in core_plan_.moves if m.to_stage == RET), core_plan_.start)
        start = max(today - dt.timedelta(days=rng.randint(260, 520)), retained + dt.timedelta(days=30))
        adopted = start + dt.timedelta(days=rng.randint(60, 125))
        if (index % 2 == 0 or returns) and adopted < today:
            plan = Plan(account, start, [Move(adopted, ADO)], name="Analytics add-on")
            if returns and (today - adopted).days > 90:
                returns -= 1
                ended = adopted + dt.timedelta(days=rng.randint(30, (today - adopted).days - 50))
                plan.moves.append(Move(ended, "", reason_text="Add-on dropped in the spending review (budget cut)."))
                back = "Bought again with next year's analytics budget; a new team starts from onboarding."
                plan.moves.append(Move(ended + dt.timedelta(days=rng.randint(20, 40)), ONB, reason_text=back))
            extra.append(plan)
        if index % 4 == 1:
            start = today - dt.timedelta(days=rng.randint(40, 90))
            extra.append(Plan(account, start, name="EMEA rollout", scope_kind=ScopeKind.USE_CASE))
    return extra


def cast(plans: list[Plan], *, limit: int | None, bounds: Bounds, today: dt.date) -> list[Plan]:
    """The core plans to replay: all of them, or the churned accounts' (their tracks must end at their
    churn day) and `limit` more, chosen so every story and every stage is among them."""
    if limit is None:
        return plans
    chosen: dict[int, Plan] = {p.account.pk: p for p in plans if "churn" in p.tags}
    most = len(chosen) + limit

    def take(candidates: list[Plan], count: int) -> None:
        for plan in [p for p in candidates if p.account.pk not in chosen][: max(0, min(count, most - len(chosen)))]:
            chosen[plan.account.pk] = plan

    by_stage = {stage: [p for p in plans if not p.ended and p.stage == stage] for stage in Stage.values}
    for stage in Stage.values:
        take(by_stage[stage], 1)
    mature = [p for p in plans if p.account.segment == "enterprise" and not p.ended and Stage.position(p.stage) >= 2]
    take(sorted(mature, key=lambda p: p.start), 3)
    take([p for p in plans if "skip" in p.tags], 1)
    for reason in REGRESSIONS:
        take([p for p in plans if f"regress:{reason}" in p.tags and "churn" not in p.tags], 1)
    take([p for p in plans if is_stalled(p, bounds, today)], 2)
    take([p for p in plans if "late" in p.tags], 2)
    while len(chosen) < most and any(by_stage.values()):
        for stage in Stage.values:
            if by_stage[stage]:
                take([by_stage[stage].pop(0)], 1)
    return [p for p in plans if p.account.pk in chosen]
