"""The engagement report: open, click and unsubscribe rates of emails sent in a period, counted once per
delivery, by type, cadence and team; the promotional-over-educational mix with flagged accounts; CSV."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from communications.models import Delivery
from communications.selectors.reports import NO_CADENCE, engagement_report
from communications.services import outbox, tracking
from communications.services.preferences import unsubscribe_one_click

from .builders import at_local, contact_of, entry_for, make_account

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 12, 2)


@pytest.fixture
def book(tenant_a, bob):
    acme = make_account(tenant_a, 1, owner=bob)
    globex = make_account(tenant_a, 2)
    return {
        "acme": acme,
        "globex": globex,
        "acme_people": [contact_of(tenant_a, acme, n) for n in range(1, 5)],
        "globex_people": [contact_of(tenant_a, globex, n) for n in range(5, 7)],
    }


def sent(tenant, account, contacts, *, day=2, hour=10, **kw) -> list[Delivery]:
    entry = entry_for(tenant, account, at=at_local(tenant, 2030, 12, day, hour), contacts=contacts, **kw)
    with scope(tenant=tenant):
        outbox.outbox_send_due(tenant=tenant, now=at_local(tenant, 2030, 12, day, hour, 1))
        return list(Delivery.objects.filter(entry=entry).order_by("pk"))


@pytest.fixture
def engagement(tenant_a, book):
    """Four educational emails from CS (two opened, one of them opened twice and clicked), two
    promotional from marketing (one unsubscribe through its link)."""
    edu = sent(tenant_a, book["acme"], book["acme_people"], message_type="educational")
    promo = sent(tenant_a, book["globex"], book["globex_people"], message_type="promotional", team="marketing", day=3)
    with scope(tenant=tenant_a):
        tracking.delivery_record_open(delivery=edu[0])
        tracking.delivery_record_open(delivery=edu[0])
        tracking.delivery_record_open(delivery=edu[1])
        tracking.delivery_record_click(delivery=edu[1], url="https://docs.example.com/")
        tracking.delivery_record_click(delivery=edu[1], url="https://docs.example.com/")
        unsubscribe_one_click(contact=promo[0].contact, entry=promo[0].entry)
        unsubscribe_one_click(contact=promo[0].contact, entry=promo[0].entry)
    return {"edu": edu, "promo": promo}


def report(tenant, start=DAY, end=DAY + dt.timedelta(days=6)):
    with scope(tenant=tenant):
        return engagement_report(tenant=tenant, start=start, end=end)


def test_rates_count_each_delivery_once(tenant_a, engagement):
    result = report(tenant_a)
    total = result.total
    assert (total.sent, total.opened, total.clicked, total.unsubscribed) == (6, 2, 1, 1)
    assert total.open_rate == Decimal("33.3") and total.click_rate == Decimal("16.7")
    by_type = {r.label: (r.sent, r.opened, r.clicked, r.unsubscribed) for r in result.groups["message_type"]}
    assert by_type == {"Educational": (4, 2, 1, 0), "Promotional": (2, 0, 0, 1)}
    by_team = {r.label: r.unsubscribe_rate for r in result.groups["team"]}
    assert by_team == {"Customer success": Decimal("0.0"), "Marketing": Decimal("50.0")}
    assert [r.label for r in result.groups["cadence"]] == [NO_CADENCE]


def test_the_period_bounds_are_the_tenants_days(tenant_a, engagement):
    assert report(tenant_a, DAY, DAY).total.sent == 4
    assert report(tenant_a, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=1)).total.sent == 2
    assert report(tenant_a, DAY - dt.timedelta(days=9), DAY - dt.timedelta(days=1)).total.sent == 0


def test_mix_flags_accounts_with_more_promotion_than_education(tenant_a, book):
    acme, globex = book["acme"], book["globex"]
    jane, gina = book["acme_people"][0], book["globex_people"][0]
    for day, kind in ((2, "educational"), (3, "educational"), (4, "promotional")):
        entry_for(tenant_a, acme, at=at_local(tenant_a, 2030, 12, day), contacts=[jane], message_type=kind)
    for day in (2, 9, 16, 23):
        entry_for(tenant_a, globex, at=at_local(tenant_a, 2030, 12, day), contacts=[gina], message_type="promotional")
    entry_for(tenant_a, globex, at=at_local(tenant_a, 2030, 12, 5), contacts=[gina], message_type="educational")
    entry_for(
        tenant_a,
        globex,
        at=at_local(tenant_a, 2030, 12, 6),
        contacts=[gina],
        message_type="promotional",
        schedule=False,
    )
    result = report(tenant_a, dt.date(2030, 12, 1), dt.date(2030, 12, 31))
    rows = {r.account_id: r for r in result.mix}
    assert (rows[globex.pk].promotional, rows[globex.pk].educational) == (4, 1)  # the draft is not counted
    assert rows[globex.pk].promotional_share == Decimal("80.0") and rows[globex.pk].flagged
    assert rows[acme.pk].promotional_share == Decimal("33.3") and not rows[acme.pk].flagged
    assert [r.account_id for r in result.mix] == [globex.pk, acme.pk]
    assert (result.mix_total.promotional, result.mix_total.educational) == (5, 3) and result.mix_total.flagged


def test_page_and_csv(tenant_a, engagement, book, bob, login, django_assert_max_num_queries):
    web = login(bob)
    query = {"start": "2030-12-01", "end": "2030-12-31"}
    with django_assert_max_num_queries(20):
        page = web.get(reverse("communications:reports"), query)
    assert page.status_code == 200
    body = page.content.decode()
    assert "33.3%" in body and "more promotion than education" in body
    response = web.get(reverse("communications:reports_csv"), query)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["section", "group", "sent"]
    assert rows[1][:6] == ["total", "All email", "6", "2", "1", "1"]
    mix = [r for r in rows if r[0] == "mix" and r[1] == "Account 002"]
    assert mix and mix[0][-1] == "yes"


def test_a_bad_period_falls_back_to_the_last_90_days(tenant_a, bob, login):
    page = login(bob).get(reverse("communications:reports"), {"start": "2030-12-31", "end": "2030-12-01"})
    assert page.status_code == 200
    assert (page.context["report"].end - page.context["report"].start).days == 89
