"""The retention metrics page and its CSV export, on the hand-computed Q4 2025 of builders.build_book."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from accounts.cohorts import quarter_label
from core import tenant_time
from renewals.reporting.periods import period_for
from tenancy.models import Role

from .builders import build_book, contract, make_account

PAGE = reverse("renewals:metrics")
EXPORT = reverse("renewals:metrics_export")
Q4_2025 = {"period": "custom", "start": "2025-10-01", "end": "2025-12-31"}


@pytest.fixture
def book(tenant_a, tenant_b, alice, bob, charlie):
    return build_book(tenant_a, tenant_b, alice=alice, bob=bob)


def test_page_shows_the_figures_to_a_viewer(book, login, member_of):
    response = login(member_of(Role.VIEWER)).get(PAGE, Q4_2025)
    assert response.status_code == 200
    body = response.content.decode()
    report = response.context["report"]
    assert report.period.label == "2025-Q4" and response.context["section"] == "renewals"
    assert 'data-testid="headline-grr">84.55%' in body  # 208,000 / 246,000
    assert 'data-testid="headline-nrr">90.65%' in body  # 223,000 / 246,000
    assert 'data-testid="headline-logo-churn">16.67%' in body
    assert 'data-testid="headline-renewal-rate">66.67%' in body
    assert 'data-testid="starting-arr">246,000 EUR<' in body and 'data-testid="ending-arr">223,000 EUR<' in body
    assert 'data-testid="churn">\u221210,000 EUR<' in body and 'data-testid="contraction">\u221228,000 EUR<' in body
    assert 'data-testid="expansion">+15,000 EUR<' in body
    assert "Not counted: 1 new account that started during the period, 30,000 EUR ARR at its end." in body
    for table in ("retention-segment", "retention-tier", "retention-csm", "retention-cohort", "renewal-rate-cohort"):
        assert f'id="{table}"' in body
    assert [row.label for row in response.context["groupings"][2][3]] == ["Alice Admin", "Bob Csm", "No owner"]
    assert "vendor/chartjs/chart.umd.min.js" in body and 'id="metrics-trend-data"' in body
    chart = response.context["chart"]
    assert len(chart["labels"]) == len(chart["grr"]) == len(chart["nrr"]) == 8
    assert chart["labels"][-1].endswith("(to date)")
    assert 'id="renewals-nav"' in body and "the account's as they are today" in body
    assert ">By CSM</h2>" in body and ">By signup cohort</h2>" in body


def test_anonymous_visitors_sign_in_first(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("kind", ["this_quarter", "last_quarter", "last_12_months", "this_year"])
def test_period_picker(book, login, alice, tenant_a, kind):
    today = tenant_time.today(tenant_a)
    response = login(alice).get(PAGE, {"period": kind})
    assert response.status_code == 200
    period = response.context["report"].period
    assert (period.start, period.end, period.kind) == (
        period_for(kind, today).start,
        period_for(kind, today).end,
        kind,
    )
    assert f'<option value="{kind}" selected>' in response.content.decode()


def test_without_a_choice_the_page_shows_this_quarter(book, login, alice, tenant_a):
    today = tenant_time.today(tenant_a)
    report = login(alice).get(PAGE).context["report"]
    assert (report.period.start, report.period.end) == (
        period_for("this_quarter", today).start,
        period_for("this_quarter", today).end,
    )
    assert report.is_running and report.measured_on == today


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-05-01", "end": "2026-04-01"}, "The period ends (1 Apr 2026) before it starts (1 May 2026)."),
        ({"start": "2025-13-45", "end": "2026-01-31"}, "Enter the date as YYYY-MM-DD, for example 2026-03-31."),
        ({"start": "2025-10-01"}, "A custom period needs both its first and its last day."),
        ({"start": "2099-01-01", "end": "2099-03-31"}, "The period starts after today"),
    ],
)
def test_bad_custom_dates_are_explained_and_this_quarter_shown(book, login, alice, tenant_a, params, message):
    response = login(alice).get(PAGE, {"period": "custom", **params})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="metrics-errors"' in body and message in body
    today = tenant_time.today(tenant_a)
    assert response.context["report"].period.start == period_for("this_quarter", today).start
    assert "The figures below are for" in body
    assert '<option value="custom" selected>' in body  # kept, to correct the dates
    export = login(alice).get(EXPORT, {"period": "custom", **params})
    assert export.status_code == 400 and message in export.content.decode()


def test_csv_has_every_grouping_of_the_period(book, login, alice, tenant_a):
    response = login(alice).get(EXPORT, Q4_2025)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="retention-alpha-2025-10-01-to-2025-12-31.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    [total] = [r for r in rows if r["grouping"] == "tenant"]
    assert (total["accounts"], total["starting_arr"], total["ending_arr"]) == ("6", "246000.00", "223000.00")
    assert (total["churn"], total["contraction"], total["expansion"]) == ("10000.00", "28000.00", "15000.00")
    assert (total["grr"], total["nrr"], total["logo_churn_rate"]) == ("0.845528", "0.906504", "0.166667")
    assert [r["group"] for r in rows if r["grouping"] == "segment"] == ["Enterprise", "Mid-market", "SMB"]
    # The account without a signing date counts in the quarter it was created (today's, in this test).
    created = quarter_label(tenant_time.today(tenant_a))
    assert [r["group"] for r in rows if r["grouping"] == "cohort"] == ["2023-Q4", "2024-Q1", "2024-Q2", created]
    bob_row = next(r for r in rows if r["grouping"] == "csm" and r["group"] == "Bob Csm")
    assert (bob_row["starting_arr"], bob_row["nrr"]) == ("84000.00", "1.119048")


def test_csv_cells_never_run_as_formulas(book, login, alice, tenant_a):
    with scope(tenant=tenant_a):
        alice.full_name = "=HYPERLINK(1)"
        alice.save(update_fields=["full_name"])
    body = login(alice).get(EXPORT, Q4_2025).content.decode()
    assert "'=HYPERLINK(1)" in body and ",=HYPERLINK" not in body


def test_page_queries_do_not_grow_with_the_accounts(book, tenant_a, login, alice, django_assert_max_num_queries):
    client = login(alice)
    client.get(PAGE, Q4_2025)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE, Q4_2025)
    for n in range(20, 40):
        account = make_account(tenant_a, n, acv=15_000, segment="smb", owner=alice, signed_on=dt.date(2025, 2, 1))
        with scope(tenant=tenant_a):
            contract(tenant_a, account, dt.date(2025, 3, 1), 15_000)
    with django_assert_max_num_queries(len(few)):
        response = client.get(PAGE, Q4_2025)
    assert response.context["report"].total.accounts == 26
    assert len(few) <= 20


def test_charlie_sees_none_of_tenant_a(book, login, charlie):
    client = login(charlie)
    response = client.get(PAGE, Q4_2025)
    assert response.status_code == 200
    body = response.content.decode()
    report = response.context["report"]
    assert (report.total.accounts, report.total.starting_arr, report.total.churn) == (1, 1_000_000, 1_000_000)
    assert 'data-testid="headline-grr">0%' in body
    for secret in ("246,000", "223,000", "Alice Admin", "Bob Csm", "Enterprise</td>", "2024-Q2"):
        assert secret not in body
    rows = list(csv.DictReader(io.StringIO(client.get(EXPORT, Q4_2025).content.decode())))
    assert {r["starting_arr"] for r in rows} == {"1000000.00"}
    assert "retention-bravo-" in client.get(EXPORT, Q4_2025)["Content-Disposition"]
