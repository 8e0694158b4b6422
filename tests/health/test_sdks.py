"""The official Segment and RudderStack Python SDKs, unmodified, against the live server.

The SDKs are the clients our customers' products already run; if they can send identify,
group, track and page here and the people, the account link and the counted usage come out
right, the tracking API is compatible where it matters.
"""

import datetime as dt

import pytest
from django_scopes import scope
from rudderstack.analytics import Client as RudderClient
from rudderstack.analytics import request as rudder_request
from segment.analytics import Client as SegmentClient
from segment.analytics import request as segment_request
from segment.analytics.request import APIError

from accounts.models import Account, Contact

from .builders import definitions, errors, raw_events, rollups, write_key

SDKS = {"segment": SegmentClient, "rudderstack": RudderClient}


@pytest.fixture(autouse=True)
def _close_sdk_connections():
    # Each SDK keeps one module-level HTTP session; its kept-alive connection would hold a
    # live-server thread open past the test (and the test database).
    yield
    segment_request._session.close()
    rudder_request._session.close()


def _client(sdk: str, secret: str, host: str, *, gzip: bool, sync: bool = True):
    return SDKS[sdk](secret, host=host, sync_mode=sync, gzip=gzip, max_retries=0)


@pytest.mark.parametrize("gzip", [True, False], ids=["gzip", "plain"])
@pytest.mark.parametrize("sdk", sorted(SDKS))
def test_sdk_identify_group_track_page(live_server, tenant_a, sdk, gzip):
    secret = write_key(tenant_a)
    client = _client(sdk, secret, live_server.url, gzip=gzip)
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    # A new person: identified first, placed in an account by the group call that follows.
    client.identify("user-42", {"email": "Jane@Acme.example", "firstName": "Jane", "lastName": "Roe", "title": "CFO"})
    client.group("user-42", "acme", {"name": "Acme Inc", "website": "https://www.acme.example/", "employees": 120})
    client.track("user-42", "Report Created", {"report": "Churn"}, context={"groupId": "acme"}, timestamp=yesterday)
    client.track("user-42", "Report Created", {"report": "NRR"})
    client.page("user-42", name="Pricing", properties={"path": "/pricing"})

    with scope(tenant=tenant_a):
        acme = Account.objects.get(tenant=tenant_a, external_id="acme")
        person = Contact.objects.get(tenant=tenant_a, external_id="user-42")
    assert (acme.name, acme.domain, acme.seats_purchased, acme.segment) == ("Acme Inc", "acme.example", 120, "smb")
    assert (person.name, person.email, person.title) == ("Jane Roe", "jane@acme.example", "CFO")
    assert person.account_id == acme.pk
    stored = raw_events(tenant_a)
    assert [e.kind for e in stored if e.kind in ("identify", "group")] == ["identify", "group"]
    assert all(e.account_id == acme.pk and e.contact_id == person.pk for e in stored)
    usage = [(r[2], r[4]) for r in rollups(tenant_a)]
    assert sorted(usage) == [("Pricing", 1), ("Report Created", 1), ("Report Created", 1)]
    # The backdated track is on yesterday's row (days in the tenant's zone), within a second or two of skew.
    backdated = next(e for e in stored if e.properties.get("report") == "Churn")
    assert abs((backdated.timestamp - yesterday).total_seconds()) < 5
    assert definitions(tenant_a)["Report Created"].volume == 2


@pytest.mark.parametrize("sdk", sorted(SDKS))
def test_sdk_batches_from_its_consumer_thread(live_server, tenant_a, sdk):
    secret = write_key(tenant_a)
    client = _client(sdk, secret, live_server.url, gzip=True, sync=False)
    client.group("u1", "acme", {"name": "Acme"})
    for n in range(30):
        client.track("u1", "Dashboard Viewed", {"n": n}, context={"groupId": "acme"})
    client.flush()
    client.join()
    assert len(raw_events(tenant_a)) == 31
    assert [(r[2], r[4]) for r in rollups(tenant_a)] == [("Dashboard Viewed", 30)]


def test_sdk_with_a_wrong_key_gets_401_and_stores_nothing(live_server, tenant_a):
    write_key(tenant_a)
    client = _client("segment", "psw_wrong", live_server.url, gzip=True)
    with pytest.raises(APIError) as raised:
        client.track("u1", "Report Created")
    assert raised.value.status == 401
    assert raw_events(tenant_a) == []


@pytest.mark.parametrize("sdk", sorted(SDKS))
def test_sdk_batch_with_unstorable_values_keeps_the_good_events(live_server, tenant_a, sdk):
    """The SDKs send NaN for float('nan') and pass NUL characters and lone surrogates through: one such
    event costs at most itself, and the new account and the 20 good events of its batch are stored."""
    secret = write_key(tenant_a)
    client = _client(sdk, secret, live_server.url, gzip=True, sync=False)
    client.group("u1", "newco", {"name": "NewCo"})
    for n in range(20):
        client.track("u1", "Dashboard Viewed", {"n": n}, context={"groupId": "newco"})
    client.track("u1", "Score Computed", {"score": float("nan"), "note": "a\x00b"}, context={"groupId": "newco"})
    client.track("u1", "Report\x00Created", context={"groupId": "newco"})
    client.track("\ud800", "Report Created", context={"groupId": "newco"})
    client.flush()
    client.join()

    with scope(tenant=tenant_a):
        newco = Account.objects.get(tenant=tenant_a, external_id="newco")
    stored = raw_events(tenant_a)
    assert len(stored) == 22 and {e.account_id for e in stored} == {newco.pk}
    cleaned = next(e for e in stored if e.name == "Score Computed")
    assert cleaned.properties == {"score": None, "note": "ab"}
    assert [(r[2], r[4]) for r in rollups(tenant_a)] == [("Dashboard Viewed", 20), ("Score Computed", 1)]
    reasons = sorted(e.reason for e in errors(tenant_a))
    assert reasons[0].startswith("Stored with properties made storable: properties.score was NaN;")
    assert reasons[1] == "The event name holds a NUL character (U+0000), which cannot be stored."
    assert reasons[2] == "userId holds a lone surrogate (U+D800), which is not valid Unicode."
