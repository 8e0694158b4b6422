"""Property-based checks of the ingestion parser and the tracking API: whatever JSON-ish calls arrive
(text with NULs and lone surrogates, NaN and Infinity, deep nesting, values of the wrong type), nothing
raises out of the parser or the view, the good events around them are always kept, every refusal says
why, and what is accepted is storable by PostgreSQL."""

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from health.ingestion.parsing import Call, CallRejected, RequestRejected, batch_calls, load_object, normalise
from health.ingestion.storable import MAX_DEPTH, text_problem

from .builders import errors, post, raw_events, write_key

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
DEEP = "@deep@"  # stands in the JSON text for a value nested `n` levels, spliced in after json.dumps

odd_text = st.text(
    st.one_of(st.characters(exclude_categories=()), st.sampled_from(["\x00", "\ud800", "\udfff", "\ud83d", "\\"])),
    max_size=12,
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    odd_text,
    st.integers(min_value=60, max_value=3_000).map(lambda n: f"{DEEP}{n}"),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(odd_text, inner, max_size=4)),
    max_leaves=12,
)
ids = st.one_of(st.none(), odd_text, st.integers(-5, 5), st.floats(allow_nan=True), st.lists(odd_text, max_size=2))
calls = st.one_of(
    values,
    st.fixed_dictionaries(
        {"type": st.one_of(st.sampled_from(["track", "identify", "group", "page", "screen", "alias"]), odd_text)},
        optional={
            "userId": ids,
            "anonymousId": ids,
            "groupId": ids,
            "previousId": ids,
            "messageId": ids,
            "event": ids,
            "name": ids,
            "properties": values,
            "context": values,
            "traits": values,
            "timestamp": st.one_of(odd_text, st.just("2026-11-20T09:30:00Z"), scalars),
            "integrations": values,
        },
    ),
)


def _good(n: int) -> dict:
    return {
        "type": "track",
        "userId": "u1",
        "event": "Report Created",
        "messageId": f"good-{uuid.uuid4()}-{n}",
        "properties": {"n": n, "city": "Zürich 😀"},
    }


def _body(bad: list, good: list) -> tuple[bytes, list[str]]:
    """Good and odd calls interleaved, as JSON text; NaN and Infinity written as Python's json (and the SDKs)
    write them, surrogates escaped, the deep values spliced in as text json.dumps could not write."""
    batch = [call for pair in zip(good, bad, strict=False) for call in pair] + good[len(bad) :] + bad[len(good) :]
    return _spliced(json.dumps({"batch": batch, "sentAt": "2026-11-23T12:00:00Z"})), [c["messageId"] for c in good]


def _spliced(text: str) -> bytes:
    while DEEP in text:
        start = text.index(f'"{DEEP}')
        end = text.index('"', start + 1) + 1
        depth = int(text[start + len(DEEP) + 1 : end - 1])
        text = text[:start] + "[" * depth + "]" * depth + text[end:]
    return text.encode()


def _no_constants(name):
    raise AssertionError(f"{name} was stored")


def _depth(value, level: int = 0) -> int:
    if isinstance(value, dict):
        return max([_depth(v, level + 1) for v in value.values()], default=level + 1)
    if isinstance(value, list):
        return max([_depth(v, level + 1) for v in value], default=level + 1)
    return level


def _assert_storable(call: Call) -> None:
    for text in (call.kind, call.name, call.user_id, call.anonymous_id, call.group_id, call.message_id):
        assert text_problem(text) is None, text
    for encoded in (call.properties_json, call.context_json):
        encoded.encode()  # valid Unicode
        assert "\\u0000" not in encoded
        decoded = json.loads(encoded, parse_constant=_no_constants)
        assert _depth(decoded) <= MAX_DEPTH


@settings(max_examples=100, deadline=None)
@given(bad=st.lists(calls, max_size=6), good_count=st.integers(min_value=0, max_value=4))
def test_the_parser_never_raises_keeps_good_events_and_says_why(bad, good_count):
    data, good_ids = _body(bad, [_good(n) for n in range(good_count)])
    body = load_object(data)
    kept: dict[str, Call] = {}
    for index, raw in enumerate(batch_calls(body)):
        try:
            call = normalise(raw, index=index, received_at=NOW, sent_at=NOW, now=NOW)
        except CallRejected as refused:
            assert refused.reason.strip()
            continue
        _assert_storable(call)
        assert all(note.strip() for note in call.notes)
        kept[call.message_id] = call
    for message_id in good_ids:
        assert kept[message_id].name == "Report Created" and kept[message_id].notes == []


@settings(max_examples=50, deadline=None)
@given(raw=values)
def test_a_body_of_any_shape_is_read_or_refused_with_a_reason(raw):
    try:
        calls = batch_calls(load_object(_spliced(json.dumps(raw))))
    except RequestRejected as refused:
        assert refused.reason.strip()
        return
    assert isinstance(calls, list)


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad=st.lists(calls, min_size=1, max_size=5), good_count=st.integers(min_value=1, max_value=3))
def test_the_tracking_api_never_answers_500_and_stores_the_good_events(tenant_a, bad, good_count):
    """Through the view and the database (PostgreSQL in the full suite, where SQLite's leniency can't hide a
    value PostgreSQL refuses). Examples share the test's database, so each counts only its own events."""
    key = write_key(tenant_a)
    errors_before = len(errors(tenant_a))
    data, good_ids = _body(bad, [_good(n) for n in range(good_count)])
    response = post(Client(), "/v1/batch", data, secret=key)
    assert response.status_code == 200, response.content
    assert response.json() == {"success": True}
    stored = {e.message_id for e in raw_events(tenant_a, message_id__in=good_ids)}
    assert stored == set(good_ids)
    assert all(e.reason.strip() for e in errors(tenant_a)[errors_before:])
