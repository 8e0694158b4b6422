"""The PostgreSQL database a benchmark creates for itself, migrates and drops at the end.

Every function takes the benchmark's database URL (postgres://user@host:port/name); creating and
dropping go through the server's `postgres` database.
"""

import psycopg2


def _name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def connect(url: str, name: str | None = None):
    """An autocommit connection to the URL's database, or to `name` on the same server."""
    connection = psycopg2.connect(url.rsplit("/", 1)[0] + "/" + (name or _name(url)))
    connection.autocommit = True
    return connection


def admin(url: str, *statements: str) -> None:
    """Run the statements in the server's `postgres` database."""
    connection = connect(url, "postgres")
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


def create_database(url: str, *, force: bool = False) -> None:
    """Drop the URL's database if a previous run left it (with `force`, even while connections to it
    remain open), then create it empty."""
    name = _name(url)
    drop = f'DROP DATABASE IF EXISTS "{name}"' + (" WITH (FORCE)" if force else "")
    admin(url, drop, f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    """Close Django's connections, then drop the URL's database, whoever is still connected."""
    from django.db import connections

    connections.close_all()
    admin(url, f'DROP DATABASE IF EXISTS "{_name(url)}" WITH (FORCE)')


class QueryCount:
    """Counts the statements run on the connection (the query log keeps only the last 9,000)."""

    def __init__(self, connection):
        self.connection, self.count = connection, 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapper = self.connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)
