"""Retention metrics for leaders: GRR, NRR, logo churn and renewal rate, for any period and grouping.

Definitions (the metrics page says them in the same words):

- **ARR of an account on a day d**: the sum over its contracts in force on d (start_on <= d <= end_on) of the
  contract's ARR at signing plus its amendments effective on or before d. A contract past its end whose
  renewal is still open (no outcome recorded yet) stays in force until the outcome is recorded, for days up to
  today: a renewal being negotiated is not churn yet.
- **Period**: [start, end), the end excluded (Q1 2027 is [2027-01-01, 2027-04-01)). A period still running
  is measured up to today: its ending ARR is today's.
- **Cohort of the period**: the accounts with ARR on its first day. Starting ARR is theirs on that day; new
  logos signed during the period are not counted (they are shown apart).
- For each account of the cohort, its ARR at the end: 0 is **churn** (of its whole starting ARR), below its
  start is **contraction** (the difference), above is **expansion** (the difference).
- **GRR** = (starting - churn - contraction) / starting; **NRR** = (starting - churn - contraction +
  expansion) / starting; None when the starting ARR is 0. **Logo churn rate** = churned accounts / accounts.
- **Renewal rate**: of the renewals due in the period that have an outcome, the share renewed, expanded or
  contracted (not churned).
- Groupings: the whole book, segment, service tier, CSM (account owner) and signup cohort (quarter of the
  account's signing date); the account's current attributes are used (see metrics_groups.py).

ARR is read set-based: two queries (contracts in force, their amendments) however many accounts, and one
more for the accounts' attributes; the days of a trend share the same two queries.
"""

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from core import tenant_time
from tenancy.models import Tenant

from .metrics_arr import ZERO, account_arr_at, account_arr_on, percent, ratio
from .metrics_groups import GROUPINGS, AccountGroups, account_groups, check_grouping
from .metrics_periods import PERIOD_KINDS, Period, last_quarters, period_for
from .metrics_pipeline import PipelineMetrics, StageTotal, pipeline_metrics
from .metrics_renewals import RenewalRateRow, renewal_rates

__all__ = [
    "GROUPINGS",
    "PERIOD_KINDS",
    "Period",
    "PipelineMetrics",
    "RenewalRateRow",
    "RetentionReport",
    "RetentionRow",
    "StageTotal",
    "TrendPoint",
    "account_arr_at",
    "account_arr_on",
    "period_for",
    "pipeline_metrics",
    "renewal_rates",
    "retention",
    "retention_report",
    "retention_trend",
]


# Retention ------------------------------------------------------------------------------------------------------


@dataclass
class RetentionRow:
    """The retention figures of one group of the cohort (or of the whole book)."""

    key: str
    label: str
    accounts: int = 0
    starting_arr: Decimal = ZERO
    churn: Decimal = ZERO
    contraction: Decimal = ZERO
    expansion: Decimal = ZERO
    ending_arr: Decimal = ZERO
    churned_accounts: int = 0
    contracted_accounts: int = 0
    expanded_accounts: int = 0
    grr: Decimal | None = None
    nrr: Decimal | None = None
    logo_churn_rate: Decimal | None = None

    def add(self, start: Decimal, end: Decimal) -> None:
        self.accounts += 1
        self.starting_arr += start
        self.ending_arr += end
        if end <= 0:
            self.churn += start
            self.churned_accounts += 1
        elif end < start:
            self.contraction += start - end
            self.contracted_accounts += 1
        elif end > start:
            self.expansion += end - start
            self.expanded_accounts += 1

    def finish(self) -> "RetentionRow":
        kept = self.starting_arr - self.churn - self.contraction
        self.grr = ratio(kept, self.starting_arr)
        self.nrr = ratio(kept + self.expansion, self.starting_arr)
        self.logo_churn_rate = ratio(self.churned_accounts, self.accounts)
        return self

    @property
    def grr_pct(self) -> Decimal | None:
        return percent(self.grr)

    @property
    def nrr_pct(self) -> Decimal | None:
        return percent(self.nrr)

    @property
    def logo_churn_pct(self) -> Decimal | None:
        return percent(self.logo_churn_rate)


@dataclass
class Cohort:
    """Every account of a period's cohort with its starting and ending ARR, and the new logos apart."""

    period: Period
    measured_on: dt.date
    starting: dict[int, Decimal]
    ending: dict[int, Decimal]
    groups: dict[int, AccountGroups]
    new_accounts: int
    new_arr: Decimal

    def rows(self, group_by: str | None) -> list[RetentionRow]:
        grouping = check_grouping(group_by)
        rows: dict[str, RetentionRow] = {}
        order: dict[str, tuple] = {}
        for account_id, start in self.starting.items():
            group = self.groups[account_id].of(grouping)
            row = rows.setdefault(group.key, RetentionRow(key=group.key, label=group.label))
            order[group.key] = group.order
            row.add(start, self.ending.get(account_id, ZERO))
        if grouping == "tenant" and not rows:
            rows["all"] = RetentionRow(key="all", label="All accounts")
            order["all"] = (0,)
        return [rows[key].finish() for key in sorted(rows, key=lambda key: order[key])]


