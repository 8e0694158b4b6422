"""GRR, NRR, logo churn, renewal rate and pipeline metrics, on books built through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from accounts.cohorts import quarter_label
from renewals import services
from renewals.reporting.periods import period_for
from renewals.selectors import metrics

from .builders import build_book, close, contract, make_account

pytestmark = pytest.mark.django_db

D = dt.date
Q4_2025 = (D(2025, 10, 1), D(2026, 1, 1))
LATER = D(2026, 3, 1)  # the "today" the past period is looked at from


def seed_book(tenant, *, renewed: int, expansion_pct: int, total: int = 100):
    """The seed's example: `total` customers at 50,000 for 2025; `renewed` of them renew on 1 Jan 2026,
    growing by `expansion_pct`; the others churn."""
    new_arr = Decimal(50_000) * (100 + expansion_pct) / 100
    for n in range(total):
        account = make_account(tenant, n, acv=50_000)
        with scope(tenant=tenant):
            close(tenant, contract(tenant, account, D(2025, 1, 1), 50_000), new_arr if n < renewed else None)


def test_seed_example_95_renewed_with_15_percent_expansion(tenant_a):
    seed_book(tenant_a, renewed=95, expansion_pct=15)
    with scope(tenant=tenant_a):
        [row] = metrics.retention(tenant=tenant_a, start=Q4_2025[0], end=Q4_2025[1], today=LATER)
    assert (row.accounts, row.starting_arr, row.ending_arr) == (100, Decimal(5_000_000), Decimal(5_462_500))
    assert (row.churn, row.contraction, row.expansion) == (Decimal(250_000), Decimal(0), Decimal(712_500))
    assert row.grr == Decimal("0.95") and row.nrr == Decimal("1.0925")
    assert row.nrr_pct == Decimal("109.25") and row.grr_pct == Decimal("95.00")
    assert (row.churned_accounts, row.logo_churn_rate) == (5, Decimal("0.05"))


def test_seed_example_70_percent_renewal_without_expansion(tenant_a):
    seed_book(tenant_a, renewed=70, expansion_pct=0)
    with scope(tenant=tenant_a):
        [row] = metrics.retention(tenant=tenant_a, start=Q4_2025[0], end=Q4_2025[1], today=LATER)
        [rate] = metrics.renewal_rates(tenant=tenant_a, start=Q4_2025[0], end=Q4_2025[1], group_by=None)
    assert (row.starting_arr, row.ending_arr, row.expansion) == (Decimal(5_000_000), Decimal(3_500_000), 0)
    assert row.grr == Decimal("0.7") == row.nrr
    assert (rate.due, rate.closed, rate.renewed, rate.churned, rate.rate) == (100, 100, 70, 30, Decimal("0.7"))


@pytest.fixture
def book(tenant_a, tenant_b, alice, bob, charlie):
    return build_book(tenant_a, tenant_b, alice=alice, bob=bob)


def figures(row):
    return (row.accounts, row.starting_arr, row.churn, row.contraction, row.expansion, row.ending_arr)


def by(rows):
    return {row.label: row for row in rows}


def test_hand_computed_period_with_contraction_expansion_and_churn(book, tenant_a):
    with scope(tenant=tenant_a):
        [total] = metrics.retention(tenant=tenant_a, start=Q4_2025[0], end=Q4_2025[1], today=LATER)
    assert figures(total) == (6, 246_000, 10_000, 28_000, 15_000, 223_000)
    assert (total.grr, total.nrr) == (Decimal("0.845528"), Decimal("0.906504"))  # 208/246, 223/246
    assert (total.churned_accounts, total.contracted_accounts, total.expanded_accounts) == (1, 3, 1)
    assert total.logo_churn_rate == Decimal("0.166667")


def test_each_grouping_of_the_hand_computed_period(book, tenant_a, alice, bob):
    with scope(tenant=tenant_a):
        rows = {
            name: metrics.retention(tenant=tenant_a, start=Q4_2025[0], end=Q4_2025[1], group_by=name, today=LATER)
            for name in ("segment", "tier", "csm", "cohort")
        }
    assert [r.label for r in rows["segment"]] == ["Enterprise", "Mid-market", "SMB"]
    segment = by(rows["segment"])
    assert figures(segment["Enterprise"]) == (2, 160_000, 0, 20_000, 15_000, 155_000)
    assert (segment["Enterprise"].grr, segment["Enterprise"].nrr) == (Decimal("0.875"), Decimal("0.96875"))
    assert figures(segment["SMB"]) == (3, 46_000, 10_000, 8_000, 0, 28_000)
    assert segment["SMB"].grr == Decimal("0.608696") == segment["SMB"].nrr
    assert segment["SMB"].logo_churn_rate == Decimal("0.333333")
    # The new logo a5 is not in the cohort: mid-market is a6 alone, its renewal still open and in force.
    assert figures(segment["Mid-market"]) == (1, 40_000, 0, 0, 0, 40_000)
    assert segment["Mid-market"].grr == 1

    assert [r.label for r in rows["tier"]] == ["High touch", "Low touch", "Tech touch"]
    tier = by(rows["tier"])
    assert figures(tier["High touch"]) == figures(segment["Enterprise"])
    assert figures(tier["Low touch"]) == (2, 64_000, 0, 5_000, 0, 59_000)  # a4 24,000 -> 19,000; a6
    assert figures(tier["Tech touch"]) == (2, 22_000, 10_000, 3_000, 0, 9_000)

    assert [r.label for r in rows["csm"]] == ["Alice Admin", "Bob Csm", "No owner"]
    csm = by(rows["csm"])
    assert figures(csm["Alice Admin"]) == (3, 122_000, 10_000, 23_000, 0, 89_000)
    assert csm["Alice Admin"].key == str(alice.pk) and csm["Alice Admin"].grr == Decimal("0.729508")
    assert figures(csm["Bob Csm"]) == (2, 84_000, 0, 5_000, 15_000, 94_000)
    assert (csm["Bob Csm"].grr, csm["Bob Csm"].nrr) == (Decimal("0.940476"), Decimal("1.119048"))

    # a4 has no signing date: it belongs to the quarter it was created in (as in journeys' analytics).
    created = quarter_label(book["a4"].created_at.astimezone(tenant_a.zone).date())
    assert [r.label for r in rows["cohort"]] == ["2023-Q4", "2024-Q1", "2024-Q2", created]
    cohort = by(rows["cohort"])
    assert figures(cohort["2024-Q1"]) == figures(csm["Alice Admin"])
    assert figures(cohort[created]) == (1, 24_000, 0, 5_000, 0, 19_000)


def test_arr_on_a_day_follows_amendments_and_open_renewals(book, tenant_a):
    a1, a4, a6 = book["a1"].pk, book["a4"].pk, book["a6"].pk
    with scope(tenant=tenant_a):
        assert metrics.account_arr_on(tenant=tenant_a, on=D(2025, 10, 31), account_ids=[a1], today=LATER) == {
            a1: Decimal(100_000)
        }
        assert metrics.account_arr_on(tenant=tenant_a, on=D(2025, 11, 1), account_ids=[a1], today=LATER)[a1] == 80_000
        assert metrics.account_arr_on(tenant=tenant_a, on=D(2025, 5, 31), account_ids=[a4], today=LATER)[a4] == 20_000
        assert metrics.account_arr_on(tenant=tenant_a, on=D(2025, 6, 1), account_ids=[a4], today=LATER)[a4] == 24_000
        # a6's contract ended on 31 Dec with its renewal open: in force up to today, not after it.
        assert metrics.account_arr_on(tenant=tenant_a, on=D(2026, 2, 1), today=LATER)[a6] == 40_000
        assert a6 not in metrics.account_arr_on(tenant=tenant_a, on=D(2026, 2, 1), today=D(2026, 1, 15))
        # Churned a3: nothing after its end. The whole book on one day takes two queries.
        with CaptureQueriesContext(connection) as queries:
            on_new_year = metrics.account_arr_on(tenant=tenant_a, on=D(2026, 1, 1), today=LATER)
    assert len(queries) == 2
    assert book["a3"].pk not in on_new_year
    assert on_new_year[book["a5"].pk] == 30_000 and on_new_year[book["a2"].pk] == 75_000


def test_the_period_still_running_is_measured_up_to_today(book, tenant_a):
    with scope(tenant=tenant_a):
        [row] = metrics.retention(tenant=tenant_a, start=Q4_2025[0], end=Q4_2025[1], today=D(2025, 11, 15))
    # On 15 Nov: a1's seats removal (1 Nov) is in, the December changes and the year-end outcomes are not.
    assert figures(row) == (6, 246_000, 0, 20_000, 0, 226_000)


def test_renewal_rate_by_cohort_counts_only_renewals_due_in_the_period_with_an_outcome(book, tenant_a):
    with scope(tenant=tenant_a):
        [total] = metrics.renewal_rates(tenant=tenant_a, start=Q4_2025[0], end=Q4_2025[1], group_by=None)
        rows = by(metrics.renewal_rates(tenant=tenant_a, start=Q4_2025[0], end=Q4_2025[1]))
    # Due in Q4: a1 renewed, a3 churned, a8 contracted (still a renewal), a6 open.
    assert (total.due, total.closed, total.renewed, total.churned, total.rate) == (4, 3, 2, 1, Decimal("0.666667"))
    assert list(rows) == ["2023-Q4", "2024-Q1"]
    assert (rows["2024-Q1"].due, rows["2024-Q1"].renewed, rows["2024-Q1"].rate) == (3, 2, Decimal("0.666667"))
    assert (rows["2023-Q4"].due, rows["2023-Q4"].still_open, rows["2023-Q4"].rate) == (1, 1, None)


def test_report_new_logos_and_trend(book, tenant_a):
    with scope(tenant=tenant_a):
        period = period_for("custom", LATER, start=Q4_2025[0], last_day=D(2025, 12, 31))
        report = metrics.retention_report(tenant=tenant_a, period=period, today=LATER)
    assert period.label == "2025-Q4" and period.slug == "2025-10-01-to-2025-12-31"
    assert (report.new_accounts, report.new_arr) == (1, Decimal(30_000))
    assert figures(report.total) == (6, 246_000, 10_000, 28_000, 15_000, 223_000)
    assert [r.label for r in report.groups["segment"]] == ["Enterprise", "Mid-market", "SMB"]
    assert (report.renewals.due, report.renewals.rate) == (4, Decimal("0.666667"))
    trend = {point.label: point for point in report.trend}
    assert list(trend)[-1] == "2026-Q1 (to date)" and len(trend) == 8
    assert (trend["2025-Q4"].grr, trend["2025-Q4"].nrr) == (report.total.grr, report.total.nrr)
    assert trend["2024-Q2"].grr is None  # nothing in force then
    chart = report.chart()
    assert chart["grr"][-2] == 84.55 and chart["nrr"][-2] == 90.65
    data = report.as_dict()
    assert data["total"]["nrr"] == "0.906504" and data["period"]["label"] == "2025-Q4"


def test_other_tenants_never_count(book, tenant_b):
    with scope(tenant=tenant_b):
        [row] = metrics.retention(tenant=tenant_b, start=Q4_2025[0], end=Q4_2025[1], today=LATER)
    assert figures(row) == (1, 1_000_000, 1_000_000, 0, 0, 0)


def test_empty_book_has_no_rates(tenant_a):
    with scope(tenant=tenant_a):
        [row] = metrics.retention(tenant=tenant_a, start=Q4_2025[0], end=Q4_2025[1], today=LATER)
        [rate] = metrics.renewal_rates(tenant=tenant_a, start=Q4_2025[0], end=Q4_2025[1], group_by=None)
        assert metrics.retention(tenant=tenant_a, start=Q4_2025[0], end=Q4_2025[1], group_by="segment") == []
    assert (row.accounts, row.grr, row.nrr, row.logo_churn_rate, rate.rate) == (0, None, None, None, None)


@pytest.mark.parametrize(
    ("kind", "today", "start", "end"),
    [
        ("this_quarter", D(2026, 12, 1), D(2026, 10, 1), D(2027, 1, 1)),
        ("last_quarter", D(2026, 1, 15), D(2025, 10, 1), D(2026, 1, 1)),
        ("last_12_months", D(2026, 12, 1), D(2025, 12, 2), D(2026, 12, 2)),
        ("this_year", D(2026, 12, 1), D(2026, 1, 1), D(2027, 1, 1)),
    ],
)
def test_periods_of_the_picker(kind, today, start, end):
    period = period_for(kind, today)
    assert (period.start, period.end) == (start, end)


def test_pipeline_metrics_against_a_hand_computed_pipeline(tenant_a, alice, bob):
    account = make_account(tenant_a, 1, owner=alice)
    other = make_account(tenant_a, 2, owner=bob)
    with scope(tenant=tenant_a):

        def opportunity(value, identified_on, stage=None, on=None, owner_account=account):
            made = services.opportunity_create(
                tenant=tenant_a,
                account=owner_account,
                title=f"Seats {value}",
                kind="seats",
                value=Decimal(value),
                by=None,
                identified_on=identified_on,
            )
            if stage:
                reason = "Budget frozen" if stage == "lost" else ""
                services.opportunity_move(
                    opportunity=made, stage=stage, by=None, on=on, lost_reason=reason, add_to_contract=False
                )
            return made

        opportunity(10_000, D(2026, 1, 5))
        opportunity(5_000, D(2026, 1, 5), "qualified")
        opportunity(7_000, D(2026, 2, 1), "proposed", owner_account=other)
        opportunity(20_000, D(2026, 1, 1), "won", D(2026, 1, 31))  # 30 days
        opportunity(11_000, D(2026, 2, 1), "won", D(2026, 3, 13), owner_account=other)  # 40 days
        opportunity(4_000, D(2026, 1, 10), "lost", D(2026, 2, 10))
        opportunity(99_000, D(2025, 6, 1), "won", D(2025, 12, 1))  # closed before the period
        with CaptureQueriesContext(connection) as queries:
            found = metrics.pipeline_metrics(tenant=tenant_a, start=D(2026, 1, 1), end=D(2026, 4, 1))
        mine = metrics.pipeline_metrics(tenant=tenant_a, owner=alice, start=D(2026, 1, 1), end=D(2026, 4, 1))
        ever = metrics.pipeline_metrics(tenant=tenant_a)
    assert len(queries) == 2
    assert [(s.stage, s.count, s.value) for s in found.by_stage] == [
        ("identified", 1, 10_000),
        ("qualified", 1, 5_000),
        ("proposed", 1, 7_000),
        ("won", 2, 31_000),
        ("lost", 1, 4_000),
    ]
    assert (found.open_count, found.open_value, found.won_count, found.lost_count) == (3, 22_000, 2, 1)
    assert (found.close_rate, found.average_deal, found.average_days_to_close) == (
        Decimal("0.666667"),
        Decimal("15500.00"),
        35.0,
    )
    assert (mine.open_value, mine.won_count, mine.close_rate, mine.average_days_to_close) == (
        15_000,
        1,
        Decimal("0.5"),
        30.0,
    )
    assert (ever.won_count, ever.average_deal) == (3, Decimal("43333.33"))
    assert ever.as_dict()["close_rate"] == "0.750000"


def test_pipeline_without_closed_opportunities_has_no_rates(tenant_a):
    with scope(tenant=tenant_a):
        found = metrics.pipeline_metrics(tenant=tenant_a)
    assert (found.close_rate, found.average_deal, found.average_days_to_close, found.open_value) == (
        None,
        None,
        None,
        0,
    )
