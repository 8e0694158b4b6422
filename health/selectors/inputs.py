"""The raw values behind every measure, for a set of accounts as of one day, read with a few
set-based queries (GROUP BY over the daily rollups and the signal tables), never per account.

The result does not depend on weights or curves, so the backtest and the model editor can score
the same inputs under another model without reading anything again.
"""

import datetime as dt

import pandas as pd
from django.db.models import Avg, Count, Max, Q, Sum

from accounts.models import Account
from core import tenant_time, text
from tenancy.models import Tenant

from ..models import (
    EventDefinition,
    Invoice,
    Meeting,
    MeetingKind,
    MeetingStatus,
    NpsResponse,
    SubscriptionChange,
    SubscriptionChangeKind,
    SupportTicket,
    TicketStatus,
)
from ..scoring.engine import Inputs
from ..scoring.measures import MEASURES, TICKET_WEIGHTS
from .adoption import WINDOW_DAYS, account_usage, account_used_before, contact_usage, power_users
from .adoption_history import AdoptionHistory

__all__ = ["WINDOW_DAYS", "Inputs", "day_end", "measure_inputs", "ticket_open_at"]


# What a measure counts, in one place for the scores and for the pages that show the rows behind them.
EXECUTIVE_MEETING = Q(status=MeetingStatus.HELD) & (Q(executive_present=True) | Q(kind=MeetingKind.EXECUTIVE))


def ticket_open_at(end: dt.datetime) -> Q:
    """Tickets still open at `end`: open or pending now, or closed only after it."""
    return Q(opened_at__lt=end) & (
        Q(status__in=[TicketStatus.OPEN, TicketStatus.PENDING], closed_at__isnull=True) | Q(closed_at__gte=end)
    )


def day_end(tenant: Tenant, day: dt.date) -> dt.datetime:
    return tenant_time.at(tenant, day + dt.timedelta(days=1))


def _catalogue(tenant: Tenant) -> dict[str, list[str]]:
    rows = EventDefinition.objects.filter(tenant=tenant).values_list(
        "name", "is_core", "is_advanced", "is_locked", "is_upgrade_page"
    )
    groups: dict[str, list[str]] = {"core": [], "advanced": [], "locked": [], "upgrade": []}
    for name, core, advanced, locked, upgrade in rows:
        for key, flag in (("core", core), ("advanced", advanced), ("locked", locked), ("upgrade", upgrade)):
            if flag:
                groups[key].append(name)
    return groups


def _frame(rows, index: str = "account_id") -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(rows))
    return frame.set_index(index) if not frame.empty else pd.DataFrame(index=pd.Index([], name=index))


def _col(frame: pd.DataFrame, name: str, ids) -> pd.Series:
    if name not in frame.columns:
        return pd.Series(float("nan"), index=ids, dtype="float64")
    return pd.to_numeric(frame[name], errors="coerce").astype("float64").reindex(ids)


