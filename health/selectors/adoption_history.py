"""The usage rollups of a run of days, read once, for scoring day after day from them (a history backfill).

`account_usage` and `contact_usage` read each day's 90-day window with a GROUP BY; scoring 90 days that way
reads every rollup ninety times. `AdoptionHistory` reads the rollups of the whole run once and gives, for any
day of it, the rows those two queries return (per account and event name, and per person), summed here in
whole cents, so the scores come out the same to the last bit.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np

from tenancy.models import Tenant

from ..models import AccountRollup, EventRollup
from .adoption import WINDOW_DAYS, _since
from .rows import query_rows


@dataclass(frozen=True)
class _Rollups:
    """One rollup table's rows as columns: the group each row adds to, its account, day (ordinal) and sums."""

    group: np.ndarray  # index into `keys`
    keys: list[tuple]  # (account_id, event name) or (account_id, contact_id), sorted
    account: np.ndarray
    day: np.ndarray
    count: np.ndarray
    cents: np.ndarray

    @classmethod
    def of(cls, rows: list[tuple]) -> "_Rollups":
        """From (account_id, key, day, count, points) rows."""
        keys = sorted({(r[0], r[1]) for r in rows})
        position = {key: n for n, key in enumerate(keys)}
        return cls(
            group=np.array([position[(r[0], r[1])] for r in rows], dtype="int64"),
            keys=keys,
            account=np.array([r[0] for r in rows], dtype="int64"),
            day=np.array([r[2].toordinal() for r in rows], dtype="int64"),
            count=np.array([r[3] for r in rows], dtype="int64"),
            cents=np.array([round(float(r[4]) * 100) for r in rows], dtype="int64"),
        )

    def window(self, day: dt.date, ids: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows of these accounts in the window that ends on `day`: their groups (each once, sorted), each
        row's place among those groups, and the rows' mask."""
        rows = (self.day >= _since(day, WINDOW_DAYS).toordinal()) & (self.day <= day.toordinal())
        rows &= np.isin(self.account, ids)
        groups, at = np.unique(self.group[rows], return_inverse=True)
        return groups, at, rows

    def sums(self, at: np.ndarray, size: int, values: np.ndarray, where: np.ndarray | None = None) -> list[int]:
        weights = values if where is None else np.where(where, values, 0)
        return np.bincount(at, weights=weights, minlength=size).round().astype("int64").tolist()


class AdoptionHistory:
    """The account and per-person rollups of these accounts from the first day's window to the last day."""

    def __init__(self, *, tenant: Tenant, first: dt.date, last: dt.date, ids: list[int]) -> None:
        start = _since(first, WINDOW_DAYS)
        self.accounts = _Rollups.of(
            query_rows(
                AccountRollup.objects.filter(tenant=tenant, account_id__in=ids, day__gte=start, day__lte=last)
                .values_list("account_id", "name", "day", "count", "points")
                .order_by()
            )
        )
        self.people = _Rollups.of(
            query_rows(
                EventRollup.objects.filter(
                    tenant=tenant, account_id__in=ids, contact__isnull=False, day__gte=start, day__lte=last
                )
                .values_list("account_id", "contact_id", "day", "count", "points")
                .order_by()
            )
        )

    def account_rows(self, day: dt.date, ids: list[int]) -> list[tuple]:
        """As `account_usage`'s query: account, name, events, first day, rows and counts of the last 30 days,
        count of the last 14, points of the last 7, the 7 before, the last 30 and the days before those."""
        table = self.accounts
        groups, at, rows = table.window(day, ids)
        size, days, count, cents = len(groups), table.day[rows], table.count[rows], table.cents[rows]
        d30, d14, d7 = (_since(day, n).toordinal() for n in (30, 14, 7))
        first = np.full(size, np.iinfo("int64").max, dtype="int64")
        np.minimum.at(first, at, days)
        columns = [
            table.sums(at, size, count),
            [dt.date.fromordinal(d) for d in first.tolist()],
            table.sums(at, size, np.ones(len(days), dtype="int64"), days >= d30),
            table.sums(at, size, count, days >= d30),
            table.sums(at, size, count, days >= d14),
            *(
                [c / 100 for c in table.sums(at, size, cents, where)]
                for where in (days >= d7, (days >= d14) & (days < d7), days >= d30, days < d30)
            ),
        ]
        return [(*table.keys[row[0]], *row[1:]) for row in zip(groups.tolist(), *columns, strict=True)]

    def contact_rows(self, day: dt.date, ids: list[int]) -> list[tuple]:
        """As `contact_usage`'s query: account, person, points over the window and the last day seen."""
        table = self.people
        groups, at, rows = table.window(day, ids)
        last = np.full(len(groups), np.iinfo("int64").min, dtype="int64")
        np.maximum.at(last, at, table.day[rows])
        points = [c / 100 for c in table.sums(at, len(groups), table.cents[rows])]
        return [
            (*table.keys[g], p, dt.date.fromordinal(d))
            for g, p, d in zip(groups.tolist(), points, last.tolist(), strict=True)
        ]
