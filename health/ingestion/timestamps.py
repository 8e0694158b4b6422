"""Times as the SDKs send them, and Segment's correction of the client's clock."""

import datetime as dt


class BadTimestamp(ValueError):
    pass


def parse_timestamp(value, *, field: str) -> dt.datetime | None:
    """An aware datetime from ISO-8601 text ('Z' or an offset; no zone means UTC), None when absent."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadTimestamp(f"{field} must be an ISO-8601 string such as 2026-11-23T09:30:00Z, not {value!r}.")
    try:
        # Python 3.11 reads 'Z', offsets, fractions of any length and dates alone.
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise BadTimestamp(f"{field} {value[:40]!r} is not an ISO-8601 time such as 2026-11-23T09:30:00Z.") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError as error:
        raise BadTimestamp(f"{field} {value[:40]!r} is out of range.") from error


def corrected_timestamp(
    *, original: dt.datetime | None, sent_at: dt.datetime | None, received_at: dt.datetime | None, now: dt.datetime
) -> dt.datetime:
    """When the event happened, on our clock.

    Segment's rule: receivedAt - (sentAt - originalTimestamp) removes the client's clock skew,
    since sentAt and originalTimestamp come from the same (possibly wrong) clock. Without
    sentAt the client's timestamp is taken as it is; without any timestamp, the time received.
    `received_at` is None for in-process callers (backfills, the demo): they share our clock,
    so there is no skew to remove and their timestamps are kept.
    """
    if original is None:
        return received_at or now
    if sent_at is None or received_at is None:
        return original
    try:
        return received_at - (sent_at - original)
    except OverflowError:
        return original
