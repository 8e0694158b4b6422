"""The Health pages about usage: overview, ingestion errors, ingestion settings; who sees what."""

import pytest
from django.urls import reverse
from django_scopes import scope

from health.ingestion.services import ingest
from health.models import IngestionSettings
from tenancy.models import Role

from .builders import contact, track, tracked_account

pytestmark = pytest.mark.django_db


def test_overview_links_to_catalogue_errors_and_settings(tenant_a, alice, login):
    acme = tracked_account(tenant_a, "acme")
    contact(tenant_a, acme, "u1")
    ingest(tenant=tenant_a, calls=[track("u1"), track("u1", event="Logged In"), {"type": "track", "event": "x"}])
    page = login(alice).get(reverse("health:index"))
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("health:event_list", "health:ingestion_errors", "health:ingestion_settings"):
        assert f'href="{reverse(name)}"' in html
    assert 'data-testid="usage-events">2<' in html and "1 event refused or noted" in html


def test_overview_without_usage_explains_how_to_send_it(tenant_a, bob, login):
    page = login(bob).get(reverse("health:index"))
    assert page.status_code == 200 and b"No product usage yet" in page.content
    # A CSM sees the catalogue, not the admin's pages.
    assert reverse("health:ingestion_settings").encode() not in page.content


def test_ingestion_errors_for_admins_and_leaders_only(tenant_a, alice, bob, member_of, login):
    ingest(tenant=tenant_a, calls=[{"type": "track", "userId": "u1"}] * 3 + [{"type": "nope", "userId": "u1"}])
    page = login(alice).get(reverse("health:ingestion_errors"))
    assert page.status_code == 200
    html = page.content.decode()
    # Newest first: the last refusal of the batch is listed on top.
    assert html.index("Unknown type") < html.index("needs an event name")
    assert login(member_of(Role.LEADER)).get(reverse("health:ingestion_errors")).status_code == 200
    assert login(bob).get(reverse("health:ingestion_errors")).status_code == 403


def test_ingestion_errors_are_paginated(tenant_a, alice, login):
    ingest(tenant=tenant_a, calls=[{"type": "track", "userId": "u1"}] * 60)
    page = login(alice).get(reverse("health:ingestion_errors"))
    assert b"Page 1 of 2" in page.content
    assert login(alice).get(reverse("health:ingestion_errors"), {"page": 2}).status_code == 200


def test_settings_page_saves_a_checked_mapping(tenant_a, alice, login, settings):
    settings.SITE_URL = "https://cs.example.com"
    web = login(alice)
    url = reverse("health:ingestion_settings")
    page = web.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and "employees = seats_purchased" in html
    assert 'analytics.host = "https://cs.example.com"' in html and reverse("tenancy:write_key_list") in html
    response = web.post(url, {"group_traits": "company = name\ntier = cf_tier", "raw_retention_days": "90"})
    assert response.status_code == 200 and "there is no custom field" in response.content.decode()
    response = web.post(url, {"group_traits": "company = name\nsize = seats", "raw_retention_days": "90"})
    assert "not an account field" in response.content.decode()
    response = web.post(url, {"group_traits": "company = name\n\nseats = seats_purchased", "raw_retention_days": "90"})
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        saved = IngestionSettings.objects.get(tenant=tenant_a)
    assert saved.group_traits == {"company": "name", "seats": "seats_purchased"}
    assert (saved.raw_retention_days, saved.create_unknown_accounts) == (90, False)


def test_settings_page_saved_unchanged_keeps_the_defaults(tenant_a, alice, login):
    web = login(alice)
    url = reverse("health:ingestion_settings")
    form = web.get(url).context["form"]
    data = {**form.initial, "create_unknown_accounts": "on"}
    assert web.post(url, data).status_code == 302
    with scope(tenant=tenant_a):
        # The defaults name cf_plan, which this tenant lacks: kept as the lenient defaults, not refused.
        assert IngestionSettings.objects.get(tenant=tenant_a).group_traits == {}


def test_settings_page_is_for_admins(tenant_a, bob, member_of, login):
    assert login(bob).get(reverse("health:ingestion_settings")).status_code == 403
    leader = login(member_of(Role.LEADER))
    assert leader.post(reverse("health:ingestion_settings"), {"raw_retention_days": "1"}).status_code == 403
