"""The tracking API from the outside: authentication, limits, per-event rejection, retries, tenants."""

import gzip
import io
import json

import pytest
from celery.signals import before_task_publish
from django.test import Client
from django_scopes import scope

from config.celery import app as celery_app
from health.ingestion.limits import MAX_BATCH_EVENTS
from tenancy import services as tenancy_services
from tenancy.models import ApiKeyKind

from .builders import basic, contact, errors, post, raw_events, rollups, track, tracked_account, write_key

pytestmark = pytest.mark.django_db

BATCH = "/v1/batch"


@pytest.fixture
def client():
    return Client()


@pytest.fixture
def key(tenant_a):
    return write_key(tenant_a)


@pytest.fixture
def acme(tenant_a):
    acme = tracked_account(tenant_a, "acme")
    contact(tenant_a, acme, "u1")
    return acme


def test_batch_with_basic_auth_is_stored_and_attributed(client, tenant_a, key, acme):
    response = post(client, BATCH, {"batch": [track(), track(event="Logged In")]}, secret=key)
    assert response.status_code == 200 and response.json() == {"success": True}
    stored = raw_events(tenant_a)
    assert {e.name for e in stored} == {"Report Created", "Logged In"}
    assert {e.account_id for e in stored} == {acme.pk}
    assert [r[4] for r in rollups(tenant_a)] == [1, 1]


@pytest.mark.parametrize("path", ["/v1/batch", "/v1/batch/"])
def test_write_key_in_the_body_and_either_slash(client, tenant_a, key, acme, path):
    response = post(client, path, {"batch": [track()], "writeKey": key})
    assert response.status_code == 200
    assert len(raw_events(tenant_a)) == 1


def test_gzip_body(client, tenant_a, key, acme):
    response = post(client, BATCH, {"batch": [track() for _ in range(20)]}, secret=key, gzipped=True)
    assert response.status_code == 200
    assert len(raw_events(tenant_a)) == 20


@pytest.mark.parametrize(
    ("kind", "call"),
    [
        ("track", {"userId": "u1", "event": "Report Created"}),
        ("identify", {"userId": "u1", "traits": {"title": "CFO"}}),
        ("group", {"userId": "u1", "groupId": "acme", "traits": {"industry": "Retail"}}),
        ("page", {"userId": "u1", "name": "Pricing"}),
        ("screen", {"anonymousId": "a1", "name": "Home"}),
        ("alias", {"previousId": "a1", "userId": "u1"}),
    ],
)
def test_one_endpoint_per_call_type(client, tenant_a, key, acme, kind, call):
    for path in (f"/v1/{kind}", f"/v1/{kind}/"):
        response = post(client, path, call, secret=key)
        assert response.status_code == 200, response.json()
    stored = raw_events(tenant_a)
    # The SDK-less caller sent no messageId: each request got its own, so both are stored.
    assert [e.kind for e in stored] == [kind, kind]


def test_single_call_refused_says_why(client, tenant_a, key):
    response = post(client, "/v1/track", {"userId": "u1"}, secret=key)
    assert response.status_code == 400
    assert response.json()["success"] is False and "event name" in response.json()["error"]
    assert [e.reason for e in errors(tenant_a)] == ["A track call needs an event name."]


@pytest.mark.parametrize(
    "credential",
    ["Basic " + "bm90LWEta2V5Og==", "Bearer psw_unknown", None],
    ids=["unknown key", "unknown bearer", "no key at all"],
)
def test_bad_key_is_401_and_nothing_stored(client, tenant_a, key, credential):
    extra = {"HTTP_AUTHORIZATION": credential} if credential else {}
    response = client.post(BATCH, data=json.dumps({"batch": [track()]}), content_type="application/json", **extra)
    assert response.status_code == 401
    assert response.json()["success"] is False and response.json()["error"]
    assert raw_events(tenant_a) == [] and errors(tenant_a) == []


def test_wrong_body_key_revoked_key_and_personal_token_are_401(client, tenant_a, alice, key):
    assert post(client, BATCH, {"batch": [track()], "writeKey": "psw_nope"}).status_code == 401
    with scope(tenant=tenant_a):
        _key, personal = tenancy_services.api_key_create(
            tenant=tenant_a, kind=ApiKeyKind.PERSONAL, name="mine", by=alice, user=alice
        )
    response = post(client, BATCH, {"batch": [track()]}, secret=personal)
    assert response.status_code == 401 and "personal API token" in response.json()["error"]
    assert post(client, BATCH, {"batch": [track()], "writeKey": personal}).status_code == 401
    with scope(tenant=tenant_a):
        from tenancy.models import ApiKey

        tenancy_services.api_key_revoke(api_key=ApiKey.objects.get(tenant=tenant_a, kind=ApiKeyKind.WRITE_KEY))
    assert post(client, BATCH, {"batch": [track()]}, secret=key).status_code == 401
    assert raw_events(tenant_a) == []


