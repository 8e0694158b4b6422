"""axe-core over the main pages, signed in: no serious or critical accessibility violation (labels,
contrast, duplicate ids, landmarks...). The report names each rule, its impact and the offending nodes."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from ..activities.builders import make_note, make_task
from ..communications.builders import at_local, contact_of, entry_for
from ..factories import PASSWORD
from ..renewals.builders import contract_for, make_account, renewal_of

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")
DUPLICATE_IDS = """() => {
  const seen = {};
  document.querySelectorAll("[id]").forEach((node) => { seen[node.id] = (seen[node.id] || 0) + 1; });
  return Object.keys(seen).filter((id) => seen[id] > 1);
}"""


@pytest.fixture
def book(tenant_a, alice, bob):
    """Bob's account with a contact, a renewal and calendar entries (two on one day reach the same person)."""
    acme = make_account(tenant_a, 1, owner=bob, segment="mid_market", acv=48_000)
    jane = contact_of(tenant_a, acme, 1, name="Jane Roe")
    renewal = renewal_of(tenant_a, contract_for(tenant_a, acme, days_to_end=60, arr=48_000))
    make_task(tenant_a, owner=alice, account=acme, title="Call Jane about the rollout", due_in=-1)
    make_note(tenant_a, account=acme, author=bob, body="Jane is happy with the rollout")
    day = dt.date.today() + dt.timedelta(days=2)
    for hour, team in ((10, "customer_success"), (11, "marketing")):
        entry_for(tenant_a, acme, at=at_local(tenant_a, day.year, day.month, day.day, hour), contacts=[jane], team=team)
    return {"account": acme, "renewal": renewal}


def _pages(book) -> list[str]:
    return [
        reverse("dashboard:home"),
        reverse("accounts:index"),
        reverse("activities:inbox"),
        reverse("activities:inbox") + "?owner=all",
        book["account"].get_absolute_url(),
        reverse("health:index"),
        reverse("journeys:index"),
        reverse("renewals:index"),
        book["renewal"].get_absolute_url(),
        reverse("communications:index"),
        reverse("communications:index") + "?view=list",
        reverse("dashboard:reports"),
        reverse("tenancy:tenant_settings"),
    ]


def _report(url: str, violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        nodes = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        lines.append(f"{url}: {violation['id']} ({violation['impact']}): {violation['help']} -> {nodes}")
    return "\n".join(lines)


def test_main_pages_have_no_serious_accessibility_violation(page, tenant_a, alice, book):
    page.goto("/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    axe = Axe()
    problems = []
    for url in _pages(book):
        response = page.goto(url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        violations = axe.run(page).response["violations"]
        if blocking := [v for v in violations if v["impact"] in BLOCKING]:
            problems.append(_report(url, blocking))
        # axe rates a duplicate id minor, but a label "for" it then names the wrong field.
        if twice := page.evaluate(DUPLICATE_IDS):
            problems.append(f"{url}: ids used more than once: {', '.join(twice)}")
    assert not problems, "\n".join(problems)


def test_the_first_tab_offers_to_skip_to_the_content(page, tenant_a, alice):
    page.goto("/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    skip.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
