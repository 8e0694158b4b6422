"""The demo's contract histories, drawn before anything is written: for each account, the contract that
ended in the last twelve months (with the outcome its story calls for) and the one in force today, whose
ARR (as amended) is the ARR the accounts demo gave the account, so health and tiers stay as they were.

The stories come from the data the other demos left: churned accounts (and their journeys' regression
reasons), health's seat changes and signals (saturating seats, declining usage, red band), and the
accounts demo's ACV moves (expansions across a band, contractions below one)."""

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta

from accounts.models import Account, AccountStatus, Segment
from renewals.models import AmendmentKind, Lever, Outcome

STEADY, SATURATING, DECLINING, GROWING, SHRINKING, CHURNED = (
    "steady",
    "saturating",
    "declining",
    "growing",
    "shrinking",
    "churned",
)
# The journeys demo's regression reasons, as the tenant's churn reasons.
CHURN_FROM_REGRESSION = {
    "champion_left": "Champion left",
    "budget_cut": "Budget cut or restructuring",
    "merger": "Merger or acquisition",
    "competitor": "Replaced by a competitor",
    "health_decline": "Value not proven",
}
OTHER_CHURN = ["Replaced by a competitor", "Value not proven", "Price objection", "Business closed"]
CHURN_NOTES = {
    "Champion left": "Our champion left in the spring; the new team lead never adopted the product.",
    "Budget cut or restructuring": "Tools budget cut by half after the restructuring; we were not on the keep list.",
    "Merger or acquisition": "Acquired; the parent standardises on its own analytics stack.",
    "Replaced by a competitor": "Moved to a competitor bundled with their CRM.",
    "Value not proven": "Usage never recovered after onboarding; they could not show the value internally.",
    "Price objection": "Would only renew at half the price.",
    "Business closed": "The company closed its online business.",
}
CONTRACTION_REASONS = [
    ("Budget cut or restructuring", "Renewed for the core team only after the budget review."),
    ("Price objection", "Kept the contract at a lower tier after pushback on the price increase."),
    ("Merger or acquisition", "Two business units moved to the parent's tooling."),
    ("Low adoption: fewer seats needed", "Unused seats dropped at renewal."),
]
EXPANSION_NOTES = [
    "More seats for the new regional team.",
    "Upgraded to the next plan for the advanced reporting.",
    "Second department onboarded; price uplift accepted.",
    "Seat growth over the year trued up at renewal.",
]
CENT = Decimal("0.01")


def money(value) -> Decimal:
    return Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP).quantize(CENT)


@dataclass
class Amend:
    kind: str
    effective_on: dt.date
    arr_change: Decimal
    seats_change: int = 0
    note: str = ""
    # Won through the pipeline (the opportunity adds the amendment) instead of entered on the contract.
    won_title: str = ""
    won_kind: str = ""


@dataclass
class History:
    account: Account
    story: str
    start_on: dt.date  # of the current contract (or the churned one)
    term_months: int
    arr: Decimal  # of the current contract at signing
    seats: int
    prev_start_on: dt.date | None = None
    prev_arr: Decimal | None = None
    prev_seats: int = 0
    outcome: str = ""
    reason: str = ""
    levers: list[str] = field(default_factory=list)
    note: str = ""
    closed_on: dt.date | None = None
    amendments: list[Amend] = field(default_factory=list)
    known_on: dt.date | None = None  # when the current contract was entered, if not at its start
    is_late_start: bool = False

    @property
    def end_on(self) -> dt.date:
        return self.start_on + relativedelta(months=self.term_months) - dt.timedelta(days=1)


@dataclass
class Facts:
    """What the other demos left, per account id."""

    seat_changes: dict[int, list] = field(default_factory=dict)  # SubscriptionChange rows
    signals: dict[int, set[str]] = field(default_factory=dict)  # open signal kinds
    acv_moves: dict[int, tuple[str, dt.date]] = field(default_factory=dict)  # (acv_rule|contraction, day)
    regressions: dict[int, str] = field(default_factory=dict)  # churned accounts' last regression reason


