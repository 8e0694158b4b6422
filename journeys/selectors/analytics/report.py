"""Journey analytics for leaders: how tracks move through the stages, how fast, how often they fall back.

Definitions (the analytics page says them in the same words):

- A *stay* is a track's time in one stage: from the transition that entered the stage (start,
  advance, skip, regress, re-enter) to the track's next transition, or until the end of the
  period if there is none yet. Re-entering the stage it is in closes one stay and opens another.
- The period selects transitions: a stay is *entered* in the period when the transition that
  entered it falls in it, *closed* in the period when the transition that left it does, and
  *still there* when nothing had left it by the period's end.
- Completion rate of a stage: closed stays that moved on (left by an advance or a skip) over
  closed stays (left by any transition: advance, skip, regression, re-entry, end).
- Velocity: mean and median days of the stays that moved on, in days and fractions of days.
- Regression rate: closed stays left by a regression over closed stays.
- Skip rate: stays left by a skip over stays that moved on (advances + skips).
- Breakdowns by the account's segment, service tier, signup cohort (the quarter of `signed_on`,
  else of the day the account was created, in the tenant's time zone: "2026-Q1") and CSM (owner).

Every transition of the tenant that matches the filters is read in one query (`values_list`) and
stays are derived in pandas by sorting each track's transitions by (at, id): no per-track query.
Outcome groups (churn by path) and regression reasons are in outcomes.py.
"""

import datetime as dt
from dataclasses import asdict, dataclass, field

import pandas as pd

from accounts.cohorts import signup_cohort
from accounts.models import Segment
from core import tenant_time
from tenancy.models import Tenant

from ...models import Stage, StageTransition, TransitionKind

DIMENSIONS = {"segment": "Segment", "tier": "Service tier", "cohort": "Signup cohort", "csm": "CSM"}
NO_TIER, NO_OWNER = "No tier", "No owner"
MOVED_ON = (TransitionKind.ADVANCE, TransitionKind.SKIP)
DAY_SECONDS = 86400

COLUMNS = [
    "id",
    "track_id",
    "kind",
    "to_stage",
    "reason",
    "reason_text",
    "at",
    "account_id",
    "segment",
    "tier_id",
    "tier_name",
    "owner_id",
    "owner_name",
    "owner_email",
    "signed_on",
    "created_at",
    "status",
]
LOOKUPS = [
    "id",
    "track_id",
    "kind",
    "to_stage",
    "reason",
    "reason_text",
    "at",
    "track__account_id",
    "track__account__segment",
    "track__account__service_tier_id",
    "track__account__service_tier__name",
    "track__account__owner_id",
    "track__account__owner__full_name",
    "track__account__owner__email",
    "track__account__signed_on",
    "track__account__created_at",
    "track__account__status",
]


@dataclass(frozen=True)
class AnalyticsFilters:
    """Transitions between `date_from` and `date_to` (both included, tenant's days), of accounts that match."""

    date_from: dt.date
    date_to: dt.date
    segment: str = ""
    tier_id: int | None = None
    csm_id: int | None = None

    def window(self, zone) -> tuple[dt.datetime, dt.datetime]:
        start = dt.datetime.combine(self.date_from, dt.time.min, tzinfo=zone)
        return start, dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def analytics_filters(
    *,
    tenant: Tenant,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    segment: str = "",
    tier_id: int | None = None,
    csm_id: int | None = None,
) -> AnalyticsFilters:
    """The filters with their defaults: the last 12 months up to today (the tenant's today)."""
    date_to = date_to or tenant_time.today(tenant)
    if date_from is None:
        try:
            year_ago = date_to.replace(year=date_to.year - 1)
        except ValueError:  # 29 February
            year_ago = date_to.replace(year=date_to.year - 1, day=28)
        date_from = year_ago + dt.timedelta(days=1)
    return AnalyticsFilters(date_from=date_from, date_to=date_to, segment=segment, tier_id=tier_id, csm_id=csm_id)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _days(value) -> float | None:
    return None if pd.isna(value) else round(float(value), 2)