def test_a_signed_in_session_is_no_write_key(login, alice, tenant_a):
    response = post(login(alice), BATCH, {"batch": [track()]})
    assert response.status_code == 401
    assert raw_events(tenant_a) == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"batch": {"type": "track"}}', '"batch" must be a list'),
        (b'{"batch": [], "sentAt": "yesterday"}', "sentAt"),
    ],
)
def test_unreadable_requests_are_400(client, tenant_a, key, body, reason):
    response = post(client, BATCH, body, secret=key)
    assert response.status_code == 400
    assert reason in response.json()["error"]


def test_bad_gzip_and_unknown_encoding_are_400(client, key):
    response = post(client, BATCH, b"plain text", secret=key, HTTP_CONTENT_ENCODING="gzip")
    assert response.status_code == 400 and "gzip" in response.json()["error"]
    response = post(client, BATCH, b"{}", secret=key, HTTP_CONTENT_ENCODING="br")
    assert response.status_code == 400


def test_oversize_batch_is_400_and_nothing_stored(client, tenant_a, key, acme):
    big = [track(properties={"blob": "x" * 20_000}) for _ in range(26)]  # ~520 KB
    response = post(client, BATCH, {"batch": big}, secret=key)
    assert response.status_code == 400 and "500 KB" in response.json()["error"]
    # Compressed below the limit, but not once decompressed.
    response = post(client, BATCH, {"batch": big}, secret=key, gzipped=True)
    assert response.status_code == 400 and "500 KB" in response.json()["error"]
    assert raw_events(tenant_a) == []


def test_too_many_events_is_400(client, tenant_a, key):
    calls = [{"type": "track", "userId": "u", "event": "E"}] * (MAX_BATCH_EVENTS + 1)
    response = post(client, BATCH, {"batch": calls}, secret=key, gzipped=True)
    assert response.status_code == 400 and "2,500" in response.json()["error"]
    assert raw_events(tenant_a) == []


def test_invalid_events_are_refused_alone(client, tenant_a, key, acme):
    calls = [
        track(),
        track(properties={"blob": "x" * 33_000}),  # over 32 KB
        {"type": "track", "event": "Nobody", "messageId": "m-nobody"},
        {"type": "track", "userId": "u1", "messageId": "m-unnamed"},
        {"type": "launch", "userId": "u1"},
        {"type": "group", "userId": "u1"},
        {"type": "alias", "userId": "u1"},
        track(messageId="m" * 101),
        track(timestamp="last tuesday"),
        "not an event",
        track(event="Logged In"),
    ]
    response = post(client, BATCH, {"batch": calls}, secret=key)
    assert response.status_code == 200 and response.json() == {"success": True}
    assert sorted(e.name for e in raw_events(tenant_a)) == ["Logged In", "Report Created"]
    reasons = [e.reason for e in errors(tenant_a)]
    assert reasons[0].startswith("The event is 33,") and reasons[0].endswith("bytes; at most 32 KB are accepted.")
    assert reasons[1:] == [
        "A track call needs a userId or an anonymousId.",
        "A track call needs an event name.",
        "Unknown type 'launch'; use track, identify, group, page, screen or alias.",
        "A group call needs a groupId.",
        "An alias call needs both previousId and userId.",
        "messageId is 101 characters long; at most 100 are accepted.",
        "timestamp 'last tuesday' is not an ISO-8601 time such as 2026-11-23T09:30:00Z.",
        "The event is not a JSON object.",
    ]
    oversize = errors(tenant_a)[0]
    assert oversize.kind == "track" and len(json.dumps(oversize.payload)) <= 4096
    assert oversize.payload["truncated"] is True
    assert errors(tenant_a)[1].payload == calls[2] and errors(tenant_a)[1].message_id == "m-nobody"


