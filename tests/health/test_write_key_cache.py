"""A write key is remembered between tracking requests, and a revocation or a change of its tenant wins at once."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from health.models import EventRollup
from tenancy import selectors, services, write_keys
from tenancy.models import ApiKey

from .builders import post, track, write_key
from .builders import tracked_account as account

pytestmark = pytest.mark.django_db


def _credential_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if '"tenancy_apikey"' in q["sql"] and "SELECT" in q["sql"]]


def _send(client, secret, user_id="u1"):
    return post(client, "/v1/batch", {"batch": [track(user_id, context={"groupId": "acme"})]}, secret=secret)


def test_the_second_batch_finds_the_write_key_without_asking_the_database(client, tenant_a):
    account(tenant_a, "acme")
    secret = write_key(tenant_a)
    with CaptureQueriesContext(connection) as first:
        assert _send(client, secret).status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert _send(client, secret, "u2").status_code == 200
    assert len(_credential_queries(first)) == 1
    assert _credential_queries(second) == []


def test_a_revoked_write_key_is_refused_on_the_very_next_batch(client, tenant_a):
    account(tenant_a, "acme")
    secret = write_key(tenant_a)
    assert _send(client, secret).status_code == 200  # now cached
    with scope(tenant=tenant_a):
        services.api_key_revoke(api_key=ApiKey.objects.get(tenant=tenant_a, digest=selectors.secret_digest(secret)))
    refused = _send(client, secret, "u2")
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error"]


def test_a_request_that_read_the_key_before_its_revocation_cannot_put_it_back(client, tenant_a):
    account(tenant_a, "acme")
    secret = write_key(tenant_a)
    read_before = selectors.api_key_find_by_digest(selectors.secret_digest(secret))
    with scope(tenant=tenant_a):
        services.api_key_revoke(api_key=ApiKey.objects.get(pk=read_before.pk))
    # That request now fills the cache with what it read: the revocation's tombstone is kept.
    write_keys.write_key_remember(read_before)
    assert services.api_key_authenticate(secret) is None
    assert _send(client, secret).status_code == 401


def test_a_tenants_new_time_zone_reaches_the_next_batch(client, tenant_a):
    account(tenant_a, "acme")
    secret = write_key(tenant_a)
    assert _send(client, secret).status_code == 200  # cached with the tenant as it was (UTC)
    services.tenant_update(tenant=tenant_a, name=tenant_a.name, time_zone="Pacific/Kiritimati", currency="EUR")
    # 23:30 UTC is already the next day at UTC+14: the batch's day must come from the new zone.
    late = timezone.now().astimezone(dt.UTC).replace(hour=23, minute=30, second=0, microsecond=0) - dt.timedelta(days=1)
    body = {"batch": [track("u3", context={"groupId": "acme"}, timestamp=late.isoformat())]}
    assert post(client, "/v1/batch", body, secret=secret).status_code == 200
    with scope(tenant=tenant_a):
        days = set(EventRollup.objects.filter(tenant=tenant_a, contact__external_id="u3").values_list("day", flat=True))
    assert days == {(late + dt.timedelta(hours=14)).date()}


def test_personal_tokens_are_never_cached(api_as, alice, tenant_a):
    client = api_as(alice, tenant_a)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/api/v1/accounts/").status_code == 200
    with CaptureQueriesContext(connection) as second:
        assert client.get("/api/v1/accounts/").status_code == 200
    assert len(_credential_queries(first)) == len(_credential_queries(second)) == 1
