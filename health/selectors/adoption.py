"""Product-usage inputs of the scores: the account's usage from the account rollups (one row per
account, day and event name), and each person's from the per-person rollups (points over the window,
last day seen, power user or not).

Rows come back as tuples (`query_rows`) and go into numpy columns; there are tens of thousands per
batch, and building a dict or a model instance for each cost more than the queries. Points are summed as whole
cents, so a sum over event names equals, to the last bit, the database's exact sum turned into a float.
"""

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Count, FloatField, Max, Min, Q, Sum
from django.db.models.functions import Cast

from accounts.models import Contact
from tenancy.models import Tenant

from ..models import AccountRollup, EventRollup
from .rows import query_rows

if TYPE_CHECKING:
    from .adoption_history import AdoptionHistory

WINDOW_DAYS = 90
POWER_USER_INACTIVE_DAYS = 21


def _since(day: dt.date, days: int) -> dt.date:
    return day - dt.timedelta(days=days - 1)  # the first day of the last `days`


def _cents(values: Sequence) -> np.ndarray:
    return np.array([0 if v is None else round(float(v) * 100) for v in values], dtype="int64")


def account_usage(
    *,
    tenant: Tenant,
    day: dt.date,
    ids: list[int],
    catalogue: dict[str, list[str]],
    metric_names: tuple[str, ...],
    history: "AdoptionHistory | None" = None,
) -> pd.DataFrame:
    """Per account with usage in the window: events, first day, points of the last 7 days and the 7
    before, core points of the last 30 and the 60 before, features used in 30 days, advanced uses,
    locked clicks and upgrade visits (14 days), and each metric's count (30 days)."""
    d30, d14, d7 = _since(day, 30), _since(day, 14), _since(day, 7)
    rows = (
        history.account_rows(day, ids)
        if history is not None
        else query_rows(
            AccountRollup.objects.filter(
                tenant=tenant, account_id__in=ids, day__gte=_since(day, WINDOW_DAYS), day__lte=day
            )
            .values_list("account_id", "name")
            .annotate(
                events=Sum("count"),
                first_day=Min("day"),
                rows_30=Count("id", filter=Q(day__gte=d30)),
                count_30=Sum("count", filter=Q(day__gte=d30)),
                count_14=Sum("count", filter=Q(day__gte=d14)),
                points_7=Sum("points", filter=Q(day__gte=d7)),
                points_prev_7=Sum("points", filter=Q(day__gte=d14, day__lt=d7)),
                points_30=Sum("points", filter=Q(day__gte=d30)),
                points_prior=Sum("points", filter=Q(day__lt=d30)),
            )
            .order_by()
        )
    )
    if not rows:
        return pd.DataFrame(index=pd.Index([], name="account_id"))
    account, name, events, first_day, rows_30, count_30, count_14, *points = zip(*rows, strict=True)
    # Sums per account over its event names with numpy (bincount over the account's position):
    # the same for one account on demand as for 2,000 in a batch, without pandas' cost per operation.
    accounts, at = np.unique(np.array(account, dtype="int64"), return_inverse=True)

    def per_account(values: np.ndarray, where: np.ndarray | None = None) -> np.ndarray:
        weights = values if where is None else np.where(where, values, 0)
        return np.bincount(at, weights=weights, minlength=len(accounts)).round().astype("int64")

    def is_in(group: list[str]) -> np.ndarray:
        wanted = set(group)
        return np.array([n in wanted for n in name], dtype=bool)

    core, advanced, locked, upgrade = (is_in(catalogue[g]) for g in ("core", "advanced", "locked", "upgrade"))
    last_30 = np.array([c or 0 for c in count_30], dtype="int64")
    last_14 = np.array([c or 0 for c in count_14], dtype="int64")
    points_7, points_prev_7, points_30, points_prior = (_cents(values) for values in points)
    earliest: dict[int, dt.date] = {}
    for a, first in zip(account, first_day, strict=True):
        if a not in earliest or first < earliest[a]:
            earliest[a] = first
    columns = {
        "events_90": per_account(np.array(events, dtype="int64")),
        "first_day": [earliest[a] for a in accounts.tolist()],
        # A feature is a name used in 30 days; locked features and the upgrade page are curiosity, not use.
        "features_30": per_account(np.ones(len(name)), (np.array(rows_30) > 0) & ~locked & ~upgrade),
        "advanced_30": per_account(last_30, advanced),
        "locked_14": per_account(last_14, locked),
        "upgrade_14": per_account(last_14, upgrade),
        # Whole cents summed exactly (bincount adds them as floats, exact below 2**53), back to points
        # by one division: correctly rounded, as float(Decimal) of the database's exact sum is.
        "points_7": per_account(points_7) / 100,
        "points_prev_7": per_account(points_prev_7) / 100,
        "core_30": per_account(points_30, core) / 100,
        "core_prior": per_account(points_prior, core) / 100,
    }
    for n, metric in enumerate(metric_names):
        columns[f"metric_{n}"] = per_account(last_30, np.array([m == metric for m in name], dtype=bool))
    return pd.DataFrame(columns, index=pd.Index(accounts, name="account_id"))


def usage_first_day(*, tenant: Tenant) -> dt.date | None:
    """The tenant's first day of product usage (None: none yet)."""
    return AccountRollup.objects.filter(tenant=tenant).aggregate(first=Min("day"))["first"]


