"""From a request body to checked, normalised calls.

A request that cannot be read (too big, not JSON, not an object, `batch` not a list) is refused
whole with a 400; inside a readable batch each call is checked on its own, so one bad event
costs only itself.
"""

import datetime as dt
import gzip
import json
import math
import uuid
import zlib
from dataclasses import dataclass, field

from .limits import MAX_BATCH_EVENTS, MAX_EVENT_BYTES, MAX_ID, MAX_MESSAGE_ID, MAX_NAME, MAX_REQUEST_BYTES
from .storable import MAX_DEPTH, TooDeep, cap_depth, encode, storable, text_problem
from .timestamps import BadTimestamp, corrected_timestamp, parse_timestamp

CALL_TYPES = ("track", "identify", "group", "page", "screen", "alias")
# Calls that are product usage: they enter the catalogue and roll up. The others describe people and accounts.
USAGE_TYPES = frozenset({"track", "page", "screen"})
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# Python converts at most 4,300 digits to an int (sys.get_int_max_str_digits); longer integers read as floats.
MAX_INTEGER_DIGITS = 4_000
# A corrected time later than this past the receipt is a broken clock, not usage.
FUTURE_TOLERANCE = dt.timedelta(days=1)


class RequestRejected(Exception):
    """The whole request is refused (HTTP 400) and nothing is stored."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class CallRejected(Exception):
    """One call is refused; the rest of its batch goes on."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Call:
    """One valid call, in the shape of a raw event, plus what identity resolution needs."""

    index: int
    kind: str
    message_id: str
    name: str
    user_id: str
    anonymous_id: str
    group_id: str
    timestamp: dt.datetime
    properties: dict
    context: dict
    raw: dict
    traits: dict = field(default_factory=dict)
    previous_id: str = ""
    # The JSON the raw event stores, encoded once: the size check needs it too.
    properties_json: str = "{}"
    context_json: str = "{}"
    # What was changed to make properties, context or traits storable (see storable.py).
    notes: list[str] = field(default_factory=list)
    account_id: int | None = None
    contact_id: int | None = None

    @property
    def is_usage(self) -> bool:
        return self.kind in USAGE_TYPES


def read_body(stream, *, content_length: int | None, content_encoding: str) -> bytes:
    """The request body, decompressed, refused beyond MAX_REQUEST_BYTES without reading it all."""
    if content_length is not None and content_length > MAX_REQUEST_BYTES:
        raise RequestRejected(_too_big(content_length))
    data = stream.read(MAX_REQUEST_BYTES + 1)
    if len(data) > MAX_REQUEST_BYTES:
        # Its size is unknown (chunked, or a Content-Length that lied): only that it is past the limit.
        raise RequestRejected(_too_big(None))
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return data
    if encoding not in ("gzip", "x-gzip"):
        raise RequestRejected(f"Content-Encoding {content_encoding!r} is not supported; send gzip or nothing.")
    # Decompress with a ceiling, so a small bomb cannot expand into gigabytes.
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        body = inflater.decompress(data, MAX_REQUEST_BYTES + 1)
    except (zlib.error, gzip.BadGzipFile) as error:
        raise RequestRejected("The body is not valid gzip.") from error
    if len(body) > MAX_REQUEST_BYTES or inflater.unconsumed_tail:
        raise RequestRejected(_too_big(None))
    return body


def _too_big(size: int | None) -> str:
    told = f" ({size:,} bytes)" if size else ""
    return f"The request is too large{told}: at most {MAX_REQUEST_BYTES // 1024} KB after decompression."


def load_object(data: bytes) -> dict:
    try:
        body = _parsed(data)
    except (UnicodeDecodeError, ValueError) as error:
        raise RequestRejected(f"The body is not valid JSON: {error}.") from error
    if not isinstance(body, dict):
        raise RequestRejected("The body must be a JSON object.")
    return body


