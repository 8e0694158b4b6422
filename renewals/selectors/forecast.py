"""Reads of the forecast: the quarter's renewals by forecast category, the open ARR by month and its chart;
and what the data suggests for a renewal (health band and trend, open signals, the runway's progress, a
cancellation), with its reasons, which renewals.services.forecast stores."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Expression, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from core.text import day, plural
from health.peers import (
    SEVERITY_RANK,
    HealthSignal,
    Severity,
    SignalKind,
    accounts_latest_scores,
    accounts_open_signals,
)
from tenancy.models import Tenant, User

from ..models import Checkpoint, Forecast, Outcome, Renewal, RenewalStatus
from ..reporting.periods import next_quarter, quarter_start
from .renewals import checkpoints_open

ZERO = Decimal(0)


def quarter_of(day: dt.date, *, offset: int = 0) -> tuple[dt.date, dt.date]:
    """The first and last day of the quarter `day` is in, or of the `offset`-th one after it."""
    start = quarter_start(day)
    for _ in range(offset):
        start = next_quarter(start)
    return start, next_quarter(start) - dt.timedelta(days=1)


def quarter_label(start: dt.date) -> str:
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


@dataclass
class CategoryTotal:
    category: str
    label: str
    arr: Decimal = ZERO
    count: int = 0


@dataclass
class ForecastRollup:
    """A quarter's renewals: the open ones by forecast category, and what already closed."""

    start: dt.date
    end: dt.date
    categories: list[CategoryTotal] = field(default_factory=list)
    renewed_arr: Decimal = ZERO
    renewed_count: int = 0
    churned_arr: Decimal = ZERO
    churned_count: int = 0

    @property
    def label(self) -> str:
        return quarter_label(self.start)

    @property
    def open_arr(self) -> Decimal:
        return sum((c.arr for c in self.categories), ZERO)

    @property
    def open_count(self) -> int:
        return sum(c.count for c in self.categories)

    @property
    def at_risk_arr(self) -> Decimal:
        return next((c.arr for c in self.categories if c.category == Forecast.AT_RISK), ZERO)


def forecast_rollup(
    *, tenant: Tenant, start: dt.date, end: dt.date, owner: User | None = None, segment: str | None = None
) -> ForecastRollup:
    """The renewals due between `start` and `end` (both included), in one query: open ones by category
    (ARR up for renewal), closed ones as renewed (the new ARR of renewed, expanded and contracted
    renewals) and churned (the ARR lost)."""
    renewals = Renewal.objects.filter(tenant=tenant, due_on__gte=start, due_on__lte=end)
    if owner is not None:
        renewals = renewals.filter(owner=owner)
    if segment:
        renewals = renewals.filter(account__segment=segment)
    is_open = Q(status=RenewalStatus.OPEN)
    kept = Q(status=RenewalStatus.CLOSED) & ~Q(outcome=Outcome.CHURNED)
    churned = Q(status=RenewalStatus.CLOSED, outcome=Outcome.CHURNED)
    sums: dict[str, Expression] = {}
    for category in Forecast.values:
        sums[f"{category}_arr"] = Coalesce(Sum("arr", filter=is_open & Q(forecast=category)), ZERO)
        sums[f"{category}_count"] = Count("pk", filter=is_open & Q(forecast=category))
    totals = renewals.aggregate(
        **sums,
        renewed_arr=Coalesce(Sum("outcome_arr", filter=kept), ZERO),
        renewed_count=Count("pk", filter=kept),
        churned_arr=Coalesce(Sum("arr", filter=churned), ZERO),
        churned_count=Count("pk", filter=churned),
    )
    return ForecastRollup(
        start=start,
        end=end,
        categories=[
            CategoryTotal(value, label, totals[f"{value}_arr"], totals[f"{value}_count"])
            for value, label in Forecast.choices
        ],
        renewed_arr=totals["renewed_arr"],
        renewed_count=totals["renewed_count"],
        churned_arr=totals["churned_arr"],
        churned_count=totals["churned_count"],
    )


