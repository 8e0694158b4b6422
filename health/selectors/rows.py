"""Rows of a values_list queryset as plain tuples, for the reads of a batch that return tens of
thousands of rows."""

from django.core.exceptions import EmptyResultSet
from django.db import connection


def query_rows(queryset) -> list[tuple]:
    """On PostgreSQL straight from the cursor: the driver gives dates, decimals and floats as they
    are, and Django's converters, called for every value, cost as much as the query itself. The
    queryset is built as usual (scoped to the tenant, which its filter names); elsewhere, as usual."""
    if connection.vendor != "postgresql":
        return list(queryset)
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
