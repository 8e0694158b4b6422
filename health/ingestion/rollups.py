"""Daily rollups: per account, contact, event name and day in the tenant's zone, a count and its points;
and per account, day and event name, their sum over the account's people (what account measures read).

Ingestion adds to both with one upsert each per batch; `rollups_rebuild` recomputes them from raw
events with the same day and points rules, so both paths agree row for row, and
`account_rollups_rebuild` sums the account rows from the per-person ones (after a deploy, or a
purge of raw events that left only the per-person rollups). Every statement carries the tenant
explicitly: raw SQL bypasses the scoped managers.
"""

import datetime as dt
import zoneinfo
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.utils.dateparse import parse_datetime

from health.models import AccountRollup, EventDefinition, EventRollup, RawEvent
from tenancy.models import Tenant
from tenancy.pg_arrays import array_columns

from .limits import ROWS_PER_STATEMENT
from .parsing import USAGE_TYPES
from .statements import Statement, execute_together

# A rollup key: (account_id, contact_id or None, event name, day in the tenant's zone).
Key = tuple[int, int | None, str, dt.date]

# Names every product sends in one spelling or another; all weigh 1 until an admin says otherwise
# (seed 003: a login is worth 1-2 points, a completed core workflow 7-10).
DEFAULT_POINTS = {"Logged In": Decimal("1.00"), "login": Decimal("1.00")}
ONE = Decimal("1.00")
# The types of the rows to add, column by column (PostgreSQL gets one array of each).
ROW_KINDS = ("bigint", "bigint", "text", "date", "integer", "numeric")
ACCOUNT_ROW_KINDS = ("bigint", "date", "text", "integer", "numeric")
REBUILD_WINDOW_DAYS = 7


# pg_advisory_xact_lock key space of "a tenant's points": this number in the high 32 bits, the tenant id below.
POINTS_LOCK = 0x68656C74


def hold_points(*, tenant: Tenant, exclusive: bool = False) -> None:
    """Until commit, keep the tenant's points from changing (shared: ingestion, any number at once)
    or hold them to change them (exclusive: a change of points and its re-weighting).

    Without it a batch could add rollups at the old points after a change re-weighted them.
    On PostgreSQL a transaction-level advisory lock; SQLite runs one writer at a time anyway.
    """
    execute_together(hold_points_statements(tenant=tenant, exclusive=exclusive))


def hold_points_statements(*, tenant: Tenant, exclusive: bool = False) -> list[Statement]:
    """`hold_points` as statements, to run ahead of others in one round trip (see execute_together);
    it must run in a statement before any that reads the points: each statement reads as of its start."""
    if connection.vendor != "postgresql":
        return []
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    return [(f"SELECT {function}(%s)", [(POINTS_LOCK << 32) | tenant.pk])]


def default_points(name: str) -> Decimal:
    return DEFAULT_POINTS.get(name, ONE)


