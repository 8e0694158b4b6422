"""The REST API of usage: rollups by account and day range, ingestion errors, ingestion settings."""

import pytest

from health.ingestion.services import ingest
from tenancy.models import Role

from .builders import contact, track, tracked_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_accounts(tenant_a):
    acme, beta = tracked_account(tenant_a, "acme"), tracked_account(tenant_a, "beta")
    contact(tenant_a, acme, "u1")
    contact(tenant_a, beta, "u2")
    ingest(
        tenant=tenant_a,
        calls=[
            track("u1", timestamp="2026-03-01T10:00:00Z"),
            track("u1", timestamp="2026-03-02T10:00:00Z"),
            track("u1", timestamp="2026-03-03T10:00:00Z"),
            track("u2", timestamp="2026-03-02T10:00:00Z"),
        ],
    )
    return acme, beta


def test_rollups_filtered_by_account_and_day_range(tenant_a, alice, api_as, two_accounts):
    acme, _beta = two_accounts
    api = api_as(alice, tenant_a)
    rows = api.get("/api/v1/event-rollups/", {"account": acme.pk, "day_from": "2026-03-02"}).json()["results"]
    assert [(r["day"], r["count"], r["points"]) for r in rows] == [("2026-03-03", 1, "1.00"), ("2026-03-02", 1, "1.00")]
    rows = api.get("/api/v1/event-rollups/", {"day_from": "2026-03-02", "day_to": "2026-03-02"}).json()["results"]
    assert len(rows) == 2 and {r["day"] for r in rows} == {"2026-03-02"}
    assert api.get("/api/v1/event-rollups/", {"day_from": "March"}).status_code == 400


def test_rollups_of_one_tenant_only(tenant_a, charlie, tenant_b, api_as, two_accounts):
    acme, _beta = two_accounts
    rows = api_as(charlie, tenant_b).get("/api/v1/event-rollups/", {"account": acme.pk}).json()["results"]
    assert rows == []


def test_ingestion_errors_for_admins_and_leaders(tenant_a, alice, bob, member_of, api_as):
    ingest(tenant=tenant_a, calls=[{"type": "track", "anonymousId": "a1"}])
    rows = api_as(alice, tenant_a).get("/api/v1/ingestion-errors/").json()["results"]
    assert [r["reason"] for r in rows] == ["A track call needs an event name."]
    assert rows[0]["payload"] == {"type": "track", "anonymousId": "a1"}
    assert api_as(member_of(Role.LEADER), tenant_a).get("/api/v1/ingestion-errors/").status_code == 200
    assert api_as(bob, tenant_a).get("/api/v1/ingestion-errors/").status_code == 403


def test_ingestion_settings_through_the_api(tenant_a, alice, bob, api_as):
    api = api_as(alice, tenant_a)
    current = api.get("/api/v1/ingestion-settings/").json()
    assert current["group_traits"]["employees"] == "seats_purchased" and current["raw_retention_days"] == 400
    response = api.patch("/api/v1/ingestion-settings/", {"group_traits": {"company": "owner"}}, format="json")
    assert response.status_code == 400 and "not an account field" in response.json()["error"]["message"]
    response = api.patch("/api/v1/ingestion-settings/", {"raw_retention_days": 60}, format="json")
    assert response.status_code == 200 and response.json()["raw_retention_days"] == 60
    assert api_as(bob, tenant_a).get("/api/v1/ingestion-settings/").status_code == 403
