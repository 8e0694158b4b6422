"""Calendar feeds: secret links shown once, rotation that makes the old link 404, and an .ics that the
icalendar package parses back with one event per entry."""

import datetime as dt
import re

import icalendar
import pytest
from django.urls import reverse
from django_scopes import scope

from communications.models import CalendarFeed, FeedKind
from communications.services import feeds
from tenancy.models import Role

from .builders import at_local, contact_of, entry_for, make_account

pytestmark = pytest.mark.django_db


def _future(tenant, days=3, hour=10):
    day = dt.date.today() + dt.timedelta(days=days)
    return at_local(tenant, day.year, day.month, day.day, hour)


@pytest.fixture
def book(tenant_a, bob, alice):
    mine = make_account(tenant_a, 1, owner=bob)
    other = make_account(tenant_a, 2, owner=alice)
    jane = contact_of(tenant_a, mine, 1, name="Jane Roe")
    gina = contact_of(tenant_a, other, 2, name="Gina Other")
    return {"mine": mine, "other": other, "jane": jane, "gina": gina}


def _token(url: str) -> str:
    return re.search(r"/feeds/([^/]+)\.ics$", url).group(1)


def _parse(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar.get("prodid")
    assert str(calendar.get("version")) == "2.0"
    return list(calendar.walk("VEVENT"))


def test_user_feed_shows_own_accounts_and_own_entries_parsed_back(tenant_a, bob, alice, book, login, client):
    sent_by_marketing = entry_for(
        tenant_a,
        book["mine"],
        at=_future(tenant_a, 3, 10),
        contacts=[book["jane"]],
        message_type="promotional",
        team="marketing",
        subject="Spring offer",
    )
    owned_elsewhere = entry_for(
        tenant_a, book["other"], at=_future(tenant_a, 4), contacts=[book["gina"]], owner=bob, subject="Bob's touch"
    )
    not_bobs = entry_for(tenant_a, book["other"], at=_future(tenant_a, 5), contacts=[book["gina"]], owner=alice)
    draft = entry_for(tenant_a, book["mine"], at=_future(tenant_a, 6), contacts=[book["jane"]], schedule=False)
    web = login(bob)
    response = web.post(reverse("communications:feeds"), {"account": ""}, follow=True)
    url = response.context["new_url"]
    assert url.startswith("http") and url.endswith(".ics")
    # Shown once: the next visit has only its prefix.
    again = web.get(reverse("communications:feeds"))
    assert url not in again.content.decode()
    with scope(tenant=tenant_a):
        feed = CalendarFeed.objects.get(kind=FeedKind.USER, user=bob)
    assert feed.token_hash != _token(url) and len(feed.token_hash) == 64

    events = _parse(client.get(reverse("communications:feed_ics", kwargs={"token": _token(url)})))
    uids = {str(e.get("uid")) for e in events}
    assert uids == {f"entry-{sent_by_marketing.pk}@127.0.0.1", f"entry-{owned_elsewhere.pk}@127.0.0.1"}
    assert f"entry-{not_bobs.pk}@127.0.0.1" not in uids and f"entry-{draft.pk}@127.0.0.1" not in uids
    offer = next(e for e in events if str(e.get("uid")) == f"entry-{sent_by_marketing.pk}@127.0.0.1")
    assert str(offer.get("summary")) == "[Promotional · Marketing] Spring offer"
    start = offer.decoded("dtstart")
    assert start.utcoffset() == dt.timedelta(0)
    assert start == sent_by_marketing.scheduled_at
    assert offer.decoded("dtend") - start == dt.timedelta(minutes=30)
    assert offer.get("dtstamp") is not None
    description = str(offer.get("description"))
    assert "Account: Account 001" in description and "Channel: Email" in description and "Status:" in description


def test_cancelled_entries_are_cancelled_events_and_reasons_show(tenant_a, bob, book, client):
    entry = entry_for(tenant_a, book["mine"], at=_future(tenant_a, 2), contacts=[book["jane"]])
    with scope(tenant=tenant_a):
        from communications import services

        services.entry_cancel(entry=entry, by=None, reason="Customer asked for a pause")
        _feed, secret = feeds.feed_create(tenant=tenant_a, kind=FeedKind.ACCOUNT, account=book["mine"], by=bob)
    (event,) = _parse(client.get(reverse("communications:feed_ics", kwargs={"token": secret})))
    assert str(event.get("status")) == "CANCELLED"
    assert "Reason: Customer asked for a pause" in str(event.get("description"))


def test_rotating_makes_the_old_link_404_at_once(tenant_a, bob, book, login, client):
    with scope(tenant=tenant_a):
        feed, old = feeds.feed_create(tenant=tenant_a, kind=FeedKind.USER, by=bob)
    assert client.get(reverse("communications:feed_ics", kwargs={"token": old})).status_code == 200
    response = login(bob).post(reverse("communications:feed_rotate", kwargs={"feed_id": feed.pk}), follow=True)
    new = _token(response.context["new_url"])
    assert new != old
    assert client.get(reverse("communications:feed_ics", kwargs={"token": old})).status_code == 404
    assert client.get(reverse("communications:feed_ics", kwargs={"token": new})).status_code == 200


def test_unknown_token_and_left_member_404(tenant_a, book, member_of, client):
    assert client.get(reverse("communications:feed_ics", kwargs={"token": "nope"})).status_code == 404
    leaver = member_of(Role.CSM)
    with scope(tenant=tenant_a):
        _feed, secret = feeds.feed_create(tenant=tenant_a, kind=FeedKind.USER, by=leaver)
        from tenancy.models import Membership

        Membership.objects.filter(user=leaver).update(is_active=False)
    assert client.get(reverse("communications:feed_ics", kwargs={"token": secret})).status_code == 404


def test_other_peoples_feeds_cannot_be_rotated(tenant_a, alice, bob, book, login, charlie):
    with scope(tenant=tenant_a):
        feed, secret = feeds.feed_create(tenant=tenant_a, kind=FeedKind.USER, by=alice)
    assert login(bob).post(reverse("communications:feed_rotate", kwargs={"feed_id": feed.pk})).status_code == 404
    assert login(charlie).post(reverse("communications:feed_rotate", kwargs={"feed_id": feed.pk})).status_code == 404
    with scope(tenant=tenant_a):
        assert CalendarFeed.objects.get(pk=feed.pk).token_hash == feeds.feed_digest(secret)


def test_feed_list_and_ics_cost_bounded_queries(tenant_a, bob, book, login, client, django_assert_max_num_queries):
    for n in range(12):
        entry_for(
            tenant_a, book["mine"], at=_future(tenant_a, 10 + n), contacts=[book["jane"]], message_type="transactional"
        )
    with scope(tenant=tenant_a):
        _feed, secret = feeds.feed_create(tenant=tenant_a, kind=FeedKind.USER, by=bob)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("communications:feed_ics", kwargs={"token": secret}))
    assert len(_parse(response)) == 12
    web = login(bob)
    with django_assert_max_num_queries(15):
        assert web.get(reverse("communications:feeds")).status_code == 200


def test_a_new_feed_link_is_kept_nowhere_not_even_in_the_session(tenant_a, bob, login):
    web = login(bob)
    made = web.post(reverse("communications:feeds"), {"account": ""})
    url = made.context["new_url"]
    assert url in made.content.decode() and "no-store" in made["Cache-Control"]
    assert _token(url) not in repr(dict(web.session.items()))
    with scope(tenant=tenant_a):
        feed = CalendarFeed.objects.get(kind=FeedKind.USER, user=bob)
    rotated = web.post(reverse("communications:feed_rotate", kwargs={"feed_id": feed.pk}))
    new_url = rotated.context["new_url"]
    assert new_url != url and new_url in rotated.content.decode()
    assert _token(new_url) not in repr(dict(web.session.items()))
