"""Columns of values sent to PostgreSQL as one array literal each ('{1,2,NULL}'), for `unnest`.

psycopg2 sends a Python list as ARRAY[...], one SQL expression per value, which it builds value by
value on the client and the server parses one by one: for the 1,100 values of a batch of 100 raw
events that took longer on both sides than the insert itself; for the recompute's 40,000 people,
longer than the upsert. One literal per column is one string to quote and one value to parse.

`rows_source` is the FROM of a set-based write: those arrays unnested on PostgreSQL, VALUES elsewhere.
It lives below every app because health's recompute and accounts' health columns both write this way.
"""

from collections.abc import Sequence

from django.db import connection

# SQLite takes at most 32,766 parameters a statement; PostgreSQL's arrays have no such limit.
ROWS_PER_STATEMENT = 2_000


def _quoted(value) -> str:
    # Inside an array literal's double quotes only the backslash and the double quote are special.
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _bool(value) -> str:
    return "t" if value else "f"


def _iso(value) -> str:
    return value if isinstance(value, str) else value.isoformat()  # with the offset when aware


# str of a number is its exact form (repr for floats; numpy's numbers print the same way); text is quoted.
TEXT_OF = {
    "bigint": str,
    "integer": str,
    "smallint": str,
    "numeric": str,
    "boolean": _bool,
    "date": _iso,
    "timestamptz": _iso,
}


def array_literal(values: Sequence, kind: str) -> str:
    """The values as one PostgreSQL array literal of `kind` (a type name as in `%s::kind[]`)."""
    text = TEXT_OF.get(kind, _quoted)
    if None in values:
        return "{" + ",".join("NULL" if v is None else text(v) for v in values) + "}"
    return "{" + ",".join(map(text, values)) + "}"


def array_columns(rows: Sequence[tuple], kinds: Sequence[str]) -> list[str]:
    """One array literal per column of the rows."""
    return [array_literal(column, kind) for column, kind in zip(zip(*rows, strict=True), kinds, strict=True)]


def rows_per_statement() -> int:
    """How many rows one set-based statement takes on this database."""
    return 50_000 if connection.vendor == "postgresql" else ROWS_PER_STATEMENT


def rows_source(columns: dict[str, str], rows: Sequence[tuple]) -> tuple[str, list]:
    """Rows to select from, as `v` with the columns' names (name -> PostgreSQL type): unnest of one array
    per column on PostgreSQL, VALUES elsewhere. Returns the SQL and its parameters."""
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{kind}[]" for kind in columns.values())
        return f"unnest({arrays}) AS v({names})", array_columns(rows, list(columns.values()))
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    renamed = ", ".join(f"column{n} AS {name}" for n, name in enumerate(columns, start=1))
    values = ", ".join([placeholders] * len(rows))
    # Column names are the callers' constants; every value is a parameter.
    return f"(SELECT {renamed} FROM (VALUES {values})) AS v", [value for row in rows for value in row]  # noqa: S608
