"""403 and 404 pages: the app's layout and navigation and a sentence saying why, for a signed-in member,
a signed-in person without a tenant and an anonymous visitor; the API keeps its JSON errors."""

import pytest
from django.urls import reverse

from .factories import UserFactory

pytestmark = pytest.mark.django_db

NAV = 'id="main-nav"'


def test_a_members_404_has_the_layout_the_navigation_and_why(alice, login):
    response = login(alice).get("/accounts/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert NAV in html and "Tenant Alpha" in html
    assert "Page not found" in html
    assert "the link may be mistyped or out of date, or what it" in html
    assert f'href="{reverse("dashboard:home")}"' in html


def test_a_404_at_an_address_no_route_knows_has_the_navigation_too(alice, login):
    response = login(alice).get("/no-such-page/")
    assert response.status_code == 404
    assert NAV in response.content.decode()


def test_a_members_403_says_which_role_may(bob, login):
    response = login(bob).get(reverse("tenancy:admin_home"))
    assert response.status_code == 403
    html = response.content.decode()
    assert NAV in html and "You may not open this page" in html
    assert "Only a tenant admin may change this setting." in html
    assert "CSM in" in html  # the role they have


def test_an_anonymous_visitors_404_offers_to_sign_in(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and NAV not in html
    assert f'href="{reverse("login")}"' in html


def test_a_404_for_someone_without_a_tenant(login):
    response = login(UserFactory()).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "not a member of any tenant yet" in html and reverse("tenancy:no_tenant") in html


def test_the_api_keeps_its_json_errors(tenant_a, alice, api_as):
    client = api_as(alice, tenant_a)
    missing = client.get("/api/v1/accounts/999999/")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"status": 404, "code": "not_found", "message": "Not found."}}
    unknown = client.get("/api/v1/no-such-endpoint/")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    assert unknown["Content-Type"] == "application/json"
