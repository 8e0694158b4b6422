"""Valid JSON that PostgreSQL cannot store as sent: NUL characters, lone surrogates, NaN and Infinity,
deep nesting. The offending event is refused alone, or stored made storable with a note; the rest of
its batch is stored, and the answer is never a 500. Meant for PostgreSQL (SQLite accepts all of it)."""

import json
import re

import pytest
from django.test import Client
from django_scopes import scope

from accounts.models import Account
from health.ingestion.storable import MAX_DEPTH

from .builders import errors, post, raw_events, track, write_key

pytestmark = pytest.mark.django_db

BATCH = "/v1/batch"
NUL_REFUSED = "holds a NUL character (U+0000), which cannot be stored."
SURROGATE_REFUSED = "holds a lone surrogate (U+D800), which is not valid Unicode."
DEEP = "[" * 5_000 + "]" * 5_000


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def key(tenant_a):
    return write_key(tenant_a)


def _good_batch() -> list[dict]:
    """A new account, its person, and 20 usage events for it."""
    group = {"type": "group", "userId": "u1", "groupId": "newco", "traits": {"name": "NewCo"}, "messageId": "g1"}
    return [group, *[track(context={"groupId": "newco"}, properties={"n": n}) for n in range(20)]]


def _body(calls: list, bad_json: str) -> bytes:
    """The batch as JSON text with the bad call's text spliced in as sent (json.dumps cannot write all of it)."""
    text = json.dumps({"batch": [*calls, "BAD"]})
    return text.replace('"BAD"', bad_json).encode()