@dataclass
class ForecastMonth:
    month: dt.date
    arr: dict[str, Decimal]

    @property
    def label(self) -> str:
        return f"{self.month:%b %Y}"


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month + 1, 1)


def forecast_by_month(
    *, tenant: Tenant, today: dt.date, months: int = 12, owner: User | None = None, segment: str | None = None
) -> list[ForecastMonth]:
    """The open renewals' ARR by due month and category, this month and the `months - 1` after it, in one query."""
    first = today.replace(day=1)
    after = _add_months(first, months)
    renewals = Renewal.objects.filter(tenant=tenant, status=RenewalStatus.OPEN, due_on__gte=first, due_on__lt=after)
    if owner is not None:
        renewals = renewals.filter(owner=owner)
    if segment:
        renewals = renewals.filter(account__segment=segment)
    rows = (
        renewals.annotate(month=TruncMonth("due_on"))
        .order_by()
        .values("month", "forecast")
        .annotate(total=Coalesce(Sum("arr"), ZERO))
    )
    by_month = {_add_months(first, i): dict.fromkeys(Forecast.values, ZERO) for i in range(months)}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        by_month[month][row["forecast"]] += row["total"]
    return [ForecastMonth(month=month, arr=arr) for month, arr in by_month.items()]


def forecast_chart(months: list[ForecastMonth]) -> dict:
    """The chart's data: labels and one ARR series per category (floats: the chart only draws them)."""
    return {
        "labels": [m.label for m in months],
        "series": [
            {"key": value, "label": label, "data": [float(m.arr[value]) for m in months]}
            for value, label in Forecast.choices
        ],
    }


# What the data suggests ---------------------------------------------------------------------------------------

# A fall of this many points over 30 days takes the suggestion one step down.
FALLING_TREND_POINTS = 10
# This many open risk signals make the renewal at risk whatever the band says.
RISK_SIGNALS_FOR_AT_RISK = 3

BAND_FORECAST: dict[str, str] = {"green": Forecast.COMMIT, "yellow": Forecast.BEST_CASE, "red": Forecast.AT_RISK}
RISK_KINDS = {
    SignalKind.POWER_USER_INACTIVE,
    SignalKind.SCORE_DROP,
    SignalKind.LATE_PAYMENT,
    SignalKind.NPS_DETRACTOR,
    SignalKind.TICKET_SPIKE,
}
UPSIDE_KINDS = {SignalKind.EXPANSION, SignalKind.LOCKED_FEATURE}


@dataclass(frozen=True)
class Suggestion:
    category: str
    # Plain sentences a CSM reads on the renewal.
    reasons: list[str]
    # The same facts in a few words, for the leader's review line ("health red (34)").
    highlights: list[str] = field(default_factory=list)


@dataclass
class Facts:
    """What the suggestion reads about one renewal, gathered for many renewals at once."""

    score: int | None
    band: str
    latest_score: int | None = None
    delta_30: int | None = None
    signals: list[HealthSignal] = field(default_factory=list)
    open_checkpoints: list[Checkpoint] = field(default_factory=list)
    cancelled_on: dt.date | None = None
    cancellation_note: str = ""


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _down(category: str, steps: int = 1) -> str:
    return [Forecast.AT_RISK, Forecast.BEST_CASE, Forecast.COMMIT][max(Forecast.rank(category) - steps, 0)]


def is_risk_signal(signal: HealthSignal) -> bool:
    if signal.kind == SignalKind.BAND_CHANGE:
        return (signal.data or {}).get("to") == "red"
    return signal.kind in RISK_KINDS