def story_of(account: Account, facts: Facts) -> str:
    if account.status == AccountStatus.CHURNED:
        return CHURNED
    move = facts.acv_moves.get(account.pk)
    if move:
        return GROWING if move[0] == "acv_rule" else SHRINKING
    kinds = {row.kind for row in facts.seat_changes.get(account.pk, [])}
    signals = facts.signals.get(account.pk, set())
    if "seats_removed" in kinds or account.health_band == "red" or "score_drop" in signals:
        return DECLINING
    if "seats_added" in kinds or "expansion" in signals:
        return SATURATING
    return STEADY


def anniversary_start(signed_on: dt.date, today: dt.date) -> tuple[dt.date, int]:
    """The start of the yearly term in force today, and how many full years the account has had."""
    years = relativedelta(today, signed_on).years
    return signed_on + relativedelta(years=years), years


def plan_account(
    account: Account, facts: Facts, rng: random.Random, today: dt.date, won: tuple[str, str, Decimal] | None = None
) -> History:
    """The account's contracts; `won` (title, opportunity kind, share of ARR) is an expansion won this term."""
    story = story_of(account, facts)
    seats = max(account.seats_purchased, 1)
    signed_on = account.signed_on or today - dt.timedelta(days=200)
    if story == CHURNED:
        return _plan_churn(account, facts, rng, signed_on, seats)
    start_on, years = anniversary_start(signed_on, today)
    history = History(
        account=account, story=story, start_on=start_on, term_months=12, arr=money(account.arr), seats=seats
    )
    _amendments(history, facts, rng, today)
    if won and history.start_on < today - dt.timedelta(days=20):
        title, kind, share = won
        day = history.start_on + dt.timedelta(days=rng.randint(5, (today - history.start_on).days - 10))
        value = money(Decimal(account.arr) * share)
        history.amendments.append(Amend("", day, value, 0, "", won_title=title, won_kind=kind))
    history.arr = money(Decimal(account.arr) - sum((a.arr_change for a in history.amendments), Decimal(0)))
    history.seats = max(1, seats - sum(a.seats_change for a in history.amendments))
    if years == 0:
        # Signed within the year: the first contract is today's; some larger ones signed for 18 months.
        if account.segment in (Segment.ENTERPRISE, Segment.MID_MARKET) and rng.random() < 0.2:
            history.term_months = 18
        return history
    history.prev_start_on = start_on - relativedelta(years=1)
    _prev_outcome(history, rng, today)
    return history


def _plan_churn(account: Account, facts: Facts, rng: random.Random, signed_on: dt.date, seats: int) -> History:
    end_on = account.churned_on
    start_on = max(signed_on, end_on - relativedelta(years=1) + dt.timedelta(days=1))
    months = max(1, round((end_on - start_on).days / 30.4))
    history = History(
        account=account, story=CHURNED, start_on=start_on, term_months=months, arr=money(account.arr), seats=seats
    )
    history.outcome = Outcome.CHURNED
    history.reason = CHURN_FROM_REGRESSION.get(facts.regressions.get(account.pk, ""), "") or rng.choice(OTHER_CHURN)
    history.note = CHURN_NOTES[history.reason]
    history.closed_on = end_on
    return history


def _amendments(history: History, facts: Facts, rng: random.Random, today: dt.date) -> None:
    """Mid-term changes that match what health and the accounts demo recorded."""
    account = history.account
    per_seat = Decimal(account.arr) / max(account.seats_purchased, 1)
    for row in facts.seat_changes.get(account.pk, []):
        delta = (row.seats_after or 0) - (row.seats_before or 0)
        if delta == 0 or row.effective_on < history.start_on:
            continue
        history.amendments.append(
            Amend(
                kind=AmendmentKind.SEATS_ADDED if delta > 0 else AmendmentKind.SEATS_REMOVED,
                effective_on=row.effective_on,
                arr_change=money(per_seat * delta),
                seats_change=delta,
                note=row.note or ("Seats added for new hires" if delta > 0 else "Seats removed"),
            )
        )
    move = facts.acv_moves.get(account.pk)
    if move and move[1] >= history.start_on:
        kind, day = move
        if kind == "acv_rule":
            before = money(Decimal(account.arr) / Decimal("1.45"))
            history.amendments.append(
                Amend(
                    AmendmentKind.UPGRADE,
                    day,
                    money(Decimal(account.arr) - before),
                    0,
                    "Upgraded to the Enterprise plan for a second business unit",
                )
            )
        else:
            before = money(Decimal(account.arr) / Decimal("0.55"))
            history.amendments.append(
                Amend(
                    AmendmentKind.DOWNGRADE,
                    day,
                    -money(before - Decimal(account.arr)),
                    0,
                    "Downgraded after the budget review: two business units dropped the product",
                )
            )


