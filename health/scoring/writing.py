"""Set-based writes of a recompute batch: snapshots and people's health upserted, accounts' current
score and band updated, each in one statement per chunk.

The ORM's bulk_create(update_conflicts=...) prepares every field of every row in Python, which cost
more than the SQL itself for a nightly run's hundreds of thousands of people. Here the rows go as one
array per column on PostgreSQL (unnest) and as VALUES elsewhere. Every statement names the tenant.
"""

import json
from collections.abc import Sequence

from django.db import connection

from accounts.models import Account

from ..models import ContactHealth, HealthScore
from ..pg_arrays import array_columns
from .rows import query_rows

# SQLite takes at most 32,766 parameters a statement; PostgreSQL's arrays have no such limit.
ROWS_PER_STATEMENT = 2_000


def _chunk() -> int:
    return 50_000 if connection.vendor == "postgresql" else ROWS_PER_STATEMENT


SCORE_COLUMNS = {
    "account_id": "bigint",
    "day": "date",
    "model_id": "bigint",
    "score": "smallint",
    "band": "varchar",
    "measures": "jsonb",
    "delta_7": "smallint",
    "delta_30": "smallint",
    "explanation": "text",
    "computed_at": "timestamptz",
}
CONTACT_COLUMNS = {
    "contact_id": "bigint",
    "account_id": "bigint",
    "day": "date",
    "points": "numeric",
    "score": "smallint",
    "last_seen_on": "date",
    "is_power_user": "boolean",
}


def _source(columns: dict[str, str], rows: Sequence[tuple]) -> tuple[str, list]:
    """Rows to select from: unnest of one array per column on PostgreSQL, VALUES elsewhere."""
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for kind in columns.values())
        return f"unnest({arrays}) AS v({names})", array_columns(rows, list(columns.values()))
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    renamed = ", ".join(f"column{n} AS {name}" for n, name in enumerate(columns, start=1))
    values = ", ".join([placeholders] * len(rows))
    # Column names are this module's constants; every value is a parameter.
    return f"(SELECT {renamed} FROM (VALUES {values})) AS v", [value for row in rows for value in row]  # noqa: S608


def _upsert(table: str, tenant_id: int, columns: dict[str, str], rows: list[tuple], conflict: str) -> None:
    names = ", ".join(columns)
    updates = ", ".join(f"{name} = excluded.{name}" for name in columns)
    step = _chunk()
    for start in range(0, len(rows), step):
        source, params = _source(columns, rows[start : start + step])
        # "WHERE true": SQLite needs it to tell an upsert's ON CONFLICT from a join's ON.
        sql = (
            f"INSERT INTO {table} (tenant_id, {names}) SELECT %s, {names} FROM {source} WHERE true "  # noqa: S608
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [tenant_id, *params])


def health_scores_upsert(*, tenant_id: int, scores: list[HealthScore]) -> None:
    rows = [
        (
            s.account_id,
            s.day,
            s.model_id,
            s.score,
            s.band,
            json.dumps(s.measures),
            s.delta_7,
            s.delta_30,
            s.explanation,
            s.computed_at,
        )
        for s in scores
    ]
    _upsert(HealthScore._meta.db_table, tenant_id, SCORE_COLUMNS, rows, "tenant_id, account_id, day")


def contact_health_upsert(*, tenant_id: int, account_ids: list[int], rows: list[tuple]) -> int:
    """`rows` (the people of these accounts) in the order of CONTACT_COLUMNS, points rounded to
    cents. Only people whose figures differ from what is stored are written; the others keep their
    row and its day. Most people's figures hold from one night to the next (four in five on the
    benchmark's data), and sending all 200,000 a night cost more than computing them. Returns how
    many were written."""
    stored = {
        contact_id: (account_id, float(points), score, last_seen_on, is_power_user)
        for contact_id, account_id, points, score, last_seen_on, is_power_user in query_rows(
            ContactHealth.objects.filter(tenant_id=tenant_id, account_id__in=account_ids).values_list(
                "contact_id", "account_id", "points", "score", "last_seen_on", "is_power_user"
            )
        )
    }
    changed = [row for row in rows if stored.get(row[0]) != (row[1], *row[3:])]
    _upsert(ContactHealth._meta.db_table, tenant_id, CONTACT_COLUMNS, changed, "contact_id")
    return len(changed)


def account_health_update(*, tenant_id: int, scores: list[tuple[int, int | None, str]]) -> None:
    """(account id, score, band) onto the accounts, for the book's fast lists; an account whose score
    and band are what it shows already is left alone (no new row version, no index entries)."""
    table = Account._meta.db_table
    columns = {"id": "bigint", "score": "smallint", "band": "varchar"}
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    step = _chunk()
    for start in range(0, len(scores), step):
        source, params = _source(columns, scores[start : start + step])
        sql = (
            f"UPDATE {table} SET health_score = v.score, health_band = v.band "  # noqa: S608
            f"FROM {source} WHERE {table}.tenant_id = %s AND {table}.id = v.id "
            f"AND ({table}.health_score {differs} v.score OR {table}.health_band {differs} v.band)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, tenant_id])
