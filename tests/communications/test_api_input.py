"""What a fuzzer sends the API where the happy path never goes: a NUL in an external id, a UTC offset
PostgreSQL refuses in a time filter, a time before standard time. Each gets a clear 400 or a valid
answer, never a 500."""

import datetime as dt
import re

import pytest
from django_scopes import scope

from health.models import SupportTicket

from ..health.builders import book_account as account
from ..health.builders import record as signal

pytestmark = pytest.mark.django_db

SIGNAL_ENDPOINTS = ["support-tickets", "invoices", "meetings", "nps-responses", "subscription-changes"]
TIME_FILTERS = [
    ("calendar-entries", "scheduled_after"),
    ("calendar-entries", "scheduled_before"),
    ("engagement-events", "since"),
    ("communication-tasks", "due_before"),
    ("stage-transitions", "since"),
    ("stage-transitions", "until"),
]
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _error(response) -> dict:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    return response.json()["error"]


@pytest.mark.parametrize("endpoint", SIGNAL_ENDPOINTS)
def test_a_nul_in_an_external_id_is_a_clear_400_on_every_signal_endpoint(tenant_a, alice, api_as, endpoint):
    account(tenant_a, 1)
    client = api_as(alice, tenant_a)
    url = f"/api/v1/{endpoint}/"
    created = _error(client.post(url, {"account_external_id": "ext\x00-1"}, format="json"))
    assert created["fields"]["account_external_id"] == ["Null characters are not allowed."]
    named = _error(client.post(url, {"external_id": "zd\x00", "account_external_id": "ext-1"}, format="json"))
    assert named["fields"]["external_id"] == ["Null characters are not allowed."]
    listed = _error(client.get(url, {"account_external_id": "ext\x00-1"}))
    assert listed["fields"]["account_external_id"] == ["Null characters are not allowed."]


def test_a_nul_in_a_bulk_item_refuses_that_item_alone(tenant_a, alice, api_as):
    account(tenant_a, 1)
    client = api_as(alice, tenant_a)
    good = {"account_external_id": "ext-1", "subject": "SSO", "opened_at": "2025-03-03T09:30:00+01:00"}
    items = [good, {**good, "account_external_id": "ext\x00-1", "contact_external_id": "jane\x00"}]
    response = client.post("/api/v1/support-tickets/bulk/?partial=true", items, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["rejected"]) == (1, 1)
    assert "Null characters are not allowed." in body["results"][1]["errors"]["account_external_id"]


@pytest.mark.parametrize(("endpoint", "name"), TIME_FILTERS)
@pytest.mark.parametrize("offset", ["+16:00", "-16:00", "+23:59"])
def test_a_utc_offset_beyond_1559_in_a_time_filter_is_a_clear_400(tenant_a, alice, api_as, endpoint, name, offset):
    client = api_as(alice, tenant_a)
    error = _error(client.get(f"/api/v1/{endpoint}/", {name: f"2026-12-07T09:00:00{offset}"}))
    assert error["fields"][name] == [f"'2026-12-07T09:00:00{offset}': a UTC offset lies between -15:59 and +15:59."]


@pytest.mark.parametrize(("endpoint", "name"), TIME_FILTERS)
def test_time_filters_take_the_widest_real_offsets_and_no_offset(tenant_a, alice, api_as, endpoint, name):
    client = api_as(alice, tenant_a)
    for value in ("2026-12-07T09:00:00+15:59", "2026-12-07T09:00:00-15:59", "2026-12-07T09:00", "2026-12-07"):
        assert client.get(f"/api/v1/{endpoint}/", {name: value}).status_code == 200, value


def test_a_time_before_standard_time_answers_in_rfc_3339(tenant_a, alice, api_as):
    # Berlin kept local mean time (+00:53:28) until 1893: the API answers such a time in UTC.
    account(tenant_a, 1)
    client = api_as(alice, tenant_a)
    created = client.post(
        "/api/v1/support-tickets/",
        {"account_external_id": "ext-1", "subject": "Old", "opened_at": "1850-01-01T12:00:00Z"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["opened_at"] == "1850-01-01T12:00:00Z"
    assert client.get(f"/api/v1/support-tickets/{created.json()['id']}/").json()["opened_at"] == "1850-01-01T12:00:00Z"
    # A time in standard time keeps the tenant's zone.
    assert client.get("/api/v1/support-tickets/").json()["results"][0]["opened_at"] == "1850-01-01T12:00:00Z"


def test_every_time_the_api_lists_is_rfc_3339(tenant_a, alice, api_as):
    first = account(tenant_a, 1)
    signal(tenant_a, "ticket", account=first, subject="Old", opened_at=dt.datetime(1850, 1, 1, 12, tzinfo=dt.UTC))
    signal(tenant_a, "ticket", account=first, subject="New", opened_at=dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC))
    rows = api_as(alice, tenant_a).get("/api/v1/support-tickets/").json()["results"]
    times = {row["subject"]: row["opened_at"] for row in rows}
    assert times == {"Old": "1850-01-01T12:00:00Z", "New": "2026-01-01T13:00:00+01:00"}
    for row in rows:
        for name in ("opened_at", "closed_at", "created_at", "updated_at"):
            if row.get(name):
                assert RFC3339.match(row[name]), (name, row[name])
    with scope(tenant=tenant_a):
        assert SupportTicket.objects.count() == 2


@pytest.mark.parametrize("endpoint", ["calendar-entries", "communication-tasks", "journey-tracks", "renewals"])
@pytest.mark.parametrize("owner", ["¹", "9" * 30])
def test_an_owner_that_is_no_user_id_is_a_clear_400(tenant_a, alice, api_as, endpoint, owner):
    error = _error(api_as(alice, tenant_a).get(f"/api/v1/{endpoint}/", {"owner": owner}))
    assert "Use 'me' or a user id." in str(error["fields"]["owner"])


@pytest.mark.parametrize(
    "page", ["/accounts/", "/journeys/", "/journeys/list/", "/renewals/", "/communications/entries/new/"]
)
def test_pages_read_digits_that_are_no_id_as_no_choice(tenant_a, alice, login, page):
    client = login(alice)
    for value in ("¹", "9" * 30):
        assert client.get(page, {"owner": value, "account": value}).status_code == 200, (page, value)
