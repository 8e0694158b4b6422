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
  account's signing date); the account's current attributes are used (see groups.py).

ARR is read set-based: two queries (contracts in force, their amendments) however many accounts, and one
more for the accounts' attributes; the days of a trend share the same two queries.
"""

from .arr import account_arr_at, account_arr_on
from .groups import GROUPINGS
from .pipeline import PipelineMetrics, StageTotal, pipeline_metrics
from .renewal_rates import RenewalRateRow, renewal_rates
from .retention import RetentionReport, RetentionRow, TrendPoint, retention, retention_report, retention_trend

__all__ = [
    "GROUPINGS",
    "PipelineMetrics",
    "RenewalRateRow",
    "RetentionReport",
    "RetentionRow",
    "StageTotal",
    "TrendPoint",
    "account_arr_at",
    "account_arr_on",
    "pipeline_metrics",
    "renewal_rates",
    "retention",
    "retention_report",
    "retention_trend",
]