REFUSED = {
    "NUL in the event name": (
        '{"type": "track", "userId": "u1", "event": "Rep\\u0000ort"}',
        "The event name " + NUL_REFUSED,
    ),
    "NUL in userId": ('{"type": "track", "userId": "u\\u00001", "event": "E"}', "userId " + NUL_REFUSED),
    "NUL in messageId": (
        '{"type": "track", "userId": "u1", "event": "E", "messageId": "m\\u0000"}',
        "messageId " + NUL_REFUSED,
    ),
    "NUL in groupId": ('{"type": "group", "userId": "u1", "groupId": "acme\\u0000"}', "groupId " + NUL_REFUSED),
    "NUL in context.groupId": (
        '{"type": "track", "userId": "u1", "event": "E", "context": {"groupId": "newco\\u0000"}}',
        "groupId " + NUL_REFUSED,
    ),
    "NUL in a page name": (
        '{"type": "page", "userId": "u1", "name": "Pri\\u0000cing"}',
        "The page name " + NUL_REFUSED,
    ),
    "NUL in previousId": ('{"type": "alias", "userId": "u1", "previousId": "a\\u00001"}', "previousId " + NUL_REFUSED),
    "NUL in anonymousId": (
        '{"type": "screen", "anonymousId": "a\\u00001", "name": "Home"}',
        "anonymousId " + NUL_REFUSED,
    ),
    "NaN as userId": ('{"type": "track", "userId": NaN, "event": "E"}', "userId must be a string, not nan."),
    "a 5,000-digit messageId": (
        '{"type": "track", "userId": "u1", "event": "E", "messageId": ' + "9" * 5_000 + "}",
        "messageId must be a string, not inf.",
    ),
    "lone surrogate in userId": ('{"type": "track", "userId": "\\ud800", "event": "E"}', "userId " + SURROGATE_REFUSED),
    "lone surrogate in the event name": (
        '{"type": "track", "userId": "u1", "event": "E\\ud800"}',
        "The event name " + SURROGATE_REFUSED,
    ),
    "properties nested 5,000 deep": (
        '{"type": "track", "userId": "u1", "event": "E", "properties": {"a": ' + DEEP + "}}",
        f"properties is nested deeper than {MAX_DEPTH} levels.",
    ),
    "traits nested 100 deep": (
        '{"type": "identify", "userId": "u1", "traits": {"a": ' + "[" * 100 + "]" * 100 + "}}",
        f"traits is nested deeper than {MAX_DEPTH} levels.",
    ),
    "context nested 5,000 deep": (
        '{"type": "track", "userId": "u1", "event": "E", "context": {"a": ' + DEEP + "}}",
        f"context is nested deeper than {MAX_DEPTH} levels.",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_an_unstorable_identifier_or_nesting_refuses_its_event_alone(client, tenant_a, key, case):
    bad, reason = REFUSED[case]
    calls = _good_batch()
    response = post(client, BATCH, _body(calls, bad), secret=key)
    assert response.status_code == 200 and response.json() == {"success": True}
    stored = raw_events(tenant_a)
    assert sorted(e.message_id for e in stored) == sorted(c["messageId"] for c in calls)
    with scope(tenant=tenant_a):
        newco = Account.objects.get(tenant=tenant_a, external_id="newco")
    assert {e.account_id for e in stored} == {newco.pk}
    [error] = errors(tenant_a)
    assert error.reason == reason
    # The refused event is kept for the admin, made storable itself.
    assert error.payload and "\x00" not in json.dumps(error.payload)


CLEANED = {
    "NUL in a property value": (
        '{"type": "track", "userId": "u1", "event": "E", "messageId": "bad", "properties": {"note": "a\\u0000b"}}',
        {"note": "ab"},
        "properties.note held a NUL character (U+0000)",
    ),
    "NUL in a property key": (
        '{"type": "track", "userId": "u1", "event": "E", "messageId": "bad", "properties": {"k\\u0000": 1}}',
        {"k": 1},
        "properties.k held a NUL character (U+0000)",
    ),
    "lone surrogate in a property": (
        '{"type": "track", "userId": "u1", "event": "E", "messageId": "bad", "properties": {"s": "x\\ud800"}}',
        {"s": "x\ufffd"},
        "properties.s held a lone surrogate (U+D800)",
    ),
    "NaN, Infinity and 1e999": (
        '{"type": "track", "userId": "u1", "event": "E", "messageId": "bad",'
        ' "properties": {"a": NaN, "b": [Infinity, -Infinity], "c": 1e999, "d": 1.5}}',
        {"a": None, "b": [None, None], "c": None, "d": 1.5},
        "properties.a was NaN; properties.b[0] was Infinity; properties.b[1] was -Infinity; and 1 more",
    ),
    "a 5,000-digit integer": (
        '{"type": "track", "userId": "u1", "event": "E", "messageId": "bad", "properties": {"big": '
        + "9" * 5_000
        + ', "n": 12345678901234567890}}',
        {"big": None, "n": 12345678901234567890},
        "properties.big was Infinity",
    ),
    "NUL in an identify trait": (
        '{"type": "identify", "userId": "u1", "messageId": "bad", "traits": {"title": "C\\u0000FO"}}',
        {"title": "CFO"},
        "traits.title held a NUL character (U+0000)",
    ),
    "NUL in context": (
        '{"type": "track", "userId": "u1", "event": "E", "messageId": "bad", "context": {"ip": "\\u0000"}}',
        {},
        "context.ip held a NUL character (U+0000)",
    ),
}


@pytest.mark.parametrize("case", sorted(CLEANED))
def test_unstorable_values_in_properties_context_and_traits_are_cleaned_with_a_note(client, tenant_a, key, case):
    bad, properties, change = CLEANED[case]
    calls = _good_batch()
    response = post(client, BATCH, _body(calls, bad), secret=key)
    assert response.status_code == 200 and response.json() == {"success": True}
    stored = {e.message_id: e for e in raw_events(tenant_a)}
    assert sorted(stored) == sorted([*(c["messageId"] for c in calls), "bad"])
    assert stored["bad"].properties == properties
    [note] = errors(tenant_a)
    assert note.message_id == "bad" and note.reason.startswith("Stored with ")
    assert change in note.reason


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_single_call_with_an_unstorable_value_is_a_400_saying_why(client, tenant_a, key, case):
    bad, reason = REFUSED[case]
    kind = re.match(r'{"type": "(\w+)"', bad).group(1)
    response = post(client, f"/v1/{kind}", bad.encode(), secret=key)
    assert response.status_code == 400
    assert response.json()["error"] == reason
    assert raw_events(tenant_a) == []


def test_a_single_call_with_nan_is_stored_with_null(client, tenant_a, key):
    response = post(client, "/v1/track", b'{"userId": "u1", "event": "E", "properties": {"score": NaN}}', secret=key)
    assert response.status_code == 200
    [event] = raw_events(tenant_a)
    assert event.properties == {"score": None}


def test_a_write_key_with_a_nul_is_unknown(client, tenant_a, key):
    response = post(client, BATCH, b'{"writeKey": "psw_\\u0000", "batch": []}')
    assert response.status_code == 401
    response = post(client, BATCH, b'{"writeKey": "psw_\\ud800", "batch": []}')
    assert response.status_code == 401


def test_a_body_nested_too_deep_outside_any_event_is_read(client, tenant_a, key):
    # The batch's own extra fields are not stored: a deep one costs nothing.
    body = b'{"batch": [' + json.dumps(track()).encode() + b'], "integrations": ' + DEEP.encode() + b"}"
    response = post(client, BATCH, body, secret=key)
    assert response.status_code == 200
    assert len(raw_events(tenant_a)) == 1