def _parsed(data: bytes):
    """Valid JSON Python's parser balks at is read all the same, so only the events holding it are refused
    or cleaned: nesting too deep for its stack (the too-deep values replaced by TOO_DEEP), and integers of
    more digits than Python converts (read as floats, hence Infinity, which storable() makes null)."""
    try:
        return json.loads(data)
    except RecursionError:
        data = cap_depth(data)
    except ValueError as error:
        if "integer string conversion" not in str(error):
            raise
    try:
        return json.loads(data, parse_int=_integer)
    except RecursionError:
        return json.loads(cap_depth(data), parse_int=_integer)


def _integer(text: str) -> int | float:
    return int(text) if len(text) <= MAX_INTEGER_DIGITS else float(text)


def batch_calls(body: dict) -> list:
    """The calls of a /v1/batch body, with the batch's shared context merged into each."""
    calls = body.get("batch")
    if not isinstance(calls, list):
        raise RequestRejected('"batch" must be a list of calls.')
    if len(calls) > MAX_BATCH_EVENTS:
        raise RequestRejected(f"The batch holds {len(calls):,} events; at most {MAX_BATCH_EVENTS:,} are accepted.")
    shared = body.get("context")
    if isinstance(shared, dict) and shared:
        calls = [_with_shared_context(call, shared) for call in calls]
    return calls


def _with_shared_context(call, shared: dict):
    if not isinstance(call, dict):
        return call
    own = call.get("context")
    return {**call, "context": {**shared, **own} if isinstance(own, dict) else dict(shared)}


def normalise(
    raw,
    *,
    index: int,
    received_at: dt.datetime | None,
    sent_at: dt.datetime | None,
    now: dt.datetime,
) -> Call:
    """Check one call against the spec; CallRejected says why it cannot be stored."""
    if not isinstance(raw, dict):
        raise CallRejected("The event is not a JSON object.")
    properties = _object(raw.get("properties"), "properties")
    sent_context = context = _object(raw.get("context"), "context")
    notes: list[str] = []
    try:
        kept = {key: storable(raw[key], where=key) for key in ("properties", "context") if raw.get(key)}
        encoded = {key: value.json for key, value in kept.items()}
        size = _json_size(raw, encoded)
    except TooDeep as error:
        raise CallRejected(error.reason) from error
    except RecursionError as error:
        raise CallRejected(f"The event is nested deeper than {MAX_DEPTH} levels.") from error
    except (TypeError, ValueError) as error:
        raise CallRejected(f"The event holds a value that is not JSON: {error}.") from error
    if "properties" in kept:
        properties = kept["properties"].value
        notes += kept["properties"].notes
    if "context" in kept:
        context = kept["context"].value
        notes += kept["context"].notes
    if size > MAX_EVENT_BYTES:
        raise CallRejected(f"The event is {size:,} bytes; at most {MAX_EVENT_BYTES // 1024} KB are accepted.")
    kind = str(raw.get("type") or "").strip().lower()
    if kind not in CALL_TYPES:
        shown = raw.get("type")
        raise CallRejected(
            f"Unknown type {shown!r}; use track, identify, group, page, screen or alias."
            if shown
            else "The event has no type; use track, identify, group, page, screen or alias."
        )
    user_id = _id(raw.get("userId"), "userId")
    anonymous_id = _id(raw.get("anonymousId"), "anonymousId")
    previous_id = ""
    if kind == "alias":
        previous_id = _id(raw.get("previousId"), "previousId")
        if not previous_id or not user_id:
            raise CallRejected("An alias call needs both previousId and userId.")
    elif not user_id and not anonymous_id:
        raise CallRejected(f"A {kind} call needs a userId or an anonymousId.")
    message_id = _id(raw.get("messageId"), "messageId", limit=MAX_MESSAGE_ID) or str(uuid.uuid4())
    traits: dict = {}
    if kind in ("identify", "group"):
        # RudderStack's SDKs put identify traits in context.traits; Segment's at the top.
        own = _object(raw.get("traits"), "traits")
        if own:
            try:
                own_kept = storable(own, where="traits")
            except TooDeep as error:
                raise CallRejected(error.reason) from error
            own, notes = own_kept.value, notes + own_kept.notes
        traits = {**_object(context.get("traits"), "context.traits"), **own}
    # An id as sent: made storable, it would name another account.
    group_id = _id(raw.get("groupId") if kind == "group" else sent_context.get("groupId"), "groupId")
    if kind == "group" and not group_id:
        raise CallRejected("A group call needs a groupId.")
    timestamp = _timestamp(raw, received_at=received_at, sent_at=sent_at, now=now)
    call = Call(
        index=index,
        kind=kind,
        message_id=message_id,
        name=_name(kind, raw, properties, context),
        user_id=user_id,
        anonymous_id=anonymous_id,
        group_id=group_id,
        timestamp=timestamp,
        properties=properties,
        context=context,
        raw=raw,
        traits=traits,
        previous_id=previous_id,
        notes=notes,
    )
    if kind in ("identify", "group"):
        # The raw event keeps what was said about the person or the account.
        call.properties = traits
    elif kind == "alias":
        call.properties = {"previousId": previous_id}
    call.properties_json = (
        encoded["properties"] if "properties" in encoded and call.properties is properties else encode(call.properties)
    )
    call.context_json = encoded.get("context", "{}")
    return call


