"""The writes of one batch besides its rollups: raw events, the catalogue, and the attribution of earlier events.

Each is one multi-row statement (per ~1,000 rows), in raw SQL because the ORM has no
INSERT ... ON CONFLICT ... RETURNING; both PostgreSQL and SQLite (3.35 and later) run it.
Raw SQL bypasses the scoped managers, so every statement names the tenant itself. Only table and
column names and placeholders are formatted into the SQL (hence the noqa: S608); values are bound.
"""

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import connection

from accounts.models import Contact
from health.models import EventDefinition, RawEvent
from tenancy.models import Tenant
from tenancy.pg_arrays import array_columns

from .identity import Links
from .limits import ROWS_PER_STATEMENT
from .parsing import Call
from .rollups import as_utc, default_points
from .statements import Statement, execute_together

# Stored per call; tenant_id and received_at are the same for the whole batch.
RAW_COLUMNS = {
    "message_id": "text",
    "kind": "text",
    "name": "text",
    "account_id": "bigint",
    "contact_id": "bigint",
    "user_id": "text",
    "anonymous_id": "text",
    "group_id": "text",
    "timestamp": "timestamptz",
    "properties": "jsonb",
    "context": "jsonb",
}
# What an attribution returns of each row it attributes: enough to roll it up.
Attributed = tuple[str, str, dt.datetime, int, int | None]
Seen = dict[str, list]
# How far behind its newest event a contact's last-seen time may stay (see contacts_seen). Its readers
# are coarser: the contact pages and API show it as "n minutes/hours ago", health only asks whether a
# person was ever seen, and inactivity (power user inactive 21+ days) is counted in days from the rollups.
LAST_SEEN_STEP = dt.timedelta(hours=1)


def raw_events_insert(
    *, tenant: Tenant, calls: list[Call], received_at: dt.datetime, before: Sequence[Statement] = ()
) -> set[str]:
    """Store the calls; the message ids actually inserted (a retried message is skipped, race-free:
    the unique index decides, so two requests with the same batch store it once). `before`: statements
    to run first, in the same round trip."""
    ops = connection.ops
    table = RawEvent._meta.db_table
    columns = ", ".join(ops.quote_name(c) for c in ("tenant_id", "received_at", *RAW_COLUMNS))
    received = ops.adapt_datetimefield_value(received_at)
    inserted: set[str] = set()
    # Sorted by message id: two concurrent retries of one batch wait for each other instead of deadlocking.
    ordered = sorted(calls, key=lambda c: c.message_id)
    for start in range(0, len(ordered), ROWS_PER_STATEMENT):
        rows = [
            (
                c.message_id,
                c.kind,
                c.name,
                c.account_id,
                c.contact_id,
                c.user_id,
                c.anonymous_id,
                c.group_id,
                ops.adapt_datetimefield_value(c.timestamp),
                c.properties_json,
                c.context_json,
            )
            for c in ordered[start : start + ROWS_PER_STATEMENT]
        ]
        if connection.vendor == "postgresql":
            # One array per column: PostgreSQL parses and plans 13 parameters instead of 1,300.
            arrays = ", ".join(f"%s::{kind}[]" for kind in RAW_COLUMNS.values())
            source, params = f"SELECT %s, %s, u.* FROM unnest({arrays}) AS u", [tenant.pk, received]  # noqa: S608
            params += array_columns(rows, list(RAW_COLUMNS.values()))
        else:
            row = "(%s, %s, " + ", ".join(["%s"] * len(RAW_COLUMNS)) + ")"
            source, params = "VALUES " + ", ".join([row] * len(rows)), []
            for values in rows:
                params += [tenant.pk, received, *values]
        sql = (
            f"INSERT INTO {table} ({columns}) {source} "
            "ON CONFLICT (tenant_id, message_id) DO NOTHING RETURNING message_id"
        )
        first = list(before) if start == 0 else []
        inserted.update(row[0] for row in execute_together([*first, (sql, params)]))
    return inserted