def account_used_before(*, tenant: Tenant, day: dt.date, ids: list[int]) -> list[int]:
    """Of these accounts (none with usage in the window), those with usage before it."""
    if not ids:
        return []
    return list(
        AccountRollup.objects.filter(tenant=tenant, account_id__in=ids, day__lt=_since(day, WINDOW_DAYS))
        .values_list("account_id", flat=True)
        .distinct()
    )


def contact_usage(
    *,
    tenant: Tenant,
    day: dt.date,
    ids: list[int],
    share_of: dict[int, float],
    history: "AdoptionHistory | None" = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each active person's weighted points over the window, last day seen, and whether they are a
    power user: the top share of the account's people by points (at least one), plus anyone whose
    role says so. Second, per account, the people with usage in the last 30 days and in the window,
    active or not (what the seat measures count)."""
    # On PostgreSQL the exact sum becomes a float in the database, as float(Decimal) would; SQLite's
    # sums are floats already, and Django rounds them to the field's two places on the way out.
    points = Cast(Sum("points"), FloatField()) if connection.vendor == "postgresql" else Sum("points")
    rows = (
        history.contact_rows(day, ids)
        if history is not None
        else query_rows(
            EventRollup.objects.filter(
                tenant=tenant,
                account_id__in=ids,
                contact__isnull=False,
                day__gte=_since(day, WINDOW_DAYS),
                day__lte=day,
            )
            .values_list("account_id", "contact_id")
            .annotate(points=points, last_day=Max("day"))
            .order_by()
        )
    )
    usage = pd.DataFrame.from_records(rows, columns=["account_id", "contact_id", "points", "last_day"])
    people = pd.DataFrame.from_records(
        query_rows(
            Contact.objects.filter(tenant=tenant, account_id__in=ids, is_active=True).values_list(
                "id", "account_id", "name", "roles", "last_seen_at"
            )
        ),
        columns=["contact_id", "account_id", "name", "roles", "last_seen_at"],
    )
    frame = people.merge(usage.drop(columns=["account_id"]), on="contact_id", how="left")
    frame["points"] = pd.to_numeric(frame["points"], errors="coerce").fillna(0.0).astype("float64")
    frame = frame.sort_values(["account_id", "points"], ascending=[True, False])
    frame["rank"] = frame.groupby("account_id").cumcount()
    active_people = frame[frame["points"] > 0].groupby("account_id")["contact_id"].transform("count")
    shares = frame["account_id"].map(share_of).fillna(0.2).to_numpy(dtype="float64")
    frame["top_n"] = np.maximum(1, np.ceil(active_people.reindex(frame.index).fillna(0).to_numpy() * shares)).astype(
        "int64"
    )
    top_points = frame.groupby("account_id")["points"].transform("max")
    # A person tagged power user counts once the product has seen them at all: someone who never
    # logged in is not "inactive 90 days".
    seen = frame["last_seen_at"].notna() | frame["last_day"].notna()
    by_role = frame["roles"].fillna("").str.contains("power_user") & seen
    frame["is_power_user"] = ((frame["rank"] < frame["top_n"]) & (frame["points"] > 0)) | by_role
    frame["score"] = (100 * frame["points"] / top_points.where(top_points > 0)).fillna(0).round().astype(int)
    # About 90 distinct days: a lookup per day, not a subtraction per person.
    away = {last: (day - last).days for last in usage["last_day"].unique()}
    frame["days_inactive"] = frame["last_day"].map(away).fillna(WINDOW_DAYS).astype("int64")
    return frame, _seat_counts(usage, day)


def _seat_counts(usage: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """People with usage in the last 30 days (active_30) and in the window (seen_90), per account."""
    if usage.empty:
        return pd.DataFrame(columns=["active_30", "seen_90"], index=pd.Index([], name="account_id"))
    recent = usage["last_day"] >= _since(day, 30)
    return pd.DataFrame(
        {"active_30": recent.groupby(usage["account_id"]).sum(), "seen_90": usage.groupby("account_id").size()}
    )


def power_users(raw, details, contacts: pd.DataFrame, ids) -> None:
    raw["power_users"] = float("nan")
    if contacts.empty:
        return
    power = contacts[contacts["is_power_user"] & contacts["account_id"].isin(ids)]
    if power.empty:
        return
    ordered = power.sort_values(["account_id", "days_inactive"], ascending=[True, False])
    worst = ordered.groupby("account_id").first()
    counts = ordered.groupby("account_id").size().to_dict()
    raw.loc[worst.index, "power_users"] = worst["days_inactive"].astype("float64")
    inactive: dict[int, list[dict]] = {}
    for row in ordered[ordered["days_inactive"] >= POWER_USER_INACTIVE_DAYS].itertuples(index=False):
        inactive.setdefault(int(row.account_id), []).append(
            {"contact_id": int(row.contact_id), "name": row.name, "days": int(row.days_inactive)}
        )
    for account_id, row in zip(worst.index, worst.itertuples(index=False), strict=True):
        details[int(account_id)]["power_users"] = {
            "name": row.name,
            "contact_id": int(row.contact_id),
            "days": int(row.days_inactive),
            "count": int(counts[account_id]),
            "inactive": inactive.get(int(account_id), []),
        }