def retention_cohort(*, tenant: Tenant, start: dt.date, end: dt.date, today: dt.date | None = None) -> Cohort:
    """The cohort of [start, end): three queries (contracts, amendments, the accounts' attributes)."""
    today = today or tenant_time.today(tenant)
    period = Period(start, end)
    measured_on = period.measured_on(today)
    arr = account_arr_at(tenant=tenant, days=[start, measured_on], today=today)
    starting, at_end = arr[start], arr[measured_on]
    new = {account_id: value for account_id, value in at_end.items() if account_id not in starting}
    return Cohort(
        period=period,
        measured_on=measured_on,
        starting=starting,
        ending={account_id: at_end.get(account_id, ZERO) for account_id in starting},
        groups=account_groups(tenant=tenant, account_ids=starting) if starting else {},
        new_accounts=len(new),
        new_arr=sum(new.values(), ZERO),
    )


def retention(
    *, tenant: Tenant, start: dt.date, end: dt.date, group_by: str | None = None, today: dt.date | None = None
) -> list[RetentionRow]:
    """GRR, NRR and logo churn of [start, end) for the whole book (one row) or per group of `group_by`."""
    check_grouping(group_by)
    return retention_cohort(tenant=tenant, start=start, end=end, today=today).rows(group_by)


# The page's report and the trend ---------------------------------------------------------------------------------


@dataclass
class TrendPoint:
    label: str
    start: dt.date
    end: dt.date
    measured_on: dt.date
    is_running: bool
    starting_arr: Decimal
    ending_arr: Decimal
    grr: Decimal | None
    nrr: Decimal | None


def retention_trend(*, tenant: Tenant, today: dt.date | None = None, quarters: int = 8) -> list[TrendPoint]:
    """GRR and NRR of each of the last `quarters` quarters, the current one (to date) last; two queries."""
    today = today or tenant_time.today(tenant)
    periods = last_quarters(today, quarters)
    days = {day for period in periods for day in (period.start, period.measured_on(today))}
    arr = account_arr_at(tenant=tenant, days=days, today=today)
    points = []
    for period in periods:
        starting, at_end = arr[period.start], arr[period.measured_on(today)]
        row = RetentionRow(key=period.label, label=period.label)
        for account_id, start in starting.items():
            row.add(start, at_end.get(account_id, ZERO))
        row.finish()
        running = period.is_running(today)
        points.append(
            TrendPoint(
                label=f"{period.label} (to date)" if running else period.label,
                start=period.start,
                end=period.end,
                measured_on=period.measured_on(today),
                is_running=running,
                starting_arr=row.starting_arr,
                ending_arr=row.ending_arr,
                grr=row.grr,
                nrr=row.nrr,
            )
        )
    return points


@dataclass
class RetentionReport:
    """Everything the metrics page shows for one period."""

    period: Period
    today: dt.date
    measured_on: dt.date
    total: RetentionRow
    groups: dict[str, list[RetentionRow]]
    new_accounts: int
    new_arr: Decimal
    renewals: RenewalRateRow
    renewals_by_cohort: list[RenewalRateRow]
    trend: list[TrendPoint] = field(default_factory=list)

    @property
    def is_running(self) -> bool:
        return self.period.is_running(self.today)

    def chart(self) -> dict:
        """The trend for the chart: percentages as floats (None where a quarter started with no ARR)."""

        def pct(rate):
            return None if rate is None else float(percent(rate))

        return {
            "labels": [point.label for point in self.trend],
            "grr": [pct(point.grr) for point in self.trend],
            "nrr": [pct(point.nrr) for point in self.trend],
        }

    def as_dict(self) -> dict:
        """JSON-ready (money and rates as strings, dates ISO): what the API returns."""

        def clean(value):
            if isinstance(value, Decimal):
                return str(value)
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, dict):
                return {key: clean(item) for key, item in value.items()}
            if isinstance(value, list):
                return [clean(item) for item in value]
            return value

        def renewal_row(row: RenewalRateRow) -> dict:
            return {**asdict(row), "still_open": row.still_open}

        return {
            "period": self.period.as_dict(self.today),
            "total": clean(asdict(self.total)),
            "groups": {name: [clean(asdict(row)) for row in rows] for name, rows in self.groups.items()},
            "new_accounts": self.new_accounts,
            "new_arr": str(self.new_arr),
            "renewals": clean(renewal_row(self.renewals)),
            "renewals_by_cohort": [clean(renewal_row(row)) for row in self.renewals_by_cohort],
            "trend": [clean(asdict(point)) for point in self.trend],
        }


def retention_report(
    *, tenant: Tenant, period: Period, today: dt.date | None = None, trend_quarters: int = 8
) -> RetentionReport:
    """The whole page's figures in a fixed number of queries: cohort 3, renewal rates 1, trend 2."""
    today = today or tenant_time.today(tenant)
    cohort = retention_cohort(tenant=tenant, start=period.start, end=period.end, today=today)
    by_cohort = renewal_rates(tenant=tenant, start=period.start, end=period.end, group_by="cohort")
    renewals = RenewalRateRow(key="all", label="All accounts")
    for row in by_cohort:
        renewals.due, renewals.closed = renewals.due + row.due, renewals.closed + row.closed
        renewals.renewed, renewals.churned = renewals.renewed + row.renewed, renewals.churned + row.churned
    renewals.rate = ratio(renewals.renewed, renewals.closed)
    return RetentionReport(
        period=period,
        today=today,
        measured_on=cohort.measured_on,
        total=cohort.rows(None)[0],
        groups={name: cohort.rows(name) for name in GROUPINGS if name != "tenant"},
        new_accounts=cohort.new_accounts,
        new_arr=cohort.new_arr,
        renewals=renewals,
        renewals_by_cohort=by_cohort,
        trend=retention_trend(tenant=tenant, today=today, quarters=trend_quarters) if trend_quarters else [],
    )
