"""Every page shows a date, a moment and an amount of money one way (core.text): "6 Dec 2026",
"6 Dec 2026, 14:30", "46,000 EUR".

The pages are every web route of the URL resolver, rendered for the owner of a tenant that holds one object of
each kind (the isolation harness's makers: a contract, its renewal, an invoice, a calendar entry...), so a page
added later is checked without anyone listing it here. What a person reads is checked, the text between tags:
machine-readable values (form inputs, <time datetime>, links, chart data in json_script) keep their formats.
"""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django_scopes import scopes_disabled

from core.text import day, money

from ..routes import all_routes, make_one_of_each, route_url

MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
# (Without May, which is its own short name.)
FULL_MONTH = r"(?:January|February|March|April|June|July|August|September|October|November|December)"
# Every style the pages showed before core.text, and any other way to print a date or an amount.
OFF_STYLE = {
    "ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "dotted or slashed date": re.compile(r"\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b"),
    "month before day": re.compile(rf"\b{MONTH}\.? \d{{1,2}}\b(?!\d)"),
    "day without its year": re.compile(rf"\b\d{{1,2}} {MONTH}\b(?! \d{{4}})"),
    "full month name in a date": re.compile(rf"\b\d{{1,2}} {FULL_MONTH}\b"),
    "leading zero on a day": re.compile(rf"\b0\d {MONTH}\b"),
    "time since": re.compile(r"\d\xa0(?:minute|hour|day|week|month|year)s?"),
    "cents": re.compile(r"\d,\d{3}\.\d{2}\b|\.00 [A-Z]{3}\b"),
}
# Routes that are not pages: logging out or switching tenant changes the session, the rest are files.
NOT_PAGES = {"logout", "tenancy:tenant_switch"}

# The pages the issue names, which must render for this data (not just be skipped as a redirect or a 405).
PAGES_OF_EACH_KIND = [
    "accounts:index",
    "accounts:account_detail",
    "renewals:index",
    "renewals:renewal",
    "renewals:contracts",
    "renewals:contract",
    "renewals:pipeline",
    "renewals:opportunity_list",
    "renewals:opportunity",
    "renewals:metrics",
    "renewals:tasks",
    "communications:calendar",
    "communications:entry",
    "communications:tasks",
    "communications:imports",
    "health:signal_list",
    "health:account_health",
    "health:account_timeline",
    "health:signal_import_job",
    "journeys:index",
    "journeys:track_list",
    "accounts:import_list",
    "accounts:import_detail",
]


class _Text(HTMLParser):
    """The text a person reads: text nodes outside <script> and <style>."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def readable_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    # Collapse layout whitespace but keep the no-break space, the mark of Django's "time since".
    return re.sub(r"[ \t\r\n]+", " ", " ".join(parser.parts))


def off_style(text: str) -> list[str]:
    found = []
    for name, pattern in OFF_STYLE.items():
        for match in pattern.finditer(text):
            found.append(f"{name}: …{text[max(match.start() - 30, 0) : match.end() + 10].strip()}…")
    return found


def test_the_checks_catch_every_old_style_and_pass_the_house_style():
    for old in ["2026-12-06", "06.12.2026", "Dec 6, 2026", "Mon 6 Dec 14:30", "6 December 2026", "06 Dec 2026",
                "3\xa0days ago", "46,000.00 EUR", "12.00 EUR"]:  # fmt: skip
        assert off_style(f"Due {old}."), old
    assert off_style("Due 6 Dec 2026, 14:30 · 46,000 EUR · Week 49 of 2026 · December 2026 · 12 accounts") == []


@pytest.fixture
def one_of_each(tenant_a, alice, bob):
    return make_one_of_each(tenant_a)


def _pages(client, ids):
    for route in all_routes():
        if route.is_api or route.name in NOT_PAGES:
            continue
        response = client.get(route_url(route, ids))
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            yield route.name, response.content.decode()


def test_every_page_shows_dates_and_money_one_way(one_of_each, tenant_a, alice, login):
    from health.models import Invoice
    from renewals.models import Contract, ExpansionOpportunity, Renewal

    with scopes_disabled():
        contract = Contract.objects.get(pk=one_of_each["contract_id"])
        renewal = Renewal.objects.get(pk=one_of_each["renewal_id"])
        opportunity = ExpansionOpportunity.objects.get(pk=one_of_each["opportunity_id"])
        invoice = Invoice.objects.get(pk=one_of_each["invoice_id"])
    assert invoice.due_on == dt.date(2025, 1, 31) and invoice.amount == 1200  # what the makers promise

    pages = dict(_pages(login(alice), one_of_each))
    missing = [name for name in PAGES_OF_EACH_KIND if name not in pages]
    assert not missing, f"pages that did not render: {missing}"

    problems = []
    for name, html in pages.items():
        text = readable_text(html)
        problems += [f"{name}: {found}" for found in off_style(text)]
        # An amount of money the data holds never shows without its currency (the old "46,000" of list columns).
        for amount in (contract.current_arr, renewal.arr, opportunity.value, invoice.amount):
            bare = money(amount, tenant_a).removesuffix(f" {tenant_a.currency}")
            for match in re.finditer(rf"(?<![\d,]){re.escape(bare)}(?![\d,])(?! {tenant_a.currency})", text):
                problems.append(f"{name}: {bare} without its currency: …{text[match.start() - 30 : match.end() + 10]}…")
    assert not problems, "\n".join(problems)

    # The known values read as core.text prints them.
    expected = {
        "renewals:renewal": [day(renewal.due_on), money(renewal.arr, tenant_a)],
        "renewals:contract": [day(contract.start_on), day(contract.end_on), money(contract.current_arr, tenant_a)],
        "renewals:contracts": [day(contract.end_on), money(contract.current_arr, tenant_a)],
        "renewals:opportunity": [money(opportunity.value, tenant_a)],
        "renewals:opportunity_list": [money(opportunity.value, tenant_a)],
        "health:account_timeline": [day(invoice.due_on), money(invoice.amount, tenant_a)],
        "accounts:index": [money(contract.current_arr, tenant_a)],
    }
    for name, shown in expected.items():
        text = readable_text(pages[name])
        assert [value for value in shown if value not in text] == [], name
