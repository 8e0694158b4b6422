"""The account timeline: what it shows and in which tone, as the account page's card (htmx) and as a page."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from health.selectors import records as selectors
from tenancy.models import Role

from .builders import book_account, contact, record

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def story(tenant_a, bob):
    """An account with a P1 ticket, a late invoice, a detractor, a held QBR with an executive, and a promoter."""
    acme = book_account(tenant_a, 1, owner=bob)
    jane = contact(tenant_a, acme, "jane-1")
    now = timezone.now()
    record(tenant_a, "ticket", account=acme, subject="SSO down", priority="p1", opened_at=now - dt.timedelta(days=1))
    record(
        tenant_a,
        "invoice",
        account=acme,
        number="INV-7",
        amount=1200,
        issued_on=dt.date(2025, 1, 1),
        due_on=dt.date(2025, 1, 31),
        paid_on=dt.date(2025, 2, 12),
    )
    record(tenant_a, "nps", account=acme, contact=jane, score=3, comment="Too slow", responded_on=dt.date(2025, 1, 20))
    record(
        tenant_a,
        "meeting",
        account=acme,
        kind="qbr",
        title="Q1 review",
        status="held",
        executive_present=True,
        scheduled_at=now - dt.timedelta(days=10),
    )
    record(tenant_a, "subscription_change", account=acme, kind="seats_removed", effective_on=dt.date(2024, 12, 1))
    record(tenant_a, "nps", account=book_account(tenant_a, 2), score=10, responded_on=dt.date(2025, 1, 21))
    return acme


def test_timeline_merges_the_five_kinds_newest_first_with_their_tone(tenant_a, story):
    with scope(tenant=tenant_a):
        items = selectors.account_timeline(tenant=tenant_a, account=story)
    assert [(item["kind"], item["tone"]) for item in items] == [
        ("ticket", "bad"),
        ("meeting", "good"),
        ("invoice", "bad"),
        ("nps", "bad"),
        ("subscription_change", "bad"),
    ]
    titles = [item["title"] for item in items]
    assert titles == [
        "P1 ticket: SSO down",
        "QBR held: Q1 review",
        "Invoice INV-7 paid 12 days late",
        "NPS 3 (detractor) from Jane Roe",
        "Seats removed",
    ]
    assert items[1]["detail"] == "Executive present"
    assert items[2]["detail"] == "1,200 EUR, issued 1 Jan 2025, due 31 Jan 2025, paid 12 Feb 2025"
    assert items[2]["all_day"] and not items[0]["all_day"]
    with scope(tenant=tenant_a):
        assert [i["kind"] for i in selectors.account_timeline(tenant=tenant_a, account=story, limit=2, offset=2)] == [
            "invoice",
            "nps",
        ]


def test_tones_of_the_other_outcomes(tenant_a):
    acme = book_account(tenant_a, 1)
    now = timezone.now()
    record(
        tenant_a, "meeting", account=acme, kind="check_in", status="no_show", scheduled_at=now - dt.timedelta(days=1)
    )
    record(tenant_a, "ticket", account=acme, subject="How to", csat=5, opened_at=now - dt.timedelta(days=2))
    record(
        tenant_a,
        "invoice",
        account=acme,
        amount=10,
        issued_on=dt.date(2020, 1, 1),
        due_on=dt.date(2020, 1, 31),
        paid_on=dt.date(2020, 1, 30),
    )
    record(tenant_a, "nps", account=acme, score=7, responded_on=dt.date(2020, 2, 1))
    with scope(tenant=tenant_a):
        items = selectors.account_timeline(tenant=tenant_a, account=acme)
    assert [(item["title"], item["tone"]) for item in items] == [
        ("Check-in no-show", "bad"),
        ("P3 ticket: How to", "good"),
        ("NPS 7 (passive)", "neutral"),
        ("Invoice paid on time", "good"),
    ]


def test_the_card_is_a_partial_and_the_page_a_full_page(tenant_a, story, bob, login):
    url = reverse("health:account_timeline", args=[story.pk])
    client = login(bob)
    card = client.get(url, **HTMX)
    assert card.status_code == 200 and "HX-Request" in card["Vary"]
    body = card.content.decode()
    assert "<html" not in body and "navbar" not in body
    assert body.count('data-tone="bad"') == 4 and body.count('data-tone="good"') == 1
    assert "P1 ticket: SSO down" in body and "NPS 3 (detractor) from Jane Roe" in body
    assert f'href="{url}"' in body  # the link to the full page
    assert "Too slow" in body and "NPS 10" not in body  # another account's response stays there
    page = client.get(url)
    assert page.status_code == 200
    assert "<html" in page.content.decode() and "Timeline of Account 001" in page.content.decode()


def test_the_full_page_pages_through_older_items(tenant_a, login, alice):
    acme = book_account(tenant_a, 1)
    start = dt.date(2024, 1, 1)
    for day in range(60):
        record(
            tenant_a, "nps", account=acme, score=8, comment=f"day {day}", responded_on=start + dt.timedelta(days=day)
        )
    url = reverse("health:account_timeline", args=[acme.pk])
    client = login(alice)
    first = client.get(url).content.decode()
    assert "day 59" in first and "day 10" in first and "day 9" not in first and "Page 1 of 2" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "day 9" in second and "day 0" in second and "day 10" not in second
    assert client.get(url, **HTMX).content.decode().count("<li") == 50


def test_viewers_read_it_and_other_tenants_get_404(tenant_a, story, member_of, login, charlie):
    url = reverse("health:account_timeline", args=[story.pk])
    assert login(member_of(Role.VIEWER)).get(url, **HTMX).status_code == 200
    assert login(charlie).get(url, **HTMX).status_code == 404
    assert login(charlie).get(url).status_code == 404
    assert login(charlie).get(reverse("health:account_timeline", args=[999_999])).status_code == 404


def test_the_account_page_loads_the_card_with_htmx(tenant_a, story, bob, login):
    page = login(bob).get(reverse("accounts:account_detail", args=[story.pk])).content.decode()
    url = reverse("health:account_timeline", args=[story.pk])
    # Loaded after the page, and again when a task or a note changes (the notes CSMs log are on it).
    assert f'hx-get="{url}" hx-trigger="load, notes-changed from:body, tasks-changed from:body"' in page


def test_an_account_without_signals_says_how_they_arrive(tenant_a, alice, login):
    acme = book_account(tenant_a, 1)
    card = login(alice).get(reverse("health:account_timeline", args=[acme.pk]), **HTMX).content.decode()
    assert "No tickets, invoices, subscription changes, meetings, NPS responses or notes yet." in card


def test_the_card_costs_the_same_for_five_or_fifty_items(tenant_a, alice, login, django_assert_max_num_queries):
    acme = book_account(tenant_a, 1)
    jane = contact(tenant_a, acme, "jane-1")
    url = reverse("health:account_timeline", args=[acme.pk])
    client = login(alice)

    def add(n: int) -> None:
        for i in range(n):
            record(tenant_a, "nps", account=acme, contact=jane, score=i % 11, responded_on=dt.date(2025, 1, 1))

    add(5)
    with django_assert_max_num_queries(20) as few:
        client.get(url, **HTMX)
    add(45)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url, **HTMX)
