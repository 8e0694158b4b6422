"""The periods the renewal metrics are measured over: [start, end), the end excluded.

Q1 2027 is [2027-01-01, 2027-04-01): its starting ARR is the ARR on 1 January, its ending ARR the ARR on
1 April. A period that is still running (its end is after today) is measured up to today.
"""

import datetime as dt
from dataclasses import dataclass

from accounts.cohorts import quarter_label
from core import text

PERIOD_KINDS = {
    "this_quarter": "This quarter",
    "last_quarter": "Last quarter",
    "last_12_months": "Last 12 months",
    "this_year": "This year",
    "custom": "Custom dates",
}
DEFAULT_PERIOD = "this_quarter"
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # excluded: the first day after the period
    kind: str = "custom"

    @property
    def last_day(self) -> dt.date:
        return self.end - ONE_DAY

    @property
    def label(self) -> str:
        quarter = quarter_label(self.start)
        if self.start == quarter_start(self.start) and self.end == next_quarter(self.start):
            return quarter
        if self.start == dt.date(self.start.year, 1, 1) and self.end == dt.date(self.start.year + 1, 1, 1):
            return str(self.start.year)
        return f"{text.day(self.start)} to {text.day(self.last_day)}"

    @property
    def slug(self) -> str:
        """For file names: 2026-10-01-to-2026-12-31 (both days included)."""
        return f"{self.start:%Y-%m-%d}-to-{self.last_day:%Y-%m-%d}"

    def measured_on(self, today: dt.date) -> dt.date:
        """The day the ending ARR is read: the period's end, or today while the period is running."""
        return min(self.end, today) if self.start <= today else self.end

    def is_running(self, today: dt.date) -> bool:
        return self.start <= today < self.end

    def as_dict(self, today: dt.date) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "last_day": self.last_day.isoformat(),
            "measured_on": self.measured_on(today).isoformat(),
            "is_running": self.is_running(today),
        }


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_quarter(day: dt.date) -> dt.date:
    start = quarter_start(day)
    return dt.date(start.year + 1, 1, 1) if start.month == 10 else dt.date(start.year, start.month + 3, 1)


def previous_quarter(day: dt.date) -> dt.date:
    return quarter_start(quarter_start(day) - ONE_DAY)


def _year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def period_for(kind: str, today: dt.date, *, start: dt.date | None = None, last_day: dt.date | None = None) -> Period:
    """The period of a picker choice, on the tenant's `today`. A custom period takes its first and last day."""
    if kind == "this_quarter":
        return Period(quarter_start(today), next_quarter(today), kind)
    if kind == "last_quarter":
        return Period(previous_quarter(today), quarter_start(today), kind)
    if kind == "last_12_months":
        tomorrow = today + ONE_DAY
        return Period(_year_before(tomorrow), tomorrow, kind)
    if kind == "this_year":
        return Period(dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1), kind)
    if kind == "custom":
        if start is None or last_day is None or last_day < start:
            raise ValueError("A custom period needs a first day on or before its last day.")
        return Period(start, last_day + ONE_DAY, kind)
    raise ValueError(f"Unknown period {kind!r}: one of {', '.join(PERIOD_KINDS)}.")


def last_quarters(today: dt.date, count: int) -> list[Period]:
    """The `count` quarters that end with the current one (oldest first)."""
    starts = [quarter_start(today)]
    while len(starts) < count:
        starts.append(previous_quarter(starts[-1]))
    return [Period(start, next_quarter(start), "quarter") for start in reversed(starts)]
