"""Renewal rate: of the renewals due in a period that have an outcome, the share renewed, expanded or
contracted (not churned), for the whole book or per group. One query."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tenancy.models import Tenant

from ...models import Outcome, Renewal
from ...reporting.rates import percent, ratio
from .groups import RENEWAL_ACCOUNT_FIELDS, check_grouping, groups_from_row

RENEWED_OUTCOMES = (Outcome.RENEWED, Outcome.EXPANDED, Outcome.CONTRACTED)


@dataclass
class RenewalRateRow:
    """The renewals due in the period of one group: how many had an outcome and how many of those renewed."""

    key: str
    label: str
    due: int = 0
    closed: int = 0
    renewed: int = 0
    churned: int = 0
    rate: Decimal | None = None

    @property
    def still_open(self) -> int:
        return self.due - self.closed

    @property
    def rate_pct(self) -> Decimal | None:
        return percent(self.rate)


def renewal_rates(
    *, tenant: Tenant, start: dt.date, end: dt.date, group_by: str | None = "cohort"
) -> list[RenewalRateRow]:
    """Renewal rate of the renewals due in [start, end), per group of `group_by` (None: one row), one query."""
    grouping = check_grouping(group_by)
    renewals = Renewal.objects.filter(tenant=tenant, due_on__gte=start, due_on__lt=end).values(
        "outcome", *RENEWAL_ACCOUNT_FIELDS
    )
    rows: dict[str, RenewalRateRow] = {}
    order: dict[str, tuple] = {}
    for renewal in renewals:
        group = groups_from_row(renewal, tenant.zone, prefix="account__").of(grouping)
        row = rows.setdefault(group.key, RenewalRateRow(key=group.key, label=group.label))
        order[group.key] = group.order
        row.due += 1
        if renewal["outcome"]:
            row.closed += 1
            row.renewed += renewal["outcome"] in RENEWED_OUTCOMES
            row.churned += renewal["outcome"] == Outcome.CHURNED
    if grouping == "tenant" and not rows:
        rows["all"], order["all"] = RenewalRateRow(key="all", label="All accounts"), (0,)
    result = [rows[key] for key in sorted(rows, key=lambda key: order[key])]
    for row in result:
        row.rate = ratio(row.renewed, row.closed)
    return result
