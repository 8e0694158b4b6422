"""The measures of the health model: what each one reads, how its raw value becomes 0-100 points,
and how a person would say it.

Every measure maps its raw value to points through a curve of (raw, points) breakpoints, linear in
between and flat beyond the ends; an admin edits the curve and the weight per model version.
Defaults follow the seeds: 70%+ active seats is healthy, a power user inactive 21+ days counts hard
against, usage of the last 30 days is compared with the 60 before, 80%+ seat saturation.
"""

import itertools
from dataclasses import dataclass
from enum import StrEnum

from core.text import plural


class Family(StrEnum):
    ADOPTION = "adoption"
    SUPPORT = "support"
    FINANCIAL = "financial"
    RELATIONSHIP = "relationship"
    CUSTOM = "custom"


FAMILY_LABELS = {
    Family.ADOPTION: "Product adoption",
    Family.SUPPORT: "Support",
    Family.FINANCIAL: "Financial",
    Family.RELATIONSHIP: "Relationship",
    Family.CUSTOM: "Custom",
}


@dataclass(frozen=True)
class Measure:
    key: str
    family: Family
    label: str
    weight: float
    curve: tuple[tuple[float, float], ...]
    unit: str  # share | days | ratio | change | count | csat | nps | number
    help: str

    def format(self, raw: float | None) -> str:
        return format_raw(self.unit, raw)


def format_raw(unit: str, raw: float | None) -> str:
    if raw is None:
        return "no data"
    if unit == "share":
        return f"{raw * 100:.0f}%"
    if unit == "change":
        return f"{raw * 100:+.0f}%"
    if unit == "ratio":
        return f"{raw:.2f}x"
    if unit == "days":
        return plural(round(raw), "day")
    if unit == "csat":
        return f"{raw:.1f} of 5"
    if unit in ("count", "nps"):
        return f"{raw:.0f}"
    return f"{raw:g}"


MEASURES: tuple[Measure, ...] = (
    Measure(
        "active_seats",
        Family.ADOPTION,
        "Active seats",
        15,
        ((0.0, 0.0), (0.4, 40.0), (0.7, 100.0)),
        "share",
        "People active in the last 30 days over seats purchased; 70%+ is healthy.",
    ),
    Measure(
        "power_users",
        Family.ADOPTION,
        "Power-user activity",
        15,
        ((0.0, 100.0), (7.0, 100.0), (14.0, 60.0), (21.0, 10.0), (30.0, 0.0)),
        "days",
        "Days the least active power user (top people by weighted points over 90 days) has been away; "
        "21+ days counts hard against.",
    ),
    Measure(
        "core_trend",
        Family.ADOPTION,
        "Core-feature trend",
        10,
        ((0.5, 0.0), (0.8, 50.0), (1.0, 90.0), (1.2, 100.0)),
        "ratio",
        "Points on core features in the last 30 days against the average 30 days of the 60 before.",
    ),
    Measure(
        "seat_saturation",
        Family.ADOPTION,
        "Seat saturation",
        5,
        ((0.2, 0.0), (0.5, 60.0), (0.8, 100.0)),
        "share",
        "People seen in the last 90 days over seats purchased; 80%+ with advanced features is an expansion signal.",
    ),
    Measure(
        "engagement_change",
        Family.ADOPTION,
        "Week-over-week engagement",
        5,
        ((-0.5, 0.0), (-0.2, 50.0), (0.0, 90.0), (0.1, 100.0)),
        "change",
        "Weighted points of the last 7 days against the 7 before.",
    ),
    Measure(
        "feature_breadth",
        Family.ADOPTION,
        "Breadth of features",
        5,
        ((1.0, 10.0), (3.0, 60.0), (6.0, 100.0)),
        "count",
        "Distinct features used in the last 30 days.",
    ),
    Measure(
        "open_tickets",
        Family.SUPPORT,
        "Open tickets",
        8,
        ((0.0, 100.0), (2.0, 70.0), (5.0, 30.0), (8.0, 0.0)),
        "number",
        "Open tickets weighted by priority: P1 4, P2 2, P3 1, P4 0.5.",
    ),
    Measure(
        "csat",
        Family.SUPPORT,
        "CSAT",
        7,
        ((1.0, 0.0), (3.0, 40.0), (4.0, 75.0), (5.0, 100.0)),
        "csat",
        "Mean CSAT of tickets closed in the last 90 days (the 90 before shown as the trend).",
    ),
    Measure(
        "late_payments",
        Family.FINANCIAL,
        "Late payments",
        8,
        ((0.0, 100.0), (7.0, 80.0), (30.0, 30.0), (60.0, 0.0)),
        "days",
        "The most days late of any invoice due in the last 180 days (paid late, or still unpaid).",
    ),
    Measure(
        "downgrades",
        Family.FINANCIAL,
        "Downgrades and seat cuts",
        7,
        ((0.0, 100.0), (1.0, 40.0), (2.0, 0.0)),
        "count",
        "Plan downgrades and seat reductions in the last 90 days.",
    ),
    Measure(
        "executive_touchpoint",
        Family.RELATIONSHIP,
        "Executive touchpoint",
        5,
        ((0.0, 100.0), (90.0, 80.0), (180.0, 30.0), (270.0, 0.0)),
        "days",
        "Days since the last held meeting with an executive present.",
    ),
    Measure(
        "no_shows",
        Family.RELATIONSHIP,
        "Meeting no-shows",
        5,
        ((0.0, 100.0), (0.25, 50.0), (0.5, 0.0)),
        "share",
        "Share of the last 90 days' meetings the customer did not attend.",
    ),
    Measure(
        "nps",
        Family.RELATIONSHIP,
        "Latest NPS",
        5,
        ((0.0, 0.0), (6.0, 30.0), (7.0, 60.0), (9.0, 100.0)),
        "nps",
        "The latest NPS answer from the account in the last 365 days.",
    ),
)
BY_KEY = {m.key: m for m in MEASURES}
TICKET_WEIGHTS = {"p1": 4.0, "p2": 2.0, "p3": 1.0, "p4": 0.5}


def default_measure_settings() -> dict[str, dict]:
    return {m.key: {"weight": m.weight, "curve": [list(p) for p in m.curve]} for m in MEASURES}


def curve_points(curve: list[list[float]] | tuple) -> list[tuple[float, float]]:
    """A curve's breakpoints as sorted pairs of floats, what `points_on_sorted_curve` reads."""
    return sorted((float(x), float(y)) for x, y in curve)


def points_on_curve(curve: list[list[float]] | tuple, raw: float) -> float:
    """Linear between breakpoints, flat beyond the first and the last."""
    return points_on_sorted_curve(curve_points(curve), raw)


def points_on_sorted_curve(points: list[tuple[float, float]], raw: float) -> float:
    if raw <= points[0][0]:
        return points[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if raw <= x1:
            return y0 + (y1 - y0) * (raw - x0) / (x1 - x0) if x1 != x0 else y1
    return points[-1][1]


OPS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def points_by_rules(rules: list[dict], value, default_points: float | None) -> float | None:
    """Scorecard rules: the first rule whose condition holds gives the points."""
    for rule in rules:
        wanted = rule.get("value")
        try:
            if isinstance(wanted, int | float) and not isinstance(value, bool):
                holds = OPS[rule["op"]](float(value), float(wanted))
            else:
                holds = OPS[rule["op"]](str(value).strip().lower(), str(wanted).strip().lower())
        except (TypeError, ValueError):
            continue
        if holds:
            return float(rule["points"])
    return None if default_points is None else float(default_points)