@dataclass
class StageFigures:
    """The figures of a set of stays: one stage, or every stage (`stage` "all")."""

    stage: str
    label: str
    entered: int = 0
    closed: int = 0
    moved_on: int = 0
    advanced: int = 0
    skipped: int = 0
    regressed: int = 0
    still_there: int = 0
    mean_days: float | None = None
    median_days: float | None = None
    completion_rate: float | None = None
    regression_rate: float | None = None
    skip_rate: float | None = None

    @classmethod
    def of(cls, stays: pd.DataFrame, stage: str, label: str) -> "StageFigures":
        closed = stays[stays.closed]
        moved = closed[closed.moved_on]
        figures = cls(
            stage=stage,
            label=label,
            entered=int(stays.entered.sum()),
            closed=len(closed),
            moved_on=len(moved),
            advanced=int((closed.left_by == TransitionKind.ADVANCE).sum()),
            skipped=int((closed.left_by == TransitionKind.SKIP).sum()),
            regressed=int((closed.left_by == TransitionKind.REGRESS).sum()),
            still_there=int(stays.still_there.sum()),
            mean_days=_days(moved.days.mean()) if len(moved) else None,
            median_days=_days(moved.days.median()) if len(moved) else None,
        )
        figures.completion_rate = _rate(figures.moved_on, figures.closed)
        figures.regression_rate = _rate(figures.regressed, figures.closed)
        figures.skip_rate = _rate(figures.skipped, figures.moved_on)
        return figures

    @property
    def completion_pct(self) -> float | None:
        return percent(self.completion_rate)

    @property
    def regression_pct(self) -> float | None:
        return percent(self.regression_rate)

    @property
    def skip_pct(self) -> float | None:
        return percent(self.skip_rate)


@dataclass
class BreakdownGroup:
    """One value of a dimension (a segment, a tier, a cohort, a CSM): its totals and a row per stage."""

    dimension: str
    value: str
    label: str
    total: StageFigures
    stages: list[StageFigures]


@dataclass
class JourneyAnalytics:
    filters: AnalyticsFilters
    has_transitions: bool
    tracks: int = 0
    accounts: int = 0
    overall: StageFigures = field(default_factory=lambda: StageFigures(stage="all", label="All stages"))
    stages: list[StageFigures] = field(default_factory=list)
    breakdowns: list[BreakdownGroup] = field(default_factory=list)
    reasons: list = field(default_factory=list)
    regressions: int = 0
    outcomes: list = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.overall.entered or self.overall.closed or self.overall.still_there)

    def breakdown(self, dimension: str) -> list[BreakdownGroup]:
        return [group for group in self.breakdowns if group.dimension == dimension]

    def as_dict(self) -> dict:
        """JSON-ready: dates as ISO strings; what the API returns."""
        data = asdict(self)
        data["filters"] = {
            "date_from": self.filters.date_from.isoformat(),
            "date_to": self.filters.date_to.isoformat(),
            "segment": self.filters.segment,
            "tier": self.filters.tier_id,
            "csm": self.filters.csm_id,
        }
        return data


def transitions_frame(*, tenant: Tenant, filters: AnalyticsFilters) -> pd.DataFrame:
    """Every transition up to the period's end of the accounts that match, one query, sorted per track."""
    _, end = filters.window(tenant.zone)
    rows = StageTransition.objects.filter(tenant=tenant, at__lt=end)
    if filters.segment:
        rows = rows.filter(track__account__segment=filters.segment)
    if filters.tier_id:
        rows = rows.filter(track__account__service_tier_id=filters.tier_id)
    if filters.csm_id:
        rows = rows.filter(track__account__owner_id=filters.csm_id)
    frame = pd.DataFrame(list(rows.values_list(*LOOKUPS)), columns=COLUMNS)
    if frame.empty:
        return frame
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame.sort_values(["track_id", "at", "id"], kind="stable").reset_index(drop=True)


def stays_frame(transitions: pd.DataFrame, *, start: dt.datetime) -> pd.DataFrame:
    """One row per stay: its stage, when it was entered and left, by what, and where it stands in the period."""
    following = transitions.groupby("track_id", sort=False)
    frame = transitions.assign(
        left_at=following["at"].shift(-1),
        left_by=following["kind"].shift(-1),
        left_reason=following["reason"].shift(-1),
        left_reason_text=following["reason_text"].shift(-1),
    )
    # An end transition closes a stay and opens none: after it the track is in no stage.
    stays = frame[(frame.kind != TransitionKind.END) & (frame.to_stage != "")].rename(
        columns={"to_stage": "stage", "at": "entered_at"}
    )
    start_ts = pd.Timestamp(start)
    stays = stays.assign(
        entered=stays.entered_at >= start_ts,
        closed=stays.left_at.notna() & (stays.left_at >= start_ts),
        still_there=stays.left_at.isna(),
        days=(stays.left_at - stays.entered_at).dt.total_seconds() / DAY_SECONDS,
    )
    stays = stays.assign(moved_on=stays.closed & stays.left_by.isin(list(MOVED_ON)))
    # Stays that ended before the period touch none of its figures.
    return stays[stays.entered | stays.closed | stays.still_there].reset_index(drop=True)