def measure_inputs(
    *,
    tenant: Tenant,
    day: dt.date,
    account_ids: list[int],
    power_user_share: float | dict[str, float] = 0.2,
    metric_names: tuple[str, ...] = (),
    history: AdoptionHistory | None = None,
) -> Inputs:
    """`history`: the usage rollups of a run of days read once (a backfill), instead of the window's queries."""
    ids = pd.Index(sorted(set(account_ids)), name="account_id")
    accounts = _frame(
        Account.objects.filter(tenant=tenant, pk__in=list(ids)).values(
            "id",
            "name",
            "segment",
            "seats_purchased",
            "arr",
            "acv",
            "industry",
            "region",
            "is_strategic",
            "custom_fields",
            "status",
        ),
        index="id",
    )
    accounts.index.name = "account_id"
    accounts = accounts.reindex(ids)
    catalogue = _catalogue(tenant)
    raw = pd.DataFrame(index=ids)
    details: dict[int, dict[str, dict]] = {int(i): {} for i in ids}
    facts: dict[int, dict] = {int(i): {} for i in ids}

    usage = account_usage(
        tenant=tenant, day=day, ids=list(ids), catalogue=catalogue, metric_names=metric_names, history=history
    )
    # A share per segment (its model's), "" for the all-segments model; or one share for everyone.
    shares = power_user_share if isinstance(power_user_share, dict) else {"": power_user_share}
    segments = accounts["segment"].to_dict() if "segment" in accounts.columns else {}
    share_of = {int(a): shares.get(segments.get(a, ""), shares.get("", 0.2)) for a in ids}
    contacts, seat_use = contact_usage(tenant=tenant, day=day, ids=list(ids), share_of=share_of, history=history)
    seats = pd.to_numeric(accounts.get("seats_purchased"), errors="coerce").astype("float64").where(lambda s: s > 0)
    has_usage = _col(usage, "events_90", ids).fillna(0) > 0
    # Usage before the window and none in it: the account stopped using the product. That is
    # zero adoption, not missing data (left out, the rest of the model would score it healthy).
    stopped = account_used_before(tenant=tenant, day=day, ids=[int(i) for i in ids[~has_usage.to_numpy()]])
    has_usage = has_usage | pd.Series(ids.isin(stopped), index=ids)

    active_30 = _col(seat_use, "active_30", ids).fillna(0)
    seen_90 = _col(seat_use, "seen_90", ids).fillna(0)
    raw["active_seats"] = (active_30 / seats).where(has_usage).clip(upper=1.5)
    raw["seat_saturation"] = (seen_90 / seats).where(has_usage).clip(upper=1.5)

    # Trend: the last 30 days against the average 30 days of the 60 before, over the days the
    # account has data for (a new account compares with what it has; under 14 days is no data).
    first_day = usage["first_day"].reindex(ids) if "first_day" in usage.columns else pd.Series(None, index=ids)
    prior_days = first_day.map(
        lambda f: (
            ((day - dt.timedelta(days=30)) - max(f, day - dt.timedelta(days=WINDOW_DAYS - 1))).days + 1
            if isinstance(f, dt.date)
            else 0
        )
    )
    core_30 = _col(usage, "core_30", ids).fillna(0)
    core_prior = _col(usage, "core_prior", ids).fillna(0)
    baseline = (core_prior / prior_days.clip(lower=1) * 30).where(prior_days >= 14)
    raw["core_trend"] = (core_30 / baseline).where(baseline > 0).clip(upper=3.0)
    points_7, points_prev_7 = _col(usage, "points_7", ids).fillna(0), _col(usage, "points_prev_7", ids).fillna(0)
    raw["engagement_change"] = ((points_7 - points_prev_7) / points_prev_7).where(points_prev_7 > 0).clip(upper=2.0)
    raw["feature_breadth"] = _col(usage, "features_30", ids).fillna(0).where(has_usage)

    power_users(raw, details, contacts, ids)
    _support(tenant, day, raw, details, facts, ids)
    _financial(tenant, day, raw, details, facts, ids)
    _relationship(tenant, day, raw, details, facts, ids)

    # Plain dicts for the per-account facts: row-wise pandas access costs more than the queries.
    seat_count = seats.to_dict()
    columns = {name: _col(usage, name, ids).fillna(0).to_dict() for name in ("advanced_30", "locked_14", "upgrade_14")}
    metric_columns = [_col(usage, f"metric_{n}", ids).fillna(0).to_dict() for n in range(len(metric_names))]
    active, seen, core, base = active_30.to_dict(), seen_90.to_dict(), core_30.to_dict(), baseline.to_dict()
    last_7, prev_7 = points_7.to_dict(), points_prev_7.to_dict()
    for account_id in ids:
        key = int(account_id)
        seat = seat_count.get(account_id)
        seat = None if seat is None or pd.isna(seat) else int(seat)
        details[key]["active_seats"] = {"active": int(active[account_id]), "seats": seat}
        details[key]["seat_saturation"] = {"seen": int(seen[account_id]), "seats": seat}
        trend_base = base.get(account_id)
        details[key]["core_trend"] = {
            "last_30": float(core[account_id]),
            "baseline_30": None if trend_base is None or pd.isna(trend_base) else round(float(trend_base), 2),
        }
        details[key]["engagement_change"] = {"last_7": float(last_7[account_id]), "prev_7": float(prev_7[account_id])}
        facts[key].update({name: int(values[account_id]) for name, values in columns.items()})
        for name, values in zip(metric_names, metric_columns, strict=True):
            facts[key][f"metric:{name}"] = float(values[account_id])
    for measure in MEASURES:
        if measure.key not in raw.columns:
            raw[measure.key] = float("nan")
    return Inputs(tenant=tenant, day=day, accounts=accounts, raw=raw, details=details, contacts=contacts, facts=facts)


