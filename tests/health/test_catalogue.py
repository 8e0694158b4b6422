"""The event catalogue: kept current by ingestion, weighted by admins, with rollups re-weighted at once."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from health.ingestion.services import ingest
from health.services import usage as services

from .builders import contact, definitions, rollups, track, tracked_account

pytestmark = pytest.mark.django_db

API = "/api/v1/event-definitions/"


@pytest.fixture
def usage(tenant_a):
    acme = tracked_account(tenant_a, "acme")
    contact(tenant_a, acme, "u1")
    calls = [
        track("u1", timestamp="2026-03-01T10:00:00Z"),
        track("u1", timestamp="2026-03-04T10:00:00Z"),
        track("u1", timestamp="2026-03-04T11:00:00Z"),
        track(None, anonymousId="visitor", timestamp="2026-02-01T10:00:00Z"),  # unattributed, still seen
        {"type": "page", "userId": "u1", "properties": {"path": "/settings/billing"}},
    ]
    ingest(tenant=tenant_a, calls=calls)
    ingest(tenant=tenant_a, calls=calls[:2])  # a retry: counted once
    return definitions(tenant_a)


def test_ingestion_keeps_the_catalogue_current(usage):
    report = usage["Report Created"]
    assert (report.volume, report.points, report.is_core) == (4, Decimal("1.00"), False)
    assert report.first_seen_at.isoformat() == "2026-02-01T10:00:00+00:00"
    assert report.last_seen_at.isoformat() == "2026-03-04T11:00:00+00:00"
    # A page without a name is catalogued by its path.
    assert usage["/settings/billing"].volume == 1
    assert set(usage) == {"Report Created", "/settings/billing"}


def test_new_points_re_weight_the_rollups(tenant_a, usage):
    with scope(tenant=tenant_a):
        services.event_definition_update(definition=usage["Report Created"], points=Decimal("7.5"), is_core=True)
    report_rows = [r for r in rollups(tenant_a) if r[2] == "Report Created"]
    assert [(r[4], r[5]) for r in report_rows] == [(1, Decimal("7.50")), (2, Decimal("15.00"))]
    # Later events are added at the new weight.
    ingest(tenant=tenant_a, calls=[track("u1", timestamp="2026-03-04T12:00:00Z")])
    assert [(r[4], r[5]) for r in rollups(tenant_a) if r[2] == "Report Created"][-1] == (3, Decimal("22.50"))
    assert definitions(tenant_a)["Report Created"].is_core is True


def test_points_for_an_event_not_seen_yet(tenant_a):
    with scope(tenant=tenant_a):
        services.event_definition_set(tenant=tenant_a, name="Report Published", points=9, is_core=True)
    acme = tracked_account(tenant_a, "acme")
    contact(tenant_a, acme, "u1")
    ingest(tenant=tenant_a, calls=[track("u1", event="Report Published")])
    assert rollups(tenant_a)[0][4:] == (1, Decimal("9.00"))
    assert definitions(tenant_a)["Report Published"].volume == 1


def test_admin_sets_points_on_the_page(tenant_a, alice, login, usage):
    web = login(alice)
    definition = usage["Report Created"]
    page = web.get(reverse("health:event_list"))
    assert page.status_code == 200 and b"Report Created" in page.content
    url = reverse("health:event_edit", args=[definition.pk])
    # The catalogue's inline row form posts with its prefix and comes back to the list.
    data = {f"e{definition.pk}-points": "8", f"e{definition.pk}-is_core": "on", "next": "/health/events/?page=1"}
    response = web.post(url, data)
    assert response.status_code == 302 and response["Location"] == "/health/events/?page=1"
    assert definitions(tenant_a)["Report Created"].points == Decimal("8.00")
    assert {r[5] for r in rollups(tenant_a) if r[2] == "Report Created"} == {Decimal("8.00"), Decimal("16.00")}
    # The edit page's own form.
    response = web.post(url, {"points": "-1"})
    assert response.status_code == 200 and b"greater than or equal to 0" in response.content
    response = web.post(url, {"points": "2", "is_advanced": "on", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("health:event_list")
    saved = definitions(tenant_a)["Report Created"]
    assert (saved.points, saved.is_core, saved.is_advanced) == (Decimal("2.00"), False, True)


def test_csm_reads_the_catalogue_but_cannot_change_points(tenant_a, bob, login, api_as, usage):
    definition = usage["Report Created"]
    web = login(bob)
    page = web.get(reverse("health:event_list"))
    assert page.status_code == 200 and b"Report Created" in page.content and b'type="number"' not in page.content
    url = reverse("health:event_edit", args=[definition.pk])
    assert web.post(url, {"points": "9"}).status_code == 403
    api = api_as(bob, tenant_a)
    assert api.get(API).status_code == 200
    response = api.patch(f"{API}{definition.pk}/", {"points": "9"}, format="json")
    assert response.status_code == 403
    assert definitions(tenant_a)["Report Created"].points == Decimal("1.00")


def test_admin_patches_points_through_the_api(tenant_a, alice, api_as, usage):
    api = api_as(alice, tenant_a)
    definition = usage["Report Created"]
    response = api.patch(f"{API}{definition.pk}/", {"points": "3.25", "is_locked": True}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["points"] == "3.25" and response.json()["is_locked"] is True
    assert response.json()["volume"] == 4
    assert {r[5] for r in rollups(tenant_a) if r[2] == "Report Created"} == {Decimal("3.25"), Decimal("6.50")}
    response = api.patch(f"{API}{definition.pk}/", {"points": "-2"}, format="json")
    assert response.status_code == 400
    listed = api.get(API, {"search": "report"}).json()["results"]
    assert [row["name"] for row in listed] == ["Report Created"]


def test_catalogue_page_costs_the_same_for_5_or_50_events(tenant_a, alice, login, django_assert_max_num_queries):
    web = login(alice)
    ingest(tenant=tenant_a, calls=[track("u1", event=f"Event {n}") for n in range(5)])
    with django_assert_max_num_queries(12) as small:
        assert web.get(reverse("health:event_list")).status_code == 200
    ingest(tenant=tenant_a, calls=[track("u1", event=f"Event {n}") for n in range(5, 50)])
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert web.get(reverse("health:event_list")).status_code == 200
