"""The REST API for members, the tenant and credentials: shapes, errors, pagination, filters."""

import pytest
from django_scopes import scope

from tenancy.models import ApiKey, Membership, Role

from ..factories import UserFactory, add_member

pytestmark = pytest.mark.django_db


def test_members_list_is_paginated_and_filterable(alice, bob, tenant_a, api_as):
    for _ in range(6):
        add_member(tenant_a, UserFactory(), Role.VIEWER)
    client = api_as(alice, tenant_a)
    page = client.get("/api/v1/members/", {"page_size": 5}).json()
    assert page["count"] == 8
    assert len(page["results"]) == 5
    assert page["next"].endswith("page=2&page_size=5")
    csms = client.get("/api/v1/members/", {"role": "csm"}).json()
    assert [m["email"] for m in csms["results"]] == [bob.email]
    found = client.get("/api/v1/members/", {"search": "bob"}).json()
    assert found["count"] == 1


def test_admin_invites_changes_and_removes_a_member(alice, bob, tenant_a, api_as, django_capture_on_commit_callbacks):
    client = api_as(alice, tenant_a)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/members/", {"email": "dana@alpha.example", "role": "csm", "team": "support"}, format="json"
        )
    # An invitation, not a member: dana joins when she accepts the emailed link.
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "pending"
    assert client.get("/api/v1/members/", {"search": "dana"}).json()["count"] == 0
    with scope(tenant=tenant_a):
        member_id = Membership.objects.get(user=bob).pk
    changed = client.patch(f"/api/v1/members/{member_id}/", {"role": "leader"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["role"] == "leader"
    assert client.delete(f"/api/v1/members/{member_id}/").status_code == 204
    with scope(tenant=tenant_a):
        assert not Membership.objects.filter(pk=member_id).exists()


def test_errors_have_one_shape_naming_the_field(alice, tenant_a, api_as):
    client = api_as(alice, tenant_a)
    response = client.post("/api/v1/members/", {"email": "not-an-email", "role": "boss"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"email", "role"}
    assert error["message"].startswith("email: ")
    missing = client.get("/api/v1/members/999999/")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"status": 404, "code": "not_found", "message": "Not found."}}


def test_service_rules_come_back_as_400(alice, tenant_a, api_as):
    client = api_as(alice, tenant_a)
    with scope(tenant=tenant_a):
        own = Membership.objects.get(user=alice)
    response = client.patch(f"/api/v1/members/{own.pk}/", {"role": "viewer"}, format="json")
    assert response.status_code == 400
    assert "is the last admin of Tenant Alpha" in response.json()["error"]["message"]


def test_tenant_settings_through_the_api(alice, tenant_a, api_as):
    client = api_as(alice, tenant_a)
    response = client.patch("/api/v1/tenant/", {"currency": "chf", "time_zone": "Europe/Zurich"}, format="json")
    assert response.status_code == 200
    assert response.json()["currency"] == "CHF"
    bad = client.patch("/api/v1/tenant/", {"time_zone": "Mars/Olympus"}, format="json")
    assert bad.status_code == 400
    assert "time_zone" in bad.json()["error"]["fields"]


def test_personal_token_and_write_key_created_once(alice, tenant_a, api_as):
    client = api_as(alice, tenant_a)
    token = client.post("/api/v1/api-tokens/", {"name": "CRM sync"}, format="json").json()
    assert token["secret"].startswith("pst_") and token["kind"] == "personal" and token["user"] == alice.email
    key = client.post("/api/v1/write-keys/", {"name": "Web app"}, format="json").json()
    assert key["secret"].startswith("psw_") and key["user"] is None
    listed = client.get(f"/api/v1/write-keys/{key['id']}/").json()
    assert "secret" not in listed
    assert client.delete(f"/api/v1/write-keys/{key['id']}/").status_code == 204
    with scope(tenant=tenant_a):
        assert ApiKey.objects.get(pk=key["id"]).revoked_at is not None


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/members/{membership_id}/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in docs
    assert "cdn." not in docs and "unpkg" not in docs


def test_redoc_and_swagger_load_nothing_from_another_site_and_run_no_inline_script(client):
    for url in ("/api/redoc/", "/api/docs/"):
        page = client.get(url)
        body = page.content.decode()
        assert "fonts.googleapis" not in body and "fonts.gstatic" not in body and "https://" not in body
        assert "<script>" not in body, url
        assert "default-src 'self'" in page["Content-Security-Policy"].split("; ")
    # Swagger UI's start-up script, which drf-spectacular would inline, comes from the docs' own URL.
    assert "SwaggerUIBundle" in client.get("/api/docs/?script=").content.decode()


def test_members_api_costs_the_same_for_five_or_fifty(alice, tenant_a, api_as, django_assert_max_num_queries):
    client = api_as(alice, tenant_a)
    for _ in range(4):
        add_member(tenant_a, UserFactory(), Role.CSM)
    client.get("/api/v1/members/")  # the token's first use records its last-used time
    with django_assert_max_num_queries(6) as few:
        assert client.get("/api/v1/members/").json()["count"] == 5
    for _ in range(45):
        add_member(tenant_a, UserFactory(), Role.CSM)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/members/", {"page_size": 100}).json()["results"]) == 50
