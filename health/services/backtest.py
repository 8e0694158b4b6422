"""Backtest: how well a health model would have told churn from retention, from the rollups as they were.

An account has a known outcome when it churned (status churned with a churn date: the outcome is the
churn, on that date) or is still a customer (active: renewed or not yet up for renewal; the outcome
is "retained", dated today). For each horizon N the account is scored as of N days before its
outcome; for churned accounts the score is also sampled every 7 days over the 90 days before the
churn, to say how early the model would have turned them red.

Inputs do not depend on weights or curves, so they are read once per as-of day (one set of queries
for every account that needs that day) and scored under as many candidate models as asked.
"""

import bisect
import datetime as dt
import hashlib
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.cache import cache

from accounts.models import Account, AccountStatus
from core import tenant_time
from tenancy.models import Tenant

from ..models import Band, HealthModel
from ..scoring.engine import AccountScore, Inputs, score_inputs
from ..selectors.adoption import usage_first_day
from ..selectors.inputs import measure_inputs
from .scores import ModelsInEffect, health_models_in_effect

HORIZONS = (30, 60, 90)
LEAD_WINDOW = 90  # days before a churn in which a red score counts as a warning
LEAD_STEP = 7
LEAD_LAST = 7  # the last sample: a warning in the final week is too late to act on
EARLY_DAYS = 60  # "flagged at least 60 days early"
BANDS = (Band.GREEN, Band.YELLOW, Band.RED)
SHARED_INPUTS_SECONDS = 600
# Where the outcomes came from: decided renewals, or (a tenant without them) the accounts' status.
OUTCOMES_RENEWALS, OUTCOMES_ACCOUNTS = "renewals", "accounts"

# (account id, churned, the day it was decided) of every decided renewal up to `until`, oldest first.
DecidedOutcomes = Callable[..., list[tuple[int, bool, dt.date]]]
# Renewals reads health, so health may not import renewals: renewals registers its reader of decided
# renewals here from its AppConfig.ready(). Without one, the outcomes are the accounts' status.
_decided_outcomes: dict[str, DecidedOutcomes] = {}


def register_decided_outcomes(reader: DecidedOutcomes) -> None:
    """`reader(tenant=..., until=...)` answers the decided renewals the backtest scores against."""
    _decided_outcomes["renewals"] = reader


def _decided(*, tenant: Tenant, until: dt.date) -> list[tuple[int, bool, dt.date]]:
    reader = _decided_outcomes.get("renewals")
    return reader(tenant=tenant, until=until) if reader else []


def auc(positive_scores: Iterable[float], negative_scores: Iterable[float]) -> float | None:
    """Area under the ROC curve: the chance that a random positive scores above a random negative,
    ties counting half (Mann-Whitney U over n_pos * n_neg). None without positives or negatives."""
    positives = list(positive_scores)
    negatives = sorted(negative_scores)
    if not positives or not negatives:
        return None
    wins = 0.0
    for value in positives:
        below = bisect.bisect_left(negatives, value)
        ties = bisect.bisect_right(negatives, value) - below
        wins += below + 0.5 * ties
    return wins / (len(positives) * len(negatives))


@dataclass(frozen=True)
class Outcome:
    """One known outcome: an account can have several (a renewal each year, then a churn)."""

    account_id: int
    segment: str
    churned: bool
    on: dt.date


@dataclass
class BandRow:
    band: str
    accounts: int = 0
    churned: int = 0

    @property
    def label(self) -> str:
        return Band(self.band).label

    @property
    def rate(self) -> float | None:
        return self.churned / self.accounts if self.accounts else None

    @property
    def rate_pct(self) -> float | None:
        return None if self.rate is None else round(100 * self.rate, 1)


@dataclass
class HorizonResult:
    days: int
    scored: int  # accounts with a score N days before their outcome
    churned: int
    retained: int
    bands: list[BandRow]
    auc: float | None
    before_data: int = 0  # outcomes whose day N days before came before the tenant's first product data