def _prev_outcome(history: History, rng: random.Random, today: dt.date) -> None:
    """The outcome of the renewal that ended the previous contract, from the account's story."""
    story, account = history.story, history.account
    move_done = any(a.kind in (AmendmentKind.UPGRADE, AmendmentKind.DOWNGRADE) for a in history.amendments)
    roll = rng.random()
    change = Decimal(0)
    if story == GROWING and not move_done:
        change = Decimal("0.45")
    elif story == SHRINKING and not move_done:
        change = Decimal("-0.45")
    elif story == SATURATING:
        change = Decimal(str(round(rng.uniform(0.2, 0.5), 2))) if roll < 0.85 else Decimal(0)
    elif story == DECLINING:
        change = Decimal(str(-round(rng.uniform(0.15, 0.4), 2))) if roll < 0.6 else Decimal(0)
    elif roll < 0.36:
        change = Decimal(0)
    elif roll < 0.74:
        change = Decimal(str(round(rng.uniform(0.08, 0.45), 2)))
    else:
        change = Decimal(str(-round(rng.uniform(0.1, 0.35), 2)))
    # The previous ARR (the renewal's ARR up for renewal) such that the new contract's ARR is today's.
    prev = history.arr if change == 0 else money(history.arr / (1 + change))
    history.prev_arr = prev
    history.prev_seats = max(1, round(history.seats * float(prev / history.arr))) if history.arr else history.seats
    prev_end = history.start_on - dt.timedelta(days=1)
    auto = account.segment == Segment.PRODUCT_LED
    history.closed_on = prev_end if auto else prev_end - dt.timedelta(days=rng.randint(0, 25))
    if history.arr > prev:
        history.outcome = Outcome.EXPANDED
        history.note = rng.choice(EXPANSION_NOTES) if story != GROWING else "Expanded to a second business unit."
    elif history.arr < prev:
        history.outcome = Outcome.CONTRACTED
        if story == DECLINING:
            history.reason, history.note = "Low adoption: fewer seats needed", "Inactive seats dropped at renewal."
        elif story == SHRINKING:
            history.reason, history.note = "Budget cut or restructuring", "Two business units dropped the product."
        else:
            history.reason, history.note = rng.choice(CONTRACTION_REASONS)
    else:
        history.outcome = Outcome.RENEWED
        history.note = "Renewed automatically: no cancellation by the notice date." if auto else "Renewed as is."
    _levers(history, rng, today)


def _levers(history: History, rng: random.Random, today: dt.date) -> None:
    """Multi-year terms, bridges and payment terms, where the dates leave room for them."""
    if history.account.segment == Segment.PRODUCT_LED:
        return
    roll = rng.random()
    eighteen_months = today + relativedelta(months=18)
    multi_year_end = history.start_on + relativedelta(months=24) - dt.timedelta(days=1)
    if history.outcome != Outcome.EXPANDED and roll < 0.15 and today < multi_year_end <= eighteen_months:
        history.term_months = 24
        history.levers = [Lever.MULTI_YEAR]
        history.note = (history.note + " Two-year term for a 5% discount.").strip()
    elif history.outcome == Outcome.CONTRACTED and roll < 0.4 and history.start_on + relativedelta(months=6) > today:
        history.term_months = 6
        history.levers = [Lever.BRIDGE]
        history.note = (history.note + " Six-month bridge while their new budget is approved.").strip()
    elif roll > 0.9:
        history.levers = [Lever.PAYMENT_TERMS]
        history.note = (history.note + " Quarterly invoicing instead of annual upfront.").strip()
