import pytest
from django.urls import reverse
from django_scopes import scope

from accounts import services

from ..accounts.builders import make_account
from ..factories import PASSWORD

pytestmark = pytest.mark.browser


def _cells(page, column: int) -> list[str]:
    return page.locator(f"#capacity-table tbody tr td:nth-child({column})").all_inner_texts()


def test_the_chart_draws_the_csms_of_the_table(page, tenant_a, alice):
    with scope(tenant=tenant_a):
        tiers = services.tiers_create_defaults(tenant=tenant_a)
    for n in range(60):
        make_account(tenant_a, n, acv=30_000, owner=alice)  # low touch: 2 CSMs today
    for n in range(60, 80):
        make_account(tenant_a, n, acv=150_000, segment="enterprise", owner=alice)  # high touch
    page.goto("/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    low = next(tier for tier in tiers if tier.touch_model.startswith("low"))
    page.goto(f"{reverse('accounts:capacity_planner')}?growth_pct=0&horizon_months=12&tier_{low.pk}=101")
    drawn = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.getElementById("capacity-chart"));
            const datasets = chart.data.datasets.map(d => ({label: d.label, data: d.data}));
            return {labels: chart.data.labels, datasets: datasets};
        }"""
    )

    # The table says "today → projected" in its CSMs column; the chart draws the same two numbers per tier.
    csms = [cell.split("→") for cell in _cells(page, 3)]
    assert drawn["labels"] == _cells(page, 1)
    assert drawn["datasets"] == [
        {"label": "CSMs needed today", "data": [int(today) for today, _ in csms]},
        {"label": "CSMs needed projected", "data": [int(projected) for _, projected in csms]},
    ]
    assert 3 in drawn["datasets"][1]["data"]  # 101 low-touch accounts need 3 CSMs: the plan reached the chart
