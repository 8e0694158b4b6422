"""Retention of a period: GRR, NRR and logo churn of its cohort, the trend of the last quarters, and the
metrics page's whole report (the definitions are in renewals.selectors.metrics)."""

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from core import tenant_time
from tenancy.models import Tenant

from ...reporting.periods import Period, last_quarters
from ...reporting.rates import percent, ratio
from .arr import ZERO, account_arr_at
from .groups import GROUPINGS, AccountGroups, account_groups, check_grouping
from .renewal_rates import RenewalRateRow, renewal_rates

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

        def pct(rate: Decimal | None) -> float | None:
            shown = percent(rate)
            return None if shown is None else float(shown)

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
