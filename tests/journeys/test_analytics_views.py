"""The journey analytics page, its CSV export and its API, on the fixture of builders.build_book."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from core import tenant_time
from journeys import services
from tenancy.models import Role

from .builders import build_book, report_for

PAGE = reverse("journeys:analytics")
EXPORT = reverse("journeys:analytics_export")
API = "/api/v1/journey-analytics/"


@pytest.fixture
def book(tenant_a, alice, bob):
    return build_book(tenant_a, alice=alice, bob=bob)


def test_page_shows_the_figures_to_any_member(book, login, member_of):
    response = login(member_of(Role.VIEWER)).get(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    report = response.context["report"]
    assert (report.tracks, report.overall.entered) == (7, 18)
    assert 'data-testid="headline-completion">58.3%' in body  # 7 of 12 closed stays moved on
    assert 'data-testid="headline-median">30<' in body
    assert 'id="analytics-stages"' in body and 'id="analytics-outcomes"' in body
    assert "Reorg at customer (2)" in body
    assert "retained</strong> means still a customer" in body
    assert "vendor/chartjs/chart.umd.min.js" in body and 'id="analytics-data"' in body
    assert response.context["chart"]["completion"][:3] == [100.0, 40.0, 0.0]
    assert response.context["section"] == "journeys"


def test_breakdown_dimension_and_filters_change_the_figures(book, login, alice, bob):
    client = login(alice)
    by_csm = client.get(PAGE, {"dimension": "csm"})
    assert [g.label for g in by_csm.context["breakdown"]] == ["Alice Admin", "Bob Csm", "No owner"]
    smb = client.get(PAGE, {"segment": "smb", "date_from": book["start"].date().isoformat()})
    assert (smb.context["report"].tracks, smb.context["report"].overall.entered) == (3, 9)
    mine = client.get(PAGE, {"csm": bob.pk, "dimension": "cohort"})
    assert mine.context["report"].accounts == 2
    assert [g.value for g in mine.context["breakdown"]] == ["2026-Q1", "2026-Q2"]


def test_a_period_that_ends_before_it_starts_is_explained(book, login, alice):
    response = login(alice).get(PAGE, {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 200
    assert "The period ends (1 Apr 2026) before it starts (1 May 2026)." in response.content.decode()


def test_page_without_transitions_shows_the_empty_state(tenant_b, charlie, login, book):
    body = login(charlie).get(PAGE).content.decode()
    assert "No journey transitions yet" in body
    assert "Account 001" not in body and "Reorg" not in body


def test_page_queries_do_not_grow_with_the_tracks(book, tenant_a, login, alice, django_assert_max_num_queries):
    client = login(alice)
    client.get(PAGE)  # warm: the stage expectations are made on first use
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE, {"dimension": "csm"})
    with scope(tenant=tenant_a):
        for account in (book["a1"], book["a2"], book["a3"], book["a4"]):
            for n in range(5):
                track = services.track_create(tenant=tenant_a, account=account, name=f"Use case {n}", by=None)
                services.track_transition(track=track, to_stage="adoption", by=None, override_reason="Live")
    with django_assert_max_num_queries(len(few)):
        response = client.get(PAGE, {"dimension": "csm"})
    assert response.context["report"].tracks == 27


def test_csv_export_has_the_figures_with_the_filters(book, login, alice, tenant_a):
    response = login(alice).get(EXPORT, {"segment": "smb", "date_from": book["start"].date().isoformat()})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    today = tenant_time.today(tenant_a)
    assert response["Content-Disposition"] == f'attachment; filename="journey-analytics-alpha-{today:%Y-%m-%d}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    overall = next(r for r in rows if r["section"] == "stage" and r["stage"] == "all")
    assert (overall["entered"], overall["moved_on"], overall["completion_rate"]) == ("9", "4", "0.6667")
    assert {r["value"] for r in rows if r["section"] == "breakdown" and r["dimension"] == "segment"} == {"SMB"}
    late = next(r for r in rows if r["section"] == "outcome" and r["value"] == "Finished onboarding late")
    assert (late["accounts"], late["churn_rate"], late["retention_rate"]) == ("1", "1.0", "0.0")


def test_csv_cells_never_run_as_formulas(tenant_a, alice, bob, login):
    book = build_book(tenant_a, alice=alice, bob=bob)
    with scope(tenant=tenant_a):
        alice.full_name = "=HYPERLINK(1)"
        alice.save(update_fields=["full_name"])
    body = login(alice).get(EXPORT, {"date_from": book["start"].date().isoformat()}).content.decode()
    assert "'=HYPERLINK(1)" in body
    assert "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body


def test_api_returns_the_selectors_figures(book, tenant_a, alice, api_as):
    start = book["start"].date().isoformat()
    response = api_as(alice, tenant_a).get(API, {"date_from": start, "segment": "mid_market"})
    assert response.status_code == 200
    expected = report_for(tenant_a, date_from=book["start"].date(), segment="mid_market").as_dict()
    assert response.json() == expected
    assert response.json()["overall"]["completion_rate"] == 0.5


def test_api_rejects_a_backwards_period(tenant_a, alice, api_as):
    response = api_as(alice, tenant_a).get(API, {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 400
    assert "date_to" in str(response.json())


def test_api_and_export_of_tenant_b_hold_none_of_a(book, tenant_b, charlie, api_as, login):
    data = api_as(charlie, tenant_b).get(API).json()
    assert data["has_transitions"] is False and data["tracks"] == 0 and data["breakdowns"] == []
    body = login(charlie).get(EXPORT).content.decode()
    assert "Bob Csm" not in body and "Finished onboarding late" not in body


def test_api_is_in_the_openapi_schema(tenant_a, alice, login):
    schema = login(alice).get(reverse("api-schema"), {"format": "json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/journey-analytics/" in text and "completion_rate" in text
