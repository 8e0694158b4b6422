"""Set-based writes of a recompute batch: snapshots and people's health upserted, each in one statement
per chunk (accounts' current score and band are accounts' write: accounts.services.account_health_update).

The ORM's bulk_create(update_conflicts=...) prepares every field of every row in Python, which cost
more than the SQL itself for a nightly run's hundreds of thousands of people. Here the rows go as one
array per column on PostgreSQL (unnest) and as VALUES elsewhere. Every statement names the tenant.
"""

import json

from django.db import connection

from tenancy.pg_arrays import rows_per_statement, rows_source

from ..models import ContactHealth, HealthScore
from ..selectors.rows import query_rows

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


def _upsert(table: str, tenant_id: int, columns: dict[str, str], rows: list[tuple], conflict: str) -> None:
    names = ", ".join(columns)
    updates = ", ".join(f"{name} = excluded.{name}" for name in columns)
    step = rows_per_statement()
    for start in range(0, len(rows), step):
        source, params = rows_source(columns, rows[start : start + step])
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
