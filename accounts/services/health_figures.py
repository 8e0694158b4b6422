"""Health's figures on the account row (health_score, health_band), which the book's lists sort and filter
by without reading health's tables. Health computes them; accounts owns the columns, so it writes them."""

from django.db import connection

from tenancy.pg_arrays import rows_per_statement, rows_source

from ..models import Account


def account_health_update(*, tenant_id: int, scores: list[tuple[int, int | None, str]]) -> None:
    """(account id, score, band) onto the accounts, in one statement per chunk (a nightly run scores the
    whole book); an account whose score and band are what it shows already is left alone (no new row
    version, no index entries)."""
    table = Account._meta.db_table
    columns = {"id": "bigint", "score": "smallint", "band": "varchar"}
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    step = rows_per_statement()
    for start in range(0, len(scores), step):
        source, params = rows_source(columns, scores[start : start + step])
        sql = (
            f"UPDATE {table} SET health_score = v.score, health_band = v.band "  # noqa: S608
            f"FROM {source} WHERE {table}.tenant_id = %s AND {table}.id = v.id "
            f"AND ({table}.health_score {differs} v.score OR {table}.health_band {differs} v.band)"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, tenant_id])
