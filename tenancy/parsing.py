"""Reading ids, texts and times from what a URL, a query string or an API body brings, strictly.

Every page and endpoint reads them here, so a value a client made up gets a clear "no such row" or a
400, never a 500 from Python or PostgreSQL:

- an id is ASCII digits within PostgreSQL's bigint: a superscript "¹" passes str.isdigit() but not
  int(), and a 30-digit number passes int() but no column holds it;
- a text PostgreSQL cannot hold (a NUL character, a lone UTF-16 surrogate) names no row;
- a time's UTC offset lies within ±15:59, the range PostgreSQL (and RFC 3339's real zones) accepts.
"""

import datetime as dt
import re

from django.utils import timezone
from django.utils.dateparse import parse_datetime

MAX_ID = 2**63 - 1  # PostgreSQL's bigint, the type of every id
MAX_OFFSET = dt.timedelta(hours=15, minutes=59)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def parse_id(value) -> int | None:
    """A row id from a URL or a query string, or None when the value cannot name a row."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value <= MAX_ID else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def storable_text(text: str) -> bool:
    """Whether PostgreSQL can hold (and so compare) this text: no NUL character, no lone surrogate."""
    return not _UNSTORABLE.search(text)


class BadTime(ValueError):
    """A time that is not one: the message says what is wrong, for a 400."""


def parse_api_datetime(text: str, *, zone: dt.tzinfo | None = None) -> dt.datetime:
    """An aware time from ISO 8601 / RFC 3339 text; without an offset it is read in `zone` (default: the
    current zone, the tenant's during a request). Raises BadTime saying why."""
    if not isinstance(text, str) or not storable_text(text):
        raise BadTime("Give a date and time such as 2026-12-07T09:00:00+01:00.")
    try:
        parsed = parse_datetime(text.strip())
    except ValueError as error:  # well formed, but no such day or hour, or an offset of a day or more
        raise BadTime(f"{text.strip()!r} is not a real date and time.") from error
    if parsed is None:
        raise BadTime(f"{text.strip()!r} is not a date and time such as 2026-12-07T09:00:00+01:00.")
    if timezone.is_naive(parsed):
        zone = zone or timezone.get_current_timezone()
        try:
            parsed = timezone.make_aware(parsed, zone)
        except (OverflowError, ValueError) as error:
            raise BadTime(f"{text.strip()!r} is out of range.") from error
    offset = parsed.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise BadTime(f"{text.strip()!r}: a UTC offset lies between -15:59 and +15:59.")
    try:
        parsed.astimezone(dt.UTC)
    except OverflowError as error:  # 0001-01-01T00:00+01:00 falls before year 1 in UTC
        raise BadTime(f"{text.strip()!r} is out of range.") from error
    return parsed


def rfc3339(value: dt.datetime) -> str:
    """An aware time as RFC 3339 text, in its own zone where that zone's offset is whole minutes.

    Before standard time (Berlin until 1893, for one) a zone's offset is its local mean time, such as
    +00:53:28, which RFC 3339 cannot write: such a time, and one its zone cannot show (past year 9999),
    is written in UTC, the same instant."""
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)  # stored times are UTC
    offset = value.utcoffset()
    if offset.seconds % 60 or offset.microseconds:
        value = value.astimezone(dt.UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
