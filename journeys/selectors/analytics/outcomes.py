"""Journey analytics, second part: regression reasons, churn and retention by the path taken, charts and CSV.

Outcome groups look at accounts with an onboarding stay in the period: one that moved on from
onboarding in the period, or one still in onboarding at the period's end.

- By onboarding time: "within the expected time" when the account's first onboarding stay to move
  on in the period lasted no more whole days than the segment's upper bound for onboarding
  (`expectations_for`; a stage without an upper bound is always within), "late" when it lasted
  longer, "still onboarding" when none moved on and one is still open.
- By regression: at least one regression of any of the account's tracks in the period, or none.
- By skip: at least one skipped stage in the period, or none.

For each group: accounts, churn rate (accounts whose status is churned over the group's accounts)
and retention rate (the rest). Renewal outcomes are not recorded yet: until they are, "retained"
means "still a customer" (status active), as in the health backtest.
"""

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from accounts.models import AccountStatus
from tenancy.models import Tenant

from ...models import RegressionReason, Stage, TransitionKind
from ...services import expectations_for
from .report import DIMENSIONS, JourneyAnalytics, StageFigures, percent

ON_TIME, LATE, STILL = "on_time", "late", "still_onboarding"
REGRESSED, NOT_REGRESSED = "regressed", "not_regressed"
SKIPPED, NOT_SKIPPED = "skipped", "not_skipped"
GROUPINGS = {"onboarding": "By onboarding time", "regression": "By regression", "skip": "By skipped stages"}
GROUPS = (
    ("onboarding", ON_TIME, "Finished onboarding within the expected time"),
    ("onboarding", LATE, "Finished onboarding late"),
    ("onboarding", STILL, "Still onboarding"),
    ("regression", REGRESSED, "Regressed at least once"),
    ("regression", NOT_REGRESSED, "Never regressed"),
    ("skip", SKIPPED, "Skipped a stage"),
    ("skip", NOT_SKIPPED, "Skipped no stage"),
)


@dataclass
class ReasonCount:
    """Regressions for one reason; "other" lists its texts, grouped (same text, any case)."""

    reason: str
    label: str
    count: int
    share: float
    texts: list[dict]

    @property
    def share_pct(self) -> float | None:
        return percent(self.share)


@dataclass
class OutcomeGroup:
    grouping: str
    key: str
    label: str
    accounts: int
    churned: int
    churn_rate: float | None
    retention_rate: float | None

    @property
    def grouping_label(self) -> str:
        return GROUPINGS[self.grouping]

    @property
    def churn_pct(self) -> float | None:
        return percent(self.churn_rate)

    @property
    def retention_pct(self) -> float | None:
        return percent(self.retention_rate)


def regression_reasons(stays: pd.DataFrame) -> tuple[list[ReasonCount], int]:
    """The reasons of the regressions in the period, the most common first, and how many there were."""
    left = stays[stays.closed & (stays.left_by == TransitionKind.REGRESS)]
    total = len(left)
    if not total:
        return [], 0
    labels = dict(RegressionReason.choices)
    found = []
    for reason, rows in left.groupby("left_reason", sort=False):
        texts: list[dict] = []
        if reason == RegressionReason.OTHER:
            cleaned = rows.left_reason_text.fillna("").str.strip()
            keyed = pd.DataFrame({"key": cleaned.str.lower(), "text": cleaned})
            for _, same in keyed.groupby("key", sort=False):
                texts.append({"text": same.text.iloc[0] or "(no text)", "count": len(same)})
            texts.sort(key=lambda t: (-t["count"], t["text"].lower()))
        found.append(
            ReasonCount(str(reason), labels.get(reason, str(reason)), len(rows), round(len(rows) / total, 4), texts)
        )
    found.sort(key=lambda r: (-r.count, r.label))
    return found, total


