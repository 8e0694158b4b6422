import re

import pytest
from django_scopes import scope
from playwright.sync_api import expect

from renewals import selectors
from renewals.models import ForecastChange

from ..factories import PASSWORD
from ..renewals.builders import contract_for, make_account, renewal_of, today_of

pytestmark = pytest.mark.browser


def test_the_owner_moves_a_renewal_to_at_risk_and_sees_it_in_the_rollup(page, tenant_a, bob):
    today = today_of(tenant_a)
    _start, quarter_end = selectors.quarter_of(today)
    hooli = make_account(tenant_a, 1, owner=bob, segment="mid_market", acv=48_250)
    renewal = renewal_of(tenant_a, contract_for(tenant_a, hooli, days_to_end=(quarter_end - today).days, arr=48_250))

    page.goto("/login/")
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto("/renewals/")
    expect(page.get_by_test_id("rollup-at_risk")).to_contain_text("0")
    page.get_by_test_id(f"renewal-row-{renewal.pk}").get_by_role("link", name=hooli.name).click()
    expect(page.get_by_role("heading", name=re.compile(f"Renewal of {hooli.name}"))).to_be_visible()

    form = page.locator("#override-form")
    form.get_by_label("Forecast category").select_option("at_risk")
    form.get_by_label("Why?").fill("Champion left; the new VP is reviewing every tool")
    form.get_by_role("button", name="Set forecast").click()

    expect(page.get_by_role("alert").filter(has_text="set to at risk")).to_be_visible()
    expect(page.get_by_test_id("override-reason")).to_contain_text("Champion left; the new VP is reviewing every tool")
    with scope(tenant=tenant_a):
        change = ForecastChange.objects.filter(tenant=tenant_a, renewal=renewal).latest("changed_at", "id")
    assert (change.to_category, change.is_override, change.by_id) == ("at_risk", True, bob.pk)
    history = page.get_by_test_id(f"forecast-change-{change.pk}")
    expect(history).to_contain_text("At risk")
    expect(history).to_contain_text("Champion left; the new VP is reviewing every tool")
    expect(history).to_contain_text(str(bob))

    page.get_by_role("link", name="Renewals", exact=True).first.click()
    at_risk = page.get_by_test_id("rollup-at_risk")
    expect(at_risk).to_contain_text("48,250")
    expect(page.get_by_test_id("at-risk-arr")).to_contain_text(f"At-risk ARR: 48,250 {tenant_a.currency}")
    expect(page.get_by_test_id(f"forecast-{renewal.pk}")).to_have_text("At risk")
