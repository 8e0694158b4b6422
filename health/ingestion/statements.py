"""Statements of one batch sent to PostgreSQL together, in one round trip.

psycopg2 binds values on the client and sends each `execute` as one simple query, which may hold
several statements: PostgreSQL runs them in order, in the current transaction, each reading as of
its own start, and stops at the first error (which aborts the transaction, as one statement's would).
A batch's writes after its raw events (rollups, account rollups, last-seen times, catalogue) are
each quick; waiting for the database's answer between them cost more than some of them, and on a
busy machine every wait is also a wait to be scheduled again. SQLite runs one statement per call.
"""

from django.db import connection

# SQL with %s placeholders and its values.
Statement = tuple[str, list]


def execute_together(statements: list[Statement]) -> list[tuple]:
    """Run the statements in order; the rows the last one returns (on SQLite too)."""
    if not statements:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statements) > 1:
            # Bound here exactly as psycopg2 binds one statement's values; no values are left to bind.
            sql = b";\n".join(cursor.mogrify(sql, params) for sql, params in statements).decode()
            cursor.execute(sql)
        else:
            for sql, params in statements:
                cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