def _onboarding_paths(tenant: Tenant, stays: pd.DataFrame) -> dict[int, str]:
    onboarding = stays[stays.stage == Stage.ONBOARDING]
    finished = onboarding[onboarding.moved_on].sort_values(["left_at", "id"])
    first = finished.drop_duplicates("account_id")
    bounds = expectations_for(tenant=tenant)
    paths = {}
    for stay in first.itertuples(index=False):
        _, high = bounds.get((Stage.ONBOARDING, stay.segment), (0, None))
        # Whole days, as a track's status counts them.
        paths[int(stay.account_id)] = ON_TIME if high is None or int(stay.days) <= high else LATE
    for account_id in onboarding[onboarding.still_there].account_id.unique():
        paths.setdefault(int(account_id), STILL)
    return paths


def outcome_groups(
    *, tenant: Tenant, stays: pd.DataFrame, transitions: pd.DataFrame, start: dt.datetime
) -> list[OutcomeGroup]:
    paths = _onboarding_paths(tenant, stays)
    in_period = transitions[transitions["at"] >= pd.Timestamp(start)]
    regressed = set(in_period[in_period.kind == TransitionKind.REGRESS].account_id.astype(int))
    skipped = set(in_period[in_period.kind == TransitionKind.SKIP].account_id.astype(int))
    status = transitions.drop_duplicates("account_id").set_index("account_id")["status"]
    churned = {int(a) for a, s in status.items() if s == AccountStatus.CHURNED}
    members: dict[str, set[int]] = {key: set() for _, key, _ in GROUPS}
    for account_id, path in paths.items():
        members[path].add(account_id)
        members[REGRESSED if account_id in regressed else NOT_REGRESSED].add(account_id)
        members[SKIPPED if account_id in skipped else NOT_SKIPPED].add(account_id)
    groups = []
    for grouping, key, label in GROUPS:
        accounts, lost = len(members[key]), len(members[key] & churned)
        churn = round(lost / accounts, 4) if accounts else None
        retention = round(1 - lost / accounts, 4) if accounts else None
        groups.append(OutcomeGroup(grouping, key, label, accounts, lost, churn, retention))
    return groups


def analytics_chart_data(report: JourneyAnalytics) -> dict:
    """What the page's four charts draw: percentages and days per stage, reason counts, churn by path."""
    return {
        "stages": [s.label for s in report.stages],
        "completion": [percent(s.completion_rate) for s in report.stages],
        "median_days": [s.median_days for s in report.stages],
        "reasons": [r.label for r in report.reasons],
        "reason_counts": [r.count for r in report.reasons],
        "paths": [g.label for g in report.outcomes],
        "churn": [percent(g.churn_rate) for g in report.outcomes],
    }


CSV_HEADER = [
    "section",
    "dimension",
    "value",
    "stage",
    "entered",
    "closed",
    "moved_on",
    "completion_rate",
    "mean_days",
    "median_days",
    "regressed",
    "regression_rate",
    "skipped",
    "skip_rate",
    "still_there",
    "accounts",
    "churned",
    "churn_rate",
    "retention_rate",
]


def _figures_row(section: str, dimension: str, value: str, figures: StageFigures) -> list:
    return [
        section,
        dimension,
        value,
        figures.stage,
        figures.entered,
        figures.closed,
        figures.moved_on,
        figures.completion_rate,
        figures.mean_days,
        figures.median_days,
        figures.regressed,
        figures.regression_rate,
        figures.skipped,
        figures.skip_rate,
        figures.still_there,
        None,
        None,
        None,
        None,
    ]


def analytics_csv_rows(report: JourneyAnalytics) -> list[list]:
    """The header, the stage rows of the whole book, one row per stage x dimension value, the outcome groups.

    Values are raw (rates 0-1, days with decimals); the caller writes each cell through `safe_cell`.
    """
    rows = [CSV_HEADER, _figures_row("stage", "all", "all", report.overall)]
    rows += [_figures_row("stage", "all", "all", figures) for figures in report.stages]
    for dimension in DIMENSIONS:
        for group in report.breakdown(dimension):
            rows.append(_figures_row("breakdown", dimension, group.label, group.total))
            rows += [_figures_row("breakdown", dimension, group.label, figures) for figures in group.stages]
    for group in report.outcomes:
        outcome = [group.accounts, group.churned, group.churn_rate, group.retention_rate]
        rows.append(["outcome", group.grouping, group.label, "", *[None] * 11, *outcome])
    return rows