def _support(tenant, day, raw, details, facts, ids) -> None:
    end = day_end(tenant, day)
    open_now = ticket_open_at(end)
    closed_90 = Q(closed_at__lt=end, closed_at__gte=end - dt.timedelta(days=90), csat__isnull=False)
    closed_prior = Q(
        closed_at__lt=end - dt.timedelta(days=90), closed_at__gte=end - dt.timedelta(days=180), csat__isnull=False
    )
    week = Q(opened_at__lt=end, opened_at__gte=end - dt.timedelta(days=7))
    prior = Q(opened_at__lt=end - dt.timedelta(days=7), opened_at__gte=end - dt.timedelta(days=97))
    rows = (
        SupportTicket.objects.filter(tenant=tenant, account_id__in=list(ids), opened_at__lt=end)
        .values("account_id")
        .annotate(
            # Support data is a ticket in the last year: one from long ago says little today.
            tickets=Count("id", filter=Q(opened_at__gte=end - dt.timedelta(days=365)) | open_now),
            **{f"open_{p}": Count("id", filter=open_now & Q(priority=p)) for p in TICKET_WEIGHTS},
            csat_90=Avg("csat", filter=closed_90),
            csat_prior=Avg("csat", filter=closed_prior),
            week=Count("id", filter=week),
            week_p1=Count("id", filter=week & Q(priority="p1")),
            prior=Count("id", filter=prior),
        )
    )
    frame = _frame(rows)
    has = _col(frame, "tickets", ids).fillna(0) > 0
    weighted = sum(_col(frame, f"open_{p}", ids).fillna(0) * w for p, w in TICKET_WEIGHTS.items())
    raw["open_tickets"] = weighted.where(has)
    raw["csat"] = _col(frame, "csat_90", ids)
    for account_id, row in frame.to_dict(orient="index").items():
        key = int(account_id)
        details[key]["open_tickets"] = {p: int(row[f"open_{p}"]) for p in TICKET_WEIGHTS}
        prior = row["csat_prior"]
        details[key]["csat"] = {"prior": None if prior is None or pd.isna(prior) else round(float(prior), 2)}
        facts[key].update(
            tickets_week=int(row["week"]),
            tickets_week_p1=int(row["week_p1"]),
            tickets_prior_weekly=round(float(row["prior"]) / 90 * 7, 2),
        )


def _financial(tenant, day, raw, details, facts, ids) -> None:
    invoices = pd.DataFrame.from_records(
        list(
            Invoice.objects.filter(
                tenant=tenant, account_id__in=list(ids), issued_on__lte=day, due_on__gte=day - dt.timedelta(days=179)
            )
            .order_by("id")
            .values("id", "account_id", "number", "amount", "amount_paid", "due_on", "paid_on")
        ),
        columns=["id", "account_id", "number", "amount", "amount_paid", "due_on", "paid_on"],
    )
    if not invoices.empty:
        paid_by_then = invoices["paid_on"].map(lambda p: isinstance(p, dt.date) and p <= day)
        ends = [p if paid else day for p, paid in zip(invoices["paid_on"], paid_by_then, strict=True)]
        invoices["days_late"] = [max((e - due).days, 0) for e, due in zip(ends, invoices["due_on"], strict=True)]
        invoices["unpaid_late"] = (~paid_by_then) & (invoices["days_late"] > 0)
        # Stable sorts over invoices in id order: of invoices as late as each other, the first recorded
        # is named, whatever order the database returned them in.
        worst = invoices.sort_values("days_late", ascending=False, kind="stable").groupby("account_id").first()
        raw["late_payments"] = worst["days_late"].astype("float64").reindex(ids)
        # Rows as dicts: iterrows builds a Series per account, which cost more than the query.
        for account_id, row in worst.to_dict(orient="index").items():
            details[int(account_id)]["late_payments"] = {
                "number": row["number"] or f"due {text.day(row['due_on'])}",
                "days": int(row["days_late"]),
                "unpaid": bool(row["unpaid_late"]),
            }
        unpaid = invoices[invoices["unpaid_late"]].sort_values("days_late", ascending=False, kind="stable")
        for row in unpaid.itertuples():
            facts[int(row.account_id)].setdefault(
                "late_invoice",
                {
                    "id": int(row.id),
                    "number": row.number,
                    "days": int(row.days_late),
                    "amount": str(row.amount - row.amount_paid),
                },
            )
    else:
        raw["late_payments"] = float("nan")
    cuts = _frame(
        SubscriptionChange.objects.filter(
            tenant=tenant,
            account_id__in=list(ids),
            kind__in=[SubscriptionChangeKind.DOWNGRADE, SubscriptionChangeKind.SEATS_REMOVED],
            effective_on__gt=day - dt.timedelta(days=90),
            effective_on__lte=day,
        )
        .values("account_id")
        .annotate(cuts=Count("id"), seats_before=Sum("seats_before"), seats_after=Sum("seats_after"))
    )
    count = _col(cuts, "cuts", ids)
    # Financial data exists when the account is billed here; no cut in the window is then a fact.
    raw["downgrades"] = count.fillna(0).where(raw["late_payments"].notna() | count.notna())
    for account_id in cuts.index:
        before, after = cuts.loc[account_id, "seats_before"], cuts.loc[account_id, "seats_after"]
        removed = int(before - after) if pd.notna(before) and pd.notna(after) else None
        details[int(account_id)]["downgrades"] = {"seats_removed": removed}


