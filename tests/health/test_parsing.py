"""The checks of one call, without a database: sizes as the SDKs measure them, names, ids, times."""

import datetime as dt
import json

import pytest

from health.ingestion.limits import MAX_EVENT_BYTES
from health.ingestion.parsing import CallRejected, normalise

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def _normalise(call: dict):
    return normalise(call, index=0, received_at=NOW, sent_at=None, now=NOW)


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"properties": {"city": "Zürich", "n": [1, 2.5, None, True]}},
        {"context": {"groupId": "acme", "page": {"path": "/a\\b\n"}}},
        {"properties": {}, "context": {}, "integrations": {"All": True}},
    ],
)
def test_event_size_is_measured_like_the_sdks(extra):
    call = {"type": "track", "userId": "u1", "event": "Report Created", **extra}
    padded = {**call, "properties": {**call.get("properties", {}), "pad": ""}}
    padded["properties"]["pad"] = "x" * (MAX_EVENT_BYTES - len(json.dumps(padded)))
    assert len(json.dumps(padded)) == MAX_EVENT_BYTES
    assert _normalise(padded).name == "Report Created"
    over = {**padded, "properties": {**padded["properties"], "pad": padded["properties"]["pad"] + "x"}}
    with pytest.raises(CallRejected, match="32,769 bytes"):
        _normalise(over)


def test_stored_json_is_what_was_sent():
    call = _normalise({"type": "page", "anonymousId": 42, "properties": {"path": "/pricing"}, "context": {"ip": "x"}})
    assert (call.name, call.anonymous_id) == ("/pricing", "42")
    assert json.loads(call.properties_json) == {"path": "/pricing"} and json.loads(call.context_json) == {"ip": "x"}
    traits = _normalise({"type": "identify", "userId": "u1", "context": {"traits": {"a": 1}}, "traits": {"b": 2}})
    assert json.loads(traits.properties_json) == {"a": 1, "b": 2}


def test_screen_without_a_name_is_counted_as_screen():
    assert _normalise({"type": "screen", "userId": "u1"}).name == "Screen"


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ({"type": "track", "userId": True, "event": "E"}, "userId must be a string"),
        ({"type": "track", "userId": "u", "event": "E", "properties": []}, "properties must be a JSON object"),
        ({"type": "track", "userId": "u", "event": "E" * 201}, "longer than 200"),
        ({"type": "track", "userId": "u" * 256, "event": "E"}, "at most 255"),
        ({"userId": "u", "event": "E"}, "has no type"),
    ],
)
def test_refusals_say_why(call, reason):
    with pytest.raises(CallRejected, match=reason):
        _normalise(call)