def test_a_retried_batch_counts_once(client, tenant_a, key, acme):
    batch = {"batch": [track(), track(), track(event="Logged In")]}
    for _ in range(3):
        assert post(client, BATCH, batch, secret=key).status_code == 200
    assert len(raw_events(tenant_a)) == 3
    assert [(r[2], r[4]) for r in rollups(tenant_a)] == [("Logged In", 1), ("Report Created", 2)]


def test_another_tenants_group_id_never_attaches(client, tenant_a, tenant_b, key):
    theirs = tracked_account(tenant_b, "acme-1", name="Bravo's Acme")
    response = post(client, BATCH, {"batch": [track(user_id="u9", context={"groupId": "acme-1"})]}, secret=key)
    assert response.status_code == 200
    [event] = raw_events(tenant_a)
    assert event.account_id is None and event.contact_id is None and event.group_id == "acme-1"
    assert rollups(tenant_a) == [] and rollups(tenant_b) == []
    # A group call of tenant A for the same id makes tenant A's own account, and only then counts.
    response = post(client, BATCH, {"batch": [{"type": "group", "userId": "u9", "groupId": "acme-1"}]}, secret=key)
    assert response.status_code == 200
    [ours] = raw_events(tenant_a, kind="track")
    assert ours.account_id not in (None, theirs.pk)
    assert raw_events(tenant_b) == []
    with scope(tenant=tenant_b):
        theirs.refresh_from_db()
        assert theirs.name == "Bravo's Acme" and theirs.contacts.count() == 0


def test_get_is_405(client, key):
    response = client.get(BATCH)
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_a_broker_outage_changes_nothing(client, tenant_a, key, acme):
    published = []

    def record(sender=None, **kwargs):
        published.append(sender)

    previous = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager", "task_publish_retry")}
    celery_app.conf.update(broker_url="redis://127.0.0.1:1/0", task_always_eager=False, task_publish_retry=False)
    before_task_publish.connect(record, weak=False)
    try:
        batch = {"batch": [track(), {"type": "group", "userId": "u2", "groupId": "new-co"}, track(user_id="u2")]}
        response = post(client, BATCH, batch, secret=key)
    finally:
        before_task_publish.disconnect(record)
        celery_app.conf.update(previous)
        # Connections made while the broker pointed nowhere must not outlive the test.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
    assert response.status_code == 200
    assert len(raw_events(tenant_a)) == 3 and published == []
    assert sum(r[4] for r in rollups(tenant_a)) == 2


def _chunked(client, body: bytes, *, terminated: bool = True, **extra):
    """A chunked request as gunicorn hands it over: no Content-Length, the de-chunked body in wsgi.input."""
    environ = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(body), **extra}
    if terminated:
        environ["wsgi.input_terminated"] = True
    return client.generic("POST", BATCH, b"", content_type="application/json", **environ)


def test_a_chunked_body_is_read(client, tenant_a, key, acme):
    body = json.dumps({"batch": [track(), track(event="Logged In")]}).encode()
    response = _chunked(client, body, **basic(key))
    assert response.status_code == 200, response.json()
    assert sorted(e.name for e in raw_events(tenant_a)) == ["Logged In", "Report Created"]
    response = _chunked(
        client, gzip.compress(json.dumps({"batch": [track()]}).encode()), HTTP_CONTENT_ENCODING="gzip", **basic(key)
    )
    assert response.status_code == 200 and len(raw_events(tenant_a)) == 3


def test_a_chunked_body_is_held_to_the_size_limit(client, tenant_a, key, acme):
    big = json.dumps({"batch": [track(properties={"blob": "x" * 20_000}) for _ in range(26)]}).encode()
    response = _chunked(client, big, **basic(key))
    assert response.status_code == 400 and "500 KB" in response.json()["error"]
    assert raw_events(tenant_a) == []


def test_a_chunked_body_a_server_does_not_end_is_411(client, tenant_a, key, acme):
    response = _chunked(client, json.dumps({"batch": [track()]}).encode(), terminated=False, **basic(key))
    assert response.status_code == 411 and "Content-Length" in response.json()["error"]


@pytest.mark.parametrize("path", ["/v1/launch", "/v1/", "/v1/track/extra", "/v1/batchx"])
def test_an_unknown_call_is_a_json_404(client, key, path):
    response = post(client, path, {"batch": [track()]}, secret=key)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["success"] is False and body["code"] == "not_found"
    assert body["error"] == body["message"] and body["error"].startswith(
        f"There is no {path}; send events to /v1/batch"
    )
