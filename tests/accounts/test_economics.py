"""Unit economics and the capacity planner, with the worked example of the service-model article."""

from decimal import Decimal

import pytest

from accounts.economics import (
    OVER_SERVICED,
    UNDER_INVESTED,
    TierLoad,
    account_economics,
    capacity_plan,
    capacity_totals,
    cost_per_customer,
    cost_share_pct,
    projected_count,
)
from accounts.models import ServiceModelSettings, ServiceTier


def _tier(**overrides) -> ServiceTier:
    fields = {
        "pk": 1,
        "name": "Low touch",
        "rank": 2,
        "acv_min": Decimal(10_000),
        "acv_max": Decimal(100_000),
        "accounts_per_csm_planned": 50,
        "csm_cost_per_year": Decimal(120_000),
        "shared_cost_per_customer": Decimal(600),
        "technology_cost_per_customer": Decimal(200),
    }
    fields.update(overrides)
    return ServiceTier(**fields)


def test_the_articles_worked_example_comes_out_exactly():
    tier = _tier()
    # CSM 120,000 / 50 accounts = 2,400 + 600 shared + 200 technology = 3,200 per customer.
    assert cost_per_customer(tier) == Decimal("3200.00")
    assert cost_share_pct(Decimal(3200), Decimal(30_000)) == Decimal("10.7")
    assert cost_share_pct(Decimal(3200), Decimal(15_000)) == Decimal("21.3")
    assert cost_share_pct(Decimal(3200), Decimal(60_000)) == Decimal("5.3")


@pytest.mark.parametrize(
    ("acv", "share", "flag"),
    [(30_000, "10.7", None), (15_000, "21.3", OVER_SERVICED), (60_000, "5.3", None), (80_000, "4.0", UNDER_INVESTED)],
)
def test_accounts_outside_five_to_fifteen_percent_are_flagged(acv, share, flag):
    policy = ServiceModelSettings(cost_share_min_pct=Decimal(5), cost_share_max_pct=Decimal(15))
    economics = account_economics(_tier(), Decimal(acv), policy)
    assert economics.share_pct == Decimal(share)
    assert economics.flag == flag


def test_no_revenue_means_no_share_and_no_flag():
    policy = ServiceModelSettings(cost_share_min_pct=Decimal(5), cost_share_max_pct=Decimal(15))
    economics = account_economics(_tier(), Decimal(0), policy)
    assert economics.share_pct is None and economics.flag is None


def test_capacity_planner_counts_whole_csms_and_costs():
    low = _tier()
    loads = [TierLoad(tier=low, accounts=100, arr=Decimal(3_000_000), acv=Decimal(3_000_000))]
    (row,) = capacity_plan(loads, projected={low.pk: 151})
    assert (row.csms_today, row.csms_projected) == (2, 4)  # 151 accounts at 50 a CSM need 4 people
    assert row.cost_today == Decimal(2 * 120_000 + 100 * 800)
    assert row.cost_projected == Decimal(4 * 120_000 + 151 * 800)
    assert row.arr_projected == Decimal(30_000 * 151)
    assert row.share_today == Decimal("10.7")


def test_capacity_planner_grows_todays_counts():
    high = _tier(pk=2, name="High touch", rank=3, accounts_per_csm_planned=12, csm_cost_per_year=Decimal(150_000))
    loads = [TierLoad(tier=high, accounts=24, arr=Decimal(4_800_000), acv=Decimal(4_800_000))]
    (row,) = capacity_plan(loads, growth_pct=Decimal(50), horizon_months=24)
    assert row.accounts_projected == 54  # 24 * 1.5^2
    assert row.csms_projected == 5
    totals = capacity_totals([row])
    assert totals["csms_today"] == 2 and totals["accounts_projected"] == 54


def test_projection_over_part_of_a_year():
    assert projected_count(100, growth_pct=Decimal(21), horizon_months=6) == 110
