import pytest
from django_scopes import scope
from playwright.sync_api import expect

from health.models import HealthScore

from ..factories import PASSWORD
from ..health.builders import health_story

pytestmark = pytest.mark.browser


def test_from_the_account_page_to_its_health_and_trend(page, tenant_a, alice):
    # Usage through ingestion, tickets, NPS and an invoice through the signal services, and a
    # snapshot for each of the last 20 days and today, as the nightly recompute would write them.
    acme = health_story(tenant_a, history_days=20)
    with scope(tenant=tenant_a):
        latest = HealthScore.objects.filter(tenant=tenant_a, account=acme).latest("day")
    page.goto("/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto("/accounts/?owner=all")
    page.get_by_role("link", name=acme.name).click()
    card = page.locator("#health-card")
    # The explanation arrives with the card's htmx load.
    expect(card.get_by_test_id("health-explanation")).to_have_text(latest.explanation)
    card.get_by_role("link", name="Health details").click()

    expect(page.get_by_role("heading", name=f"Health of {acme.name}")).to_be_visible()
    expect(page.get_by_test_id("health-explanation")).to_have_text(latest.explanation)
    expect(page.get_by_test_id("health-score")).to_have_text(str(latest.score))
    canvas = page.locator("#health-trend")
    expect(canvas).to_be_visible()
    drawn = page.evaluate(
        """() => {
            const chart = Chart.getChart("health-trend");
            const canvas = document.getElementById("health-trend");
            return {points: chart.data.datasets[0].data.length, width: canvas.width, height: canvas.height,
                    thresholds: chart.data.datasets.slice(1).map((d) => d.data[0])};
        }"""
    )
    assert drawn["points"] == 21
    assert drawn["width"] > 0 and drawn["height"] > 0
    assert drawn["thresholds"] == [70, 40]

    # A measure leads to the rows behind it.
    page.locator("#measures").get_by_role("link", name="Active seats").click()
    expect(page.locator("#measure-rows")).to_contain_text("Jane Roe")
    expect(page.locator("#measure-rows")).not_to_contain_text("Olga Gone")