def dimension_labels(transitions: pd.DataFrame, zone) -> pd.DataFrame:
    """Per account: the value and label of each dimension (a few rows: one per account)."""
    accounts = transitions.drop_duplicates("account_id")
    segments = dict(Segment.choices)
    rows = []
    for account in accounts.itertuples(index=False):
        signed_on = None if pd.isna(account.signed_on) else pd.Timestamp(account.signed_on).date()
        cohort = signup_cohort(
            signed_on=signed_on, created_at=pd.Timestamp(account.created_at).to_pydatetime(), zone=zone
        )
        has_tier, has_owner = not pd.isna(account.tier_id), not pd.isna(account.owner_id)
        owner_label = (account.owner_name or account.owner_email) if has_owner else NO_OWNER
        rows.append(
            {
                "account_id": account.account_id,
                "segment_value": account.segment,
                "segment_label": segments.get(account.segment, account.segment),
                "tier_value": str(int(account.tier_id)) if has_tier else "",
                "tier_label": account.tier_name if has_tier else NO_TIER,
                "cohort_value": cohort,
                "cohort_label": cohort,
                "csm_value": str(int(account.owner_id)) if has_owner else "",
                "csm_label": owner_label,
            }
        )
    return pd.DataFrame(rows)


def _stage_rows(stays: pd.DataFrame) -> list[StageFigures]:
    by_stage = dict(tuple(stays.groupby("stage", sort=False)))
    empty = stays.iloc[0:0]
    return [StageFigures.of(by_stage.get(value, empty), value, label) for value, label in Stage.choices]


def _group_order(dimension: str, value: str, label: str) -> tuple:
    if dimension == "segment":
        return (Segment.values.index(value) if value in Segment.values else len(Segment.values), label)
    if dimension == "cohort":
        return (0, value)
    # Tiers and CSMs by name; "No tier" / "No owner" last.
    return (value == "", label.lower())


def breakdowns_of(stays: pd.DataFrame, labels: pd.DataFrame) -> list[BreakdownGroup]:
    stays = stays.merge(labels, on="account_id", how="left")
    groups = []
    for dimension in DIMENSIONS:
        found = []
        for (value, label), rows in stays.groupby([f"{dimension}_value", f"{dimension}_label"], sort=False):
            total = StageFigures.of(rows, "all", "All stages")
            found.append(BreakdownGroup(dimension, str(value), str(label), total, _stage_rows(rows)))
        groups += sorted(found, key=lambda g: _group_order(dimension, g.value, g.label))
    return groups


def journey_analytics(*, tenant: Tenant, filters: AnalyticsFilters) -> JourneyAnalytics:
    """Every figure of the analytics page, its CSV and its API, for the tenant's transitions that match."""
    # The second half imports this module's figures; importing it here keeps the import one-way at load time.
    from .outcomes import outcome_groups, regression_reasons

    transitions = transitions_frame(tenant=tenant, filters=filters)
    if transitions.empty:
        has_any = StageTransition.objects.filter(tenant=tenant).exists()
        return JourneyAnalytics(filters=filters, has_transitions=has_any, stages=_stage_rows(_no_stays()))
    start, _ = filters.window(tenant.zone)
    stays = stays_frame(transitions, start=start)
    if stays.empty:
        return JourneyAnalytics(filters=filters, has_transitions=True, stages=_stage_rows(_no_stays()))
    labels = dimension_labels(transitions, tenant.zone)
    reasons, regressions = regression_reasons(stays)
    return JourneyAnalytics(
        filters=filters,
        has_transitions=True,
        tracks=int(stays.track_id.nunique()),
        accounts=int(stays.account_id.nunique()),
        overall=StageFigures.of(stays, "all", "All stages"),
        stages=_stage_rows(stays),
        breakdowns=breakdowns_of(stays, labels),
        reasons=reasons,
        regressions=regressions,
        outcomes=outcome_groups(tenant=tenant, stays=stays, transitions=transitions, start=start),
    )


def _no_stays() -> pd.DataFrame:
    flags = {name: pd.Series(dtype=bool) for name in ("entered", "closed", "still_there", "moved_on")}
    return pd.DataFrame({"stage": pd.Series(dtype=object), "left_by": pd.Series(dtype=object), **flags})