def catalogue_seen(events: Iterable[tuple[str, dt.datetime]]) -> Seen:
    """name -> [first seen, last seen, volume] of (name, timestamp) pairs."""
    seen: Seen = {}
    for name, timestamp in events:
        entry = seen.get(name)
        if entry is None:
            seen[name] = [timestamp, timestamp, 1]
        else:
            entry[0], entry[1] = min(entry[0], timestamp), max(entry[1], timestamp)
            entry[2] += 1
    return seen


def catalogue_statements(*, tenant: Tenant, seen: Seen) -> list[Statement]:
    """The upserts that count new usage events into the catalogue: name -> [first seen, last seen, volume].
    New names enter with default points; rows are locked in name order, so concurrent batches
    queue instead of deadlocking."""
    statements: list[Statement] = []
    ops = connection.ops
    table = EventDefinition._meta.db_table
    names = sorted(seen)
    for start in range(0, len(names), ROWS_PER_STATEMENT):
        chunk = names[start : start + ROWS_PER_STATEMENT]
        params: list = []
        for name in chunk:
            first, last, volume = seen[name]
            params += [
                tenant.pk,
                name,
                ops.adapt_decimalfield_value(default_points(name), 6, 2),
                False,
                False,
                False,
                False,
                ops.adapt_datetimefield_value(first),
                ops.adapt_datetimefield_value(last),
                volume,
            ]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
        sql = (
            f"INSERT INTO {table} (tenant_id, name, points, is_core, is_advanced, is_locked, is_upgrade_page, "  # noqa: S608
            f"first_seen_at, last_seen_at, volume) VALUES {values} "
            "ON CONFLICT (tenant_id, name) DO UPDATE SET "
            f"volume = {table}.volume + excluded.volume, "
            f"first_seen_at = CASE WHEN excluded.first_seen_at < {table}.first_seen_at "
            f"THEN excluded.first_seen_at ELSE {table}.first_seen_at END, "
            f"last_seen_at = CASE WHEN excluded.last_seen_at > {table}.last_seen_at "
            f"THEN excluded.last_seen_at ELSE {table}.last_seen_at END"
        )
        statements.append((sql, params))
    return statements


def attribute_earlier(*, tenant: Tenant, links: Links) -> list[Attributed]:
    """Give earlier unattributed raw events their account and contact, now that the batch linked them;
    returns the rows changed (kind, name, timestamp, account_id, contact_id), to roll up.

    `account_id IS NULL` in the WHERE makes it race-free: of two requests linking the same
    events, the second finds them attributed and changes (and rolls up) nothing.
    """
    rows: list[Attributed] = []
    if links.by_user:
        rows += _attribute_by(tenant, "user_id", links.by_user, "group_id = ''")
    if links.by_anonymous:
        rows += _attribute_by(tenant, "anonymous_id", links.by_anonymous, "user_id = '' AND group_id = ''")
    if links.by_group:
        rows += _attribute_by_group(tenant, links.by_group)
    return [(kind, name, as_utc(ts), account_id, contact_id) for kind, name, ts, account_id, contact_id in rows]


