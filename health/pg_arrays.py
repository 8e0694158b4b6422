"""Columns of values sent to PostgreSQL as one array literal each ('{1,2,NULL}'), for `unnest`.

psycopg2 sends a Python list as ARRAY[...], one SQL expression per value, which it builds value by
value on the client and the server parses one by one: for the 1,100 values of a batch of 100 raw
events that took longer on both sides than the insert itself; for the recompute's 40,000 people,
longer than the upsert. One literal per column is one string to quote and one value to parse.
"""

from collections.abc import Sequence


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
