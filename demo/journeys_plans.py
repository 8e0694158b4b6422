"""The demo's success plans: objectives with their measurements over the past months, and milestones.

High-touch and low-touch accounts (those with a CSM) have a plan, and a share of the pooled SMBs;
product-led accounts are tech touch and have none. At-risk accounts' numbers move away from the target.
"""

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from accounts.models import Account, AccountStatus
from journeys import services
from journeys.models import JourneyTrack, Objective, ObjectiveStatus

if TYPE_CHECKING:
    from demo.journeys import Replay

# (title, metric, unit, baseline, target, source, calculation)
OBJECTIVES = (
    (
        "Cut invoice processing time",
        "Invoice processing time",
        "hours",
        48,
        12,
        "ERP export (SAP), weekly",
        "Median hours from invoice receipt to approval over the last four weeks",
    ),
    (
        "Deflect support tickets to self-serve",
        "Self-serve ticket deflection",
        "%",
        10,
        40,
        "Zendesk Guide report",
        "Help-centre sessions ending without a ticket over all support contacts, monthly",
    ),
    (
        "Improve forecast accuracy",
        "Forecast accuracy",
        "%",
        70,
        90,
        "Finance planning workbook",
        "1 - |forecast - actual| / actual, per quarter",
    ),
    (
        "Close the books faster",
        "Days to close the month",
        "days",
        10,
        4,
        "Controller's close checklist",
        "Working days from month end to the signed-off close",
    ),
    (
        "Reports built by the business, not IT",
        "Reports built by business users",
        "%",
        15,
        60,
        "Product usage: Report Created, by role",
        "Reports created by non-admin users over all reports created, monthly",
    ),
    (
        "Less time on weekly reporting",
        "Analyst hours on weekly reporting",
        "hours",
        20,
        6,
        "Time-tracking survey of the analytics team",
        "Hours per analyst per week, self-reported, averaged over the team",
    ),
    (
        "Managers steer from dashboards",
        "Managers viewing dashboards weekly",
        "%",
        20,
        75,
        "Product usage: Dashboard Viewed",
        "Managers with a dashboard view in the week over all managers",
    ),
)
COUNT_BY_SEGMENT = {"enterprise": (2, 3), "mid_market": (1, 2), "smb": (1, 1)}


def seed_plans(replay: "Replay", accounts: list[Account]) -> None:
    rng, today = replay.rng, replay.today
    for account in accounts:
        low_high = COUNT_BY_SEGMENT.get(account.segment)
        if low_high is None or (account.owner_id is None and rng.random() > 0.15):
            continue
        band = account.health_band
        at_risk = account.status == AccountStatus.CHURNED or band == "red" or (band == "yellow" and rng.random() < 0.3)
        signed = account.signed_on or today - dt.timedelta(days=60)
        started = max(signed + dt.timedelta(days=10), today - dt.timedelta(days=rng.randint(100, 240)))
        started = min(started, today - dt.timedelta(days=5))
        for index, template in enumerate(rng.sample(OBJECTIVES, rng.randint(*low_high))):
            _objective(replay, account, template, started=started, at_risk=at_risk, first=index == 0)


def _value(template, share: float) -> Decimal:
    _, _, unit, baseline, target, _, _ = template
    value = baseline + (target - baseline) * share
    return Decimal(str(round(max(0.0, value), 1 if unit == "hours" else 0)))


def _objective(replay: "Replay", account: Account, template, *, started: dt.date, at_risk: bool, first: bool) -> None:
    rng, today = replay.rng, replay.today
    title, metric, unit, baseline, target, source, calculation = template
    owner = replay.by(account)
    objective = services.objective_create(
        tenant=replay.tenant,
        account=account,
        title=title,
        metric=metric,
        unit=unit,
        baseline=Decimal(baseline),
        target=Decimal(target),
        due_on=today + dt.timedelta(days=rng.randint(20, 200)),
        source=source,
        calculation=calculation,
        owner=owner,
    )
    days = (today - started).days
    count = max(1, min(rng.randint(2, 6), days // 25 + 1))
    # Where the last measurement lands, as a share of the way from baseline to target.
    final = rng.uniform(-0.35, 0.1) if at_risk else rng.uniform(0.25, 1.1)
    for n in range(count):
        share = 0.0 if n == 0 else final * n / max(1, count - 1) + rng.uniform(-0.05, 0.05)
        services.measurement_record(
            objective=objective,
            value=_value(template, share),
            measured_on=started + dt.timedelta(days=round(days * n / count)),
            by=owner,
            note="Baseline agreed at the kick-off." if n == 0 else "",
        )
    if at_risk:
        services.objective_update(objective=objective, status=ObjectiveStatus.AT_RISK)
    replay.count("objectives")
    replay.count("measurements", count)
    _milestones(replay, account, objective, started=started, first=first)


def _milestones(replay: "Replay", account: Account, objective: Objective, *, started: dt.date, first: bool) -> None:
    """The kick-off (done), a review halfway (done, or overdue), and for the first objective the target check."""
    rng, today = replay.rng, replay.today
    unit = objective.unit if objective.unit == "%" else f" {objective.unit}"
    steps = [
        (f"Kick-off: agree how {objective.metric.lower()} is measured", started, True),
        (f"Review {objective.metric.lower()} in the business review", started + dt.timedelta(days=75), None),
    ]
    if first:
        steps.append((f"Target check: {objective.target:g}{unit}", objective.due_on, False))
    for title, due, done in steps:
        milestone = services.milestone_create(
            tenant=replay.tenant, account=account, objective=objective, title=title, due_on=due
        )
        if done is None:
            done = due < today and rng.random() < 0.6
        if done and due <= today:
            finished = min(today, due + dt.timedelta(days=rng.randint(-3, 4)))
            services.milestone_update(milestone=milestone, done_on=finished)
        replay.count("milestones")


def value_documented_ticks(replay: "Replay", tracks: list[JourneyTrack]) -> None:
    """Onboarding's "first business value documented" points at the objective that shows it, for most."""
    criterion = next((c for c in replay.criteria.get("onboarding", []) if c.key == "value_documented"), None)
    if criterion is None:
        return
    by_account: dict[int, Objective] = {}
    for objective in Objective.objects.filter(
        tenant=replay.tenant, account_id__in=[t.account_id for t in tracks], current__isnull=False
    ).order_by("due_on", "pk"):
        if objective.progress and objective.account_id not in by_account:
            by_account[objective.account_id] = objective
    for track in tracks:
        objective = by_account.get(track.account_id)
        if objective is not None and replay.rng.random() < 0.8:
            services.criterion_check(
                track=track,
                criterion=criterion,
                objective=objective,
                by=replay.by(track.account),
                note=f"{objective.metric}: {objective.current:g} against a baseline of {objective.baseline:g}.",
                at=replay.at(objective.current_on, 15),
            )
            replay.count("value_documented")
