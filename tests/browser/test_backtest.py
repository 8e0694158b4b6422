import pytest
from django.core.cache import cache
from django.urls import reverse
from django_scopes import scope
from playwright.sync_api import expect

from health.services import backtest_jobs

from ..factories import PASSWORD
from ..health.builders import backtest_book, backtest_key

pytestmark = pytest.mark.browser


def test_the_backtest_shows_its_build_then_reloads_with_the_report(page, tenant_a, alice):
    today = backtest_book(tenant_a)
    key = backtest_key(tenant_a, today)
    cache.add(f"{key}:progress", (3, 12))  # a worker is building it, a quarter through
    page.goto("/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(reverse("health:backtest"))
    progress = page.get_by_test_id("backtest-progress")
    expect(progress).to_contain_text("3 of 12 days read")
    expect(page.get_by_role("progressbar", name="Backtest progress")).to_have_attribute("aria-valuenow", "25")

    # The worker finishes; the page, polling, reloads itself with the report.
    with scope(tenant=tenant_a):
        backtest_jobs.backtest_report_build(tenant=tenant_a, key=key, today=today)
    expect(page.get_by_test_id("lead-sentence")).to_be_visible()
    expect(progress).to_have_count(0)
    expect(page.locator("#backtest-30")).to_contain_text("Green")
    expect(page.get_by_test_id("outcome-counts")).to_contain_text("1 churned and 1 retained accounts.")