@dataclass
class LeadTime:
    churned: int  # churned accounts with a score somewhere in the window
    flagged: int  # of them, red at least once before the churn
    flagged_early: int  # red at least EARLY_DAYS before the churn
    days: list[int] = field(default_factory=list)  # per flagged account: days from the first red to the churn
    early_days: int = EARLY_DAYS

    @property
    def median(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def mean(self) -> float | None:
        return round(statistics.mean(self.days), 1) if self.days else None

    @property
    def sentence(self) -> str:
        if not self.churned:
            return "No churned account had a score in the 90 days before its churn."
        churns = "churn" if self.churned == 1 else "churns"
        return (
            f"This model would have flagged {self.flagged_early} of {self.churned} {churns} "
            f"at least {self.early_days} days early."
        )


@dataclass
class BacktestReport:
    today: dt.date
    churned_accounts: int  # churns with a known date (a renewal lost, or an account ended)
    retained_accounts: int  # renewals won (or, without renewals, active accounts)
    horizons: list[HorizonResult]
    lead_time: LeadTime
    source: str = OUTCOMES_ACCOUNTS
    data_from: dt.date | None = None  # the tenant's first day of product usage: no score before it

    @property
    def from_renewals(self) -> bool:
        return self.source == OUTCOMES_RENEWALS

    @property
    def has_outcomes(self) -> bool:
        return bool(self.churned_accounts or self.retained_accounts)

    def horizon(self, days: int) -> HorizonResult | None:
        return next((h for h in self.horizons if h.days == days), None)


class InputsCache:
    """Inputs per as-of day, read once for every account that needs the day, shared between the
    backtests of one request (the current model and a candidate) and, for a few minutes, between
    requests: an admin previews one set of weights after another, and past days rarely change."""

    def __init__(self, tenant: Tenant):
        self.tenant = tenant
        self._inputs: dict[tuple, Inputs] = {}

    def _shared_key(self, key: tuple) -> str:
        day, share, metrics = key
        # Event names may hold spaces: the settings go into the key as a digest.
        settings = repr((share, metrics)).encode()
        return f"health:backtest-inputs:{self.tenant.pk}:{day.isoformat()}:{hashlib.sha256(settings).hexdigest()[:32]}"

    def prepare(
        self,
        needs: dict[dt.date, set[int]],
        *,
        power_user_share: tuple,
        metric_names: tuple,
        on_day: Callable[[dt.date], None] | None = None,
    ) -> None:
        missing = [(day, power_user_share, metric_names) for day in needs]
        missing = [k for k in missing if k not in self._inputs]
        shared = cache.get_many([self._shared_key(k) for k in missing]) if missing else {}
        for key in missing:
            if (found := shared.get(self._shared_key(key))) is not None:
                self._inputs[key] = found
        fresh = {}
        for day, ids in needs.items():
            key = (day, power_user_share, metric_names)
            cached = self._inputs.get(key)
            if cached is not None and ids <= {int(i) for i in cached.raw.index}:
                if on_day is not None:
                    on_day(day)
                continue
            wanted = ids | ({int(i) for i in cached.raw.index} if cached is not None else set())
            self._inputs[key] = measure_inputs(
                tenant=self.tenant,
                day=day,
                account_ids=sorted(wanted),
                power_user_share=dict(power_user_share),
                metric_names=metric_names,
            )
            fresh[self._shared_key(key)] = self._inputs[key]
            if on_day is not None:
                on_day(day)
        if fresh:
            cache.set_many(fresh, timeout=SHARED_INPUTS_SECONDS)

    def get(self, day: dt.date, *, power_user_share: tuple, metric_names: tuple) -> Inputs:
        return self._inputs[(day, power_user_share, metric_names)]


def outcomes_known(*, tenant: Tenant, today: dt.date, segment: str | None = None) -> tuple[list[Outcome], str]:
    """The outcomes to score against, and where they come from.

    With decided renewals (the reader renewals registers), each one is an outcome: a churn, or a renewal
    (renewed, expanded or contracted: the customer stayed), on the day it was decided. An account churned
    with no churned renewal behind it (ended by hand) still counts as a churn, on its churn date.
    Without any decided renewal (a tenant that keeps no contracts here), the outcomes are the churned
    accounts and, as retained on today, the active ones."""
    accounts = Account.objects.filter(tenant=tenant)
    if segment:
        accounts = accounts.filter(segment=segment)
    rows = {
        pk: (seg or "", status, churned_on)
        for pk, seg, status, churned_on in accounts.values_list("pk", "segment", "status", "churned_on")
    }
    decided = [o for o in _decided(tenant=tenant, until=today) if o[0] in rows]
    churned_by_renewal = {account_id for account_id, churned, _ in decided if churned}
    known = [Outcome(account_id, rows[account_id][0], churned, on) for account_id, churned, on in decided]
    for pk, (seg, status, churned_on) in rows.items():
        if status == AccountStatus.CHURNED and churned_on is not None and churned_on <= today:
            if pk not in churned_by_renewal:
                known.append(Outcome(pk, seg, True, churned_on))
        elif status == AccountStatus.ACTIVE and not decided:
            known.append(Outcome(pk, seg, False, today))
    return known, (OUTCOMES_RENEWALS if decided else OUTCOMES_ACCOUNTS)


def lead_samples(churn: Outcome, *, today: dt.date, horizons: Iterable[int]) -> list[dt.date]:
    """Days to look for the first red before a churn, earliest first: a weekly grid anchored at today
    (shared by every churn, so one read of a day serves them all) inside the 90 days before it but
    not its last week, and the churn's horizon days (read anyway; 60 must be seen to say "at least
    60 days early")."""
    first, last = churn.on - dt.timedelta(days=LEAD_WINDOW), churn.on - dt.timedelta(days=LEAD_LAST)
    back = (today - last).days
    start = today - dt.timedelta(days=-(-back // LEAD_STEP) * LEAD_STEP)  # the grid day on or before `last`
    grid = {start - dt.timedelta(days=LEAD_STEP * k) for k in range(LEAD_WINDOW // LEAD_STEP + 1)}
    days = {d for d in grid if first <= d <= last}
    days |= {churn.on - dt.timedelta(days=n) for n in horizons if LEAD_LAST <= n <= LEAD_WINDOW}
    return sorted(days)


def backtest_run(
    *,
    tenant: Tenant,
    model_for: ModelsInEffect,
    today: dt.date | None = None,
    horizons: tuple[int, ...] = HORIZONS,
    segment: str | None = None,
    cache: InputsCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BacktestReport:
    """Score every account with a known outcome N days before it under `model_for`, per horizon.
    `progress(days_read, days_needed)` hears of each as-of day once its inputs are in."""
    today = today or tenant_time.today(tenant)
    cache = cache or InputsCache(tenant)
    outcomes, source = outcomes_known(tenant=tenant, today=today, segment=segment)
    # An account churns once: its last churn (one that came back and left again is judged on the last).
    last_churn = {o.account_id: o for o in sorted(outcomes, key=lambda o: o.on) if o.churned}
    churned = list(last_churn.values())

    # Read as the recompute reads: each segment's power-user share, every metric any model counts.
    share, metrics = tuple(sorted(model_for.power_user_shares.items())), model_for.metric_names

    horizon_needs: dict[dt.date, set[int]] = defaultdict(set)
    # Before the tenant's first product data there is nothing to score: such a day would score every account
    # on its support and billing alone (or not at all), and an old renewal would look like a lucky guess.
    data_from = usage_first_day(tenant=tenant)

    def scorable(day: dt.date) -> bool:
        return data_from is None or day >= data_from

    for o in outcomes:
        for n in horizons:
            if scorable(o.on - dt.timedelta(days=n)):
                horizon_needs[o.on - dt.timedelta(days=n)].add(o.account_id)
    samples = {
        o.account_id: [d for d in lead_samples(o, today=today, horizons=horizons) if scorable(d)] for o in churned
    }
    lead_needs: dict[dt.date, set[int]] = defaultdict(set)
    for o in churned:
        for day in samples[o.account_id]:
            lead_needs[day].add(o.account_id)
    days_needed, days_read = len(set(horizon_needs) | set(lead_needs)), set()

    def read(day: dt.date) -> None:
        days_read.add(day)
        if progress is not None:
            progress(len(days_read), days_needed)

    cache.prepare(horizon_needs, power_user_share=share, metric_names=metrics, on_day=read)

    scored: dict[dt.date, tuple[Inputs, dict[int, AccountScore]]] = {}

    def score_on(day: dt.date, account_id: int) -> AccountScore | None:
        inputs = cache.get(day, power_user_share=share, metric_names=metrics)
        if day not in scored or scored[day][0] is not inputs:  # read again for more accounts since
            scored[day] = (inputs, score_inputs(inputs, model_for))
        return scored[day][1].get(account_id)

    results = []
    for n in horizons:
        bands: dict[str, BandRow] = {b: BandRow(b) for b in BANDS}
        risk_churned: list[int] = []
        risk_retained: list[int] = []
        before_data = 0
        for o in outcomes:
            if not scorable(o.on - dt.timedelta(days=n)):
                before_data += 1
                continue
            result = score_on(o.on - dt.timedelta(days=n), o.account_id)
            if result is None or result.score is None:
                continue
            row = bands[result.band]
            row.accounts += 1
            row.churned += int(o.churned)
            (risk_churned if o.churned else risk_retained).append(100 - result.score)
        results.append(
            HorizonResult(
                days=n,
                scored=len(risk_churned) + len(risk_retained),
                churned=len(risk_churned),
                retained=len(risk_retained),
                bands=list(bands.values()),
                auc=auc(risk_churned, risk_retained),
                before_data=before_data,
            )
        )

    cache.prepare(lead_needs, power_user_share=share, metric_names=metrics, on_day=read)
    first_red: dict[int, int] = {}
    with_score: set[int] = set()
    for o in churned:
        for day in samples[o.account_id]:
            result = score_on(day, o.account_id)
            if result is None or result.score is None:
                continue
            with_score.add(o.account_id)
            if result.band == Band.RED:
                first_red[o.account_id] = (o.on - day).days
                break
    lead = LeadTime(
        churned=len(with_score),
        flagged=len(first_red),
        flagged_early=sum(1 for n in first_red.values() if n >= EARLY_DAYS),
        days=sorted(first_red.values(), reverse=True),
    )
    return BacktestReport(
        today=today,
        churned_accounts=sum(1 for o in outcomes if o.churned),
        retained_accounts=sum(1 for o in outcomes if not o.churned),
        horizons=results,
        lead_time=lead,
        source=source,
        data_from=data_from,
    )


@dataclass
class Comparison:
    """The current models and a candidate for one segment (blank: all segments), on the same inputs."""

    segment: str
    current: BacktestReport
    candidate: BacktestReport

    def rows(self) -> list[tuple[HorizonResult, HorizonResult]]:
        return list(zip(self.current.horizons, self.candidate.horizons, strict=True))


def backtest_compare(
    *,
    tenant: Tenant,
    segment: str,
    candidate: HealthModel,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Backtest an unsaved model against the models in effect. A segment's candidate is tried on that
    segment's accounts; an all-segments candidate on every account, segments with a model of their
    own keeping it (as they would after a save)."""
    current_for = health_models_in_effect(tenant=tenant)
    if segment:
        candidate_for = ModelsInEffect(
            by_segment={**current_for.by_segment, segment: candidate}, fallback=current_for.fallback
        )
    else:
        candidate_for = ModelsInEffect(by_segment=current_for.by_segment, fallback=candidate)

    cache = InputsCache(tenant)
    accounts_of = segment or None
    return Comparison(
        segment=segment,
        # The first run reads every day's inputs (its progress is the comparison's); the second reuses them.
        current=backtest_run(
            tenant=tenant, model_for=current_for, today=today, segment=accounts_of, cache=cache, progress=progress
        ),
        candidate=backtest_run(tenant=tenant, model_for=candidate_for, today=today, segment=accounts_of, cache=cache),
    )