def suggest(facts: Facts, today: dt.date) -> Suggestion:
    """The rules, on facts already gathered: no queries."""
    reasons: list[str] = []
    highlights: list[str] = []
    if facts.score is None or facts.band not in BAND_FORECAST:
        category: str = Forecast.BEST_CASE
        reasons.append("No health score yet.")
        highlights.append("no health score yet")
    else:
        category = BAND_FORECAST[facts.band]
        reasons.append(f"Health is {facts.band} ({facts.score}).")
        highlights.append(f"health {facts.band} ({facts.score})")

    if facts.delta_30 is not None and facts.delta_30 <= -FALLING_TREND_POINTS and facts.latest_score is not None:
        category = _down(category)
        before = facts.latest_score - facts.delta_30
        reasons.append(f"Health fell {-facts.delta_30} points in 30 days ({before} to {facts.latest_score}).")
        highlights.append(f"health fell {-facts.delta_30} points in 30 days")

    ordered = sorted(facts.signals, key=lambda s: (SEVERITY_RANK.get(s.severity, 9), s.raised_on, s.pk or 0))
    risks = [s for s in ordered if is_risk_signal(s)]
    reasons.extend(_sentence(s.message) for s in risks)
    if any(s.severity == Severity.HIGH for s in risks):
        category = _down(category)
    if len(risks) >= RISK_SIGNALS_FOR_AT_RISK:
        category = Forecast.AT_RISK
    if risks:
        high = sum(1 for s in risks if s.severity == Severity.HIGH)
        phrase = plural(len(risks), "open risk signal")
        highlights.append(phrase + (f" ({high} high)" if high else ""))

    overdue = [c for c in facts.open_checkpoints if c.is_overdue(today)]
    if overdue:
        overdue.sort(key=lambda c: (c.due_on, c.position))
        category = _down(category)
        listed = ", ".join(f"{c.title} (due {day(c.due_on)})" for c in overdue)
        reasons.append(f"{plural(len(overdue), 'checkpoint')} overdue: {listed}.")
        highlights.append(f"{plural(len(overdue), 'checkpoint')} overdue")

    if facts.cancelled_on:
        category = Forecast.AT_RISK
        note = f": {facts.cancellation_note.strip().rstrip('.')}" if facts.cancellation_note.strip() else ""
        reasons.append(f"Customer gave notice on {day(facts.cancelled_on)}{note}.")
        highlights.append(f"customer gave notice on {day(facts.cancelled_on)}")

    # Upside is worth knowing, but a renewal is not safer because the customer might buy more.
    reasons.extend(_sentence(s.message) for s in ordered if s.kind in UPSIDE_KINDS)
    return Suggestion(category=category, reasons=reasons, highlights=highlights)


def forecast_facts(*, tenant: Tenant, renewals: list[Renewal]) -> dict[int, Facts]:
    """Facts for every renewal in five queries, however many renewals. Read from the database, not from
    the instances: a caller's account or contract may be older than what health or a cancellation wrote."""
    renewal_ids = [r.pk for r in renewals]
    rows = Renewal.objects.filter(tenant=tenant, pk__in=renewal_ids).values(
        "pk",
        "account_id",
        "account__health_score",
        "account__health_band",
        "contract__cancelled_on",
        "contract__cancellation_note",
    )
    account_ids = sorted({r.account_id for r in renewals})
    latest = accounts_latest_scores(tenant=tenant, account_ids=account_ids, fields=("day", "score", "delta_30"))
    signals = accounts_open_signals(tenant=tenant, account_ids=account_ids)
    checkpoints: dict[int, list[Checkpoint]] = defaultdict(list)
    for checkpoint in checkpoints_open(tenant=tenant).filter(renewal_id__in=renewal_ids).select_related("task"):
        checkpoints[checkpoint.renewal_id].append(checkpoint)
    facts = {}
    for row in rows:
        score = latest.get(row["account_id"])
        facts[row["pk"]] = Facts(
            score=row["account__health_score"],
            band=row["account__health_band"] or "",
            latest_score=score.score if score else None,
            delta_30=score.delta_30 if score else None,
            signals=signals.get(row["account_id"], []),
            open_checkpoints=checkpoints.get(row["pk"], []),
            cancelled_on=row["contract__cancelled_on"],
            cancellation_note=row["contract__cancellation_note"] or "",
        )
    return facts


def renewal_suggest_forecast(*, renewal: Renewal, today: dt.date) -> Suggestion:
    """What the data says about this renewal today, with its reasons."""
    return suggest(forecast_facts(tenant=renewal.tenant, renewals=[renewal])[renewal.pk], today)