def day_of(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.date:
    return as_utc(moment).astimezone(zone).date()


def as_utc(value) -> dt.datetime:
    """A timestamp as the database driver returns it (aware, naive UTC or SQLite text), aware in UTC."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def count_keys(events: Iterable[tuple[int | None, int | None, str, dt.datetime]], zone) -> Counter:
    """(account_id, contact_id, name, timestamp) of usage events -> occurrences per rollup key."""
    counts: Counter = Counter()
    for account_id, contact_id, name, timestamp in events:
        if account_id is not None:
            counts[(account_id, contact_id, name, day_of(timestamp, zone))] += 1
    return counts


def _rows_source(rows: list[tuple], kinds: tuple[str, ...]) -> tuple[str, list]:
    """The rows to select from, their columns named as SQLite names a VALUES list's: column1, column2..."""
    names = ", ".join(f"column{n}" for n in range(1, len(kinds) + 1))
    if connection.vendor == "postgresql":
        # One array literal per column: a parameter per column instead of one per value.
        arrays = ", ".join(f"%s::{kind}[]" for kind in kinds)
        return f"unnest({arrays}) AS u({names})", array_columns(rows, kinds)
    placeholders = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
    return "(VALUES " + ", ".join([placeholders] * len(rows)) + ") AS u", [value for row in rows for value in row]


def rollups_add(*, tenant: Tenant, counts: Counter) -> None:
    """Add counts, and count x the catalogue's points, to the rollups and the account rollups
    (the statements of `rollup_statements`, run at once)."""
    execute_together(rollup_statements(tenant=tenant, counts=counts))


def rollup_statements(*, tenant: Tenant, counts: Counter) -> list[Statement]:
    """The upserts that add counts, and count x the catalogue's points, to the rollups: one per ~1,000
    keys, then the same counts summed per account, day and name into the account rollups.

    The points are read in the same statement (a name the catalogue lacks weighs its default);
    ingestion holds the tenant's points (`hold_points`) first, so they cannot change under it.
    """
    if not counts:
        return []
    ops = connection.ops
    table, q = EventRollup._meta.db_table, ops.quote_name
    catalogue = EventDefinition._meta.db_table
    statements: list[Statement] = []
    # Sorted keys: concurrent batches lock the rows they share in one order, so they never deadlock.
    keys = sorted(counts, key=lambda k: (k[0], k[1] or 0, k[2], k[3]))
    for start in range(0, len(keys), ROWS_PER_STATEMENT):
        rows = [
            (account_id, contact_id, name, ops.adapt_datefield_value(day), counts[key], default_points(name))
            for key in keys[start : start + ROWS_PER_STATEMENT]
            for account_id, contact_id, name, day in (key,)
        ]
        source, params = _rows_source(rows, ROW_KINDS)
        sql = (
            f"INSERT INTO {table} (tenant_id, account_id, contact_id, name, day, {q('count')}, points) "  # noqa: S608
            f"SELECT %s, u.column1, u.column2, u.column3, u.column4, u.column5, "
            f"u.column5 * COALESCE(d.points, u.column6) FROM {source} "
            f"LEFT JOIN {catalogue} d ON d.tenant_id = %s AND d.name = u.column3 "
            # WHERE: SQLite's parser needs it between a SELECT and ON CONFLICT; ORDER BY keeps the lock order.
            "WHERE 1 = 1 ORDER BY u.column1, COALESCE(u.column2, 0), u.column3, u.column4 "
            # The unique index's own expression: an empty contact counts as contact 0.
            "ON CONFLICT (tenant_id, account_id, COALESCE(contact_id, 0), name, day) DO UPDATE SET "
            f"{q('count')} = {table}.{q('count')} + excluded.{q('count')}, "
            f"points = {table}.points + excluded.points"
        )
        statements.append((sql, [tenant.pk, *params, tenant.pk]))
    return statements + _account_rollup_statements(tenant, counts)


def _account_rollup_statements(tenant: Tenant, counts: Counter) -> list[Statement]:
    ops = connection.ops
    table, q = AccountRollup._meta.db_table, ops.quote_name
    catalogue = EventDefinition._meta.db_table
    by_account: Counter = Counter()
    for (account_id, _contact_id, name, day), n in counts.items():
        by_account[(account_id, day, name)] += n
    keys = sorted(by_account)  # the same lock order for every batch, as above
    statements: list[Statement] = []
    for start in range(0, len(keys), ROWS_PER_STATEMENT):
        rows = [
            (account_id, ops.adapt_datefield_value(day), name, by_account[key], default_points(name))
            for key in keys[start : start + ROWS_PER_STATEMENT]
            for account_id, day, name in (key,)
        ]
        source, params = _rows_source(rows, ACCOUNT_ROW_KINDS)
        sql = (
            f"INSERT INTO {table} (tenant_id, account_id, day, name, {q('count')}, points) "  # noqa: S608
            f"SELECT %s, u.column1, u.column2, u.column3, u.column4, u.column4 * COALESCE(d.points, u.column5) "
            f"FROM {source} LEFT JOIN {catalogue} d ON d.tenant_id = %s AND d.name = u.column3 "
            "WHERE 1 = 1 ORDER BY u.column1, u.column2, u.column3 "
            "ON CONFLICT (tenant_id, account_id, day, name) DO UPDATE SET "
            f"{q('count')} = {table}.{q('count')} + excluded.{q('count')}, "
            f"points = {table}.points + excluded.points"
        )
        statements.append((sql, [tenant.pk, *params, tenant.pk]))
    return statements


def account_rollups_rebuild(*, tenant: Tenant, since: dt.date | None = None) -> int:
    """The account rollups summed again from the per-person rollups, from `since` on (all days
    without it), in one statement; a backfill for data that predates them. Returns the rows written."""
    table, source, q = AccountRollup._meta.db_table, EventRollup._meta.db_table, connection.ops.quote_name
    after = " AND day >= %s" if since else ""
    extra = [connection.ops.adapt_datefield_value(since)] if since else []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE tenant_id = %s{after}", [tenant.pk, *extra])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {table} (tenant_id, account_id, day, name, {q('count')}, points) "  # noqa: S608
            f"SELECT tenant_id, account_id, day, name, SUM({q('count')}), SUM(points) FROM {source} "
            f"WHERE tenant_id = %s{after} GROUP BY tenant_id, account_id, day, name",
            [tenant.pk, *extra],
        )
        return cursor.rowcount


def rollups_rebuild(*, tenant: Tenant, since: dt.date | None = None) -> int:
    """Recompute the tenant's rollups from raw events, from `since` (a day in the tenant's zone) on.

    Works a week at a time, each in its own transaction: the week's rollups are deleted and
    recounted from the raw events whose local day falls in it. Days before the oldest raw event
    kept are left alone: retention purges raw events, and their rollups are the only history.
    Events ingested for the same days while it runs may be counted twice; run it when those
    days are quiet (backfills and repairs). Returns the number of rollup rows written.
    """
    zone = tenant.zone
    raw = RawEvent.objects.filter(tenant=tenant, account__isnull=False, kind__in=USAGE_TYPES)
    first = raw.order_by("timestamp").values_list("timestamp", flat=True).first()
    last = raw.order_by("-timestamp").values_list("timestamp", flat=True).first()
    if first is None:
        return 0
    start = max(day_of(first, zone), since) if since else day_of(first, zone)
    end = day_of(last, zone)
    written, day = 0, start
    while day <= end:
        stop = min(day + dt.timedelta(days=REBUILD_WINDOW_DAYS - 1), end)
        written += _rebuild_window(tenant, raw, day, stop, zone)
        day = stop + dt.timedelta(days=1)
    return written


def _rebuild_window(tenant: Tenant, raw, first: dt.date, last: dt.date, zone) -> int:
    lower = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    upper = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    with transaction.atomic():
        EventRollup.objects.filter(tenant=tenant, day__range=(first, last)).delete()
        AccountRollup.objects.filter(tenant=tenant, day__range=(first, last)).delete()
        events = (
            raw.filter(timestamp__gte=lower, timestamp__lt=upper)
            .values_list("account_id", "contact_id", "name", "timestamp")
            .iterator(chunk_size=5_000)
        )
        counts = count_keys(events, zone)
        rollups_add(tenant=tenant, counts=counts)
    return len(counts)