def _json_size(raw: dict, encoded: dict[str, str]) -> int:
    """len(json.dumps(raw)), as the SDKs measure an event (ASCII JSON), reusing the encodings of
    properties and context (the bulk of an event, which the raw event stores anyway)."""
    if len(raw) == len(encoded):
        size = 0 if encoded else 2  # the braces, less the ", " the first item does without
    else:
        size = len(encode({k: v for k, v in raw.items() if k not in encoded}))
    for key, text in encoded.items():
        size += len(key) + 4 + len(text) + 2  # "properties": value, and its ", "
    return size


def _id(value, name: str, *, limit: int = MAX_ID) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CallRejected(f"{name} must be a string.")
    if isinstance(value, float) and not math.isfinite(value):
        # NaN or Infinity (or an integer too long to read) names no one.
        raise CallRejected(f"{name} must be a string, not {value}.")
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    _storable_text(text, name)
    if len(text) > limit:
        raise CallRejected(f"{name} is {len(text)} characters long; at most {limit} are accepted.")
    return text


def _storable_text(text: str, name: str) -> None:
    # Checked on every call: text_problem answers a plain ASCII text without a search.
    problem = text_problem(text)
    if problem:
        raise CallRejected(f"{name} holds {problem}.")


def _object(value, name: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise CallRejected(f"{name} must be a JSON object.")
    return value


def _name(kind: str, raw: dict, properties: dict, context: dict) -> str:
    if kind == "track":
        event = raw.get("event")
        if not isinstance(event, str) or not event.strip():
            raise CallRejected("A track call needs an event name.")
        _storable_text(event, "The event name")
        if len(event.strip()) > MAX_NAME:
            raise CallRejected(f"The event name is longer than {MAX_NAME} characters.")
        return event.strip()
    if kind in ("page", "screen"):
        page = context.get("page") if isinstance(context.get("page"), dict) else {}
        for candidate in (properties.get("name"), raw.get("name"), properties.get("path"), page.get("path")):
            if isinstance(candidate, str) and candidate.strip():
                _storable_text(candidate, "The page name")
                # Paths can be long; a page view is still worth counting under its first 200 characters.
                return candidate.strip()[:MAX_NAME]
        return kind.capitalize()
    return ""


def _timestamp(raw: dict, *, received_at, sent_at, now) -> dt.datetime:
    try:
        original = parse_timestamp(raw.get("timestamp"), field="timestamp") or parse_timestamp(
            raw.get("originalTimestamp"), field="originalTimestamp"
        )
        own_sent_at = parse_timestamp(raw.get("sentAt"), field="sentAt")
    except BadTimestamp as error:
        raise CallRejected(str(error)) from error
    moment = corrected_timestamp(original=original, sent_at=own_sent_at or sent_at, received_at=received_at, now=now)
    if moment < EARLIEST:
        raise CallRejected(f"The timestamp {moment.isoformat()} is before 1970.")
    if moment > (received_at or now) + FUTURE_TOLERANCE:
        raise CallRejected(f"The timestamp {moment.isoformat()} is more than a day in the future.")
    return moment