def _attribute_by(tenant: Tenant, column: str, people: dict, condition: str) -> list:
    table = RawEvent._meta.db_table
    account_case, contact_case, params_a, params_c = [], [], [], []
    for key, (account_id, contact_id) in people.items():
        account_case.append("WHEN %s THEN %s")
        contact_case.append("WHEN %s THEN %s")
        params_a += [key, account_id]
        params_c += [key, contact_id]
    keys = list(people)
    sql = (
        f"UPDATE {table} SET "  # noqa: S608
        f"account_id = CASE {column} {' '.join(account_case)} END, "
        f"contact_id = CASE {column} {' '.join(contact_case)} END "
        # `<> ''` repeats the partial index's condition, so the planner uses it.
        f"WHERE tenant_id = %s AND account_id IS NULL AND {column} <> '' AND {condition} "
        f"AND {column} IN ({', '.join(['%s'] * len(keys))}) "
        f"RETURNING kind, name, {connection.ops.quote_name('timestamp')}, account_id, contact_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params_a, *params_c, tenant.pk, *keys])
        return cursor.fetchall()


def _attribute_by_group(tenant: Tenant, accounts: dict[str, int]) -> list:
    table = RawEvent._meta.db_table
    contact_table = Contact._meta.db_table
    cases, params = [], []
    for group_id, account_id in accounts.items():
        cases.append("WHEN %s THEN %s")
        params += [group_id, account_id]
    keys = list(accounts)
    sql = (
        f"UPDATE {table} SET account_id = CASE group_id {' '.join(cases)} END, "  # noqa: S608
        f"contact_id = (SELECT c.id FROM {contact_table} c WHERE c.tenant_id = %s "
        f"AND c.external_id = {table}.user_id AND {table}.user_id <> '') "
        f"WHERE tenant_id = %s AND account_id IS NULL AND group_id <> '' "
        f"AND group_id IN ({', '.join(['%s'] * len(keys))}) "
        f"RETURNING kind, name, {connection.ops.quote_name('timestamp')}, account_id, contact_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, tenant.pk, tenant.pk, *keys])
        return cursor.fetchall()


def contacts_seen_statements(*, tenant: Tenant, latest: dict[int, dt.datetime]) -> list[Statement]:
    """Move each contact's last-seen time forward to its newest event of the batch, when that is more
    than LAST_SEEN_STEP past the stored time (or none is stored); one statement per ~1,000 people.

    The step is what makes it cheap: an active person's row is written about once per step instead of
    once per batch, and a row the statement does not move is neither written nor locked, so concurrent
    batches of the same people rarely touch the same row. The rows it does move are locked in id
    order, as every batch does, so two batches never deadlock over them; one waits for the other only
    when both move the same person in the same instant. Readers see a time at most one step behind.
    """
    table, column = Contact._meta.db_table, "last_seen_at"
    ops = connection.ops
    ids = sorted(latest)
    statements: list[Statement] = []
    for start in range(0, len(ids), ROWS_PER_STATEMENT):
        chunk = ids[start : start + ROWS_PER_STATEMENT]
        newest = [ops.adapt_datetimefield_value(latest[pk]) for pk in chunk]
        behind = [ops.adapt_datetimefield_value(latest[pk] - LAST_SEEN_STEP) for pk in chunk]
        if connection.vendor == "postgresql":
            sql = (
                f"WITH moved AS (SELECT c.id, u.newest FROM {table} c "  # noqa: S608
                "JOIN unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) AS u(id, newest, behind) "
                f"ON c.id = u.id WHERE c.tenant_id = %s AND (c.{column} IS NULL OR c.{column} < u.behind) "
                "ORDER BY c.id FOR NO KEY UPDATE OF c) "
                # GREATEST: a batch that waited for another one's move keeps the later of the two.
                f"UPDATE {table} c SET {column} = GREATEST(c.{column}, moved.newest) FROM moved WHERE c.id = moved.id"
            )
            kinds = ("bigint", "timestamptz", "timestamptz")
            params = [*array_columns(list(zip(chunk, newest, behind, strict=True)), kinds), tenant.pk]
        else:
            # SQLite has one writer at a time: nothing to order. Its times are text in one format, so they compare.
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            sql = (
                f"UPDATE {table} SET {column} = u.column2 FROM (VALUES {values}) AS u "  # noqa: S608
                f"WHERE {table}.id = u.column1 AND {table}.tenant_id = %s "
                f"AND ({table}.{column} IS NULL OR {table}.{column} < u.column3)"
            )
            params = [value for row in zip(chunk, newest, behind, strict=True) for value in row] + [tenant.pk]
        statements.append((sql, params))
    return statements
