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

# What a person's row says; `day` is when it was last computed with a change, not compared.
CONTACT_FIGURES = ("account_id", "points", "score", "last_seen_on", "is_power_user")


def _source(columns: dict[str, str], rows: Sequence[tuple]) -> tuple[str, list]:
    """Rows to select from: unnest of one array per column on PostgreSQL, VALUES elsewhere."""
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for kind in columns.values())
        return f"unnest({arrays}) AS v({names})", [list(column) for column in zip(*rows, strict=True)]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    renamed = ", ".join(f"column{n} AS {name}" for n, name in enumerate(columns, start=1))
    values = ", ".join([placeholders] * len(rows))
    # Column names are this module's constants; every value is a parameter.
    return f"(SELECT {renamed} FROM (VALUES {values})) AS v", [value for row in rows for value in row]  # noqa: S608


def _upsert(
    table: str, tenant_id: int, columns: dict[str, str], rows: list[tuple], conflict: str, compare: tuple[str, ...] = ()
) -> None:
    """With `compare`, a row whose stored values of those columns equal the new ones is left alone."""
    names = ", ".join(columns)
    updates = ", ".join(f"{name} = excluded.{name}" for name in columns)
    if compare:
        # IS DISTINCT FROM (IS NOT on SQLite): NULL-safe, a day last seen going from empty to set counts.
        differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
        updates += " WHERE " + " OR ".join(f"{table}.{name} {differs} excluded.{name}" for name in compare)
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


def contact_health_upsert(*, tenant_id: int, rows: list[tuple]) -> None:
    """`rows` in the order of CONTACT_COLUMNS. A person whose figures are what is stored keeps the row
    (and its day): most people's figures hold from one night to the next, and rewriting 200,000 rows
    a night cost more than computing them."""
    _upsert(ContactHealth._meta.db_table, tenant_id, CONTACT_COLUMNS, rows, "contact_id", compare=CONTACT_FIGURES)


def account_health_update(*, tenant_id: int, scores: list[tuple[int, int | None, str]]) -> None:
    """(account id, score, band) onto the accounts, for the book's fast lists."""
    table = Account._meta.db_table
    columns = {"id": "bigint", "score": "smallint", "band": "varchar"}
    step = _chunk()
    for start in range(0, len(scores), step):
        source, params = _source(columns, scores[start : start + step])
        sql = (
            f"UPDATE {table} SET health_score = v.score, health_band = v.band "  # noqa: S608
            f"FROM {source} WHERE {table}.tenant_id = %s AND {table}.id = v.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, tenant_id])