def _relationship(tenant, day, raw, details, facts, ids) -> None:
    end = day_end(tenant, day)
    last_90 = Q(scheduled_at__gte=end - dt.timedelta(days=90))
    meetings = _frame(
        Meeting.objects.filter(tenant=tenant, account_id__in=list(ids), scheduled_at__lt=end)
        .values("account_id")
        .annotate(
            meetings=Count("id"),
            last_exec=Max("scheduled_at", filter=EXECUTIVE_MEETING),
            attended=Count("id", filter=last_90 & Q(status=MeetingStatus.HELD)),
            no_shows=Count("id", filter=last_90 & Q(status=MeetingStatus.NO_SHOW)),
        )
    )
    has = _col(meetings, "meetings", ids).fillna(0) > 0
    last_exec = meetings["last_exec"].reindex(ids) if "last_exec" in meetings.columns else pd.Series(None, index=ids)
    days_since = last_exec.map(lambda t: float((day - tenant_time.day_of(tenant, t)).days) if pd.notna(t) else 365.0)
    raw["executive_touchpoint"] = days_since.where(has).clip(upper=365.0)
    attended, no_shows = _col(meetings, "attended", ids).fillna(0), _col(meetings, "no_shows", ids).fillna(0)
    raw["no_shows"] = (no_shows / (attended + no_shows)).where(attended + no_shows > 0)
    missed, held = no_shows.to_dict(), attended.to_dict()
    for account_id in meetings.index:
        details[int(account_id)]["no_shows"] = {
            "no_shows": int(missed[account_id]),
            "meetings": int(held[account_id] + missed[account_id]),
        }
    answers = pd.DataFrame.from_records(
        list(
            NpsResponse.objects.filter(
                tenant=tenant,
                account_id__in=list(ids),
                responded_on__lte=day,
                responded_on__gt=day - dt.timedelta(days=365),
            )
            .order_by("account_id", "-responded_on", "-id")
            .values("id", "account_id", "contact_id", "contact__name", "score", "responded_on")
        ),
        columns=["id", "account_id", "contact_id", "contact__name", "score", "responded_on"],
    )
    raw["nps"] = float("nan")
    if not answers.empty:
        latest = answers.groupby("account_id").first()
        raw["nps"] = latest["score"].astype("float64").reindex(ids)
        for account_id, row in latest.to_dict(orient="index").items():
            who = row["contact__name"] if isinstance(row["contact__name"], str) else None
            answer = {
                "id": int(row["id"]),
                "score": int(row["score"]),
                "name": who,
                "on": row["responded_on"].isoformat(),
            }
            details[int(account_id)]["nps"] = answer
            facts[int(account_id)]["nps"] = answer
