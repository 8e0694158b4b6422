"""Tracking: every link of a sent email goes through a signed redirect that leads only to the original
link, the open pixel counts opens, and replies and meetings are logged by hand."""

import re
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope

from communications.models import Delivery, EngagementEvent, EngagementKind
from communications.services import outbox, tracking
from tenancy.models import Role

from .builders import at_local, contact_of, entry_for, make_account

pytestmark = pytest.mark.django_db

BODY = "Hi,\n\nour guide: https://docs.example.com/guide?a=1&b=2 and the forum https://community.example.org/."


def send(tenant, account, contacts, body=BODY, **kw):
    entry = entry_for(tenant, account, at=at_local(tenant, 2030, 12, 2, 10), contacts=contacts, body=body, **kw)
    with scope(tenant=tenant):
        outbox.outbox_send_due(tenant=tenant, now=at_local(tenant, 2030, 12, 2, 10, 1))
        return entry, list(Delivery.objects.filter(entry=entry).order_by("pk"))


def links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def html_of(message) -> str:
    return next(content for content, kind in message.alternatives if kind == "text/html")


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + "?" + parts.query if parts.query else parts.path


def test_sent_email_links_are_tracked_and_redirect_to_the_original(tenant_a, account, jane, client):
    entry, (delivery,) = send(tenant_a, account, [jane])
    html = html_of(mail.outbox[0])
    tracked = [u for u in links(html) if "/t/c/" in u]
    assert len(tracked) == 2
    targets = [parse_qs(urlsplit(u).query)["u"][0] for u in tracked]
    assert targets == ["https://docs.example.com/guide?a=1&b=2", "https://community.example.org/"]
    # The preference-centre link is ours and stays as it is.
    assert any("/communications/p/" in u for u in links(html))
    assert reverse("communications:track_open", kwargs={"token": tracking.public_token(delivery)}) in html

    response = client.get(path_and_query(tracked[0]))
    assert response.status_code == 302
    assert response["Location"] == "https://docs.example.com/guide?a=1&b=2"
    client.get(path_and_query(tracked[0]))
    with scope(tenant=tenant_a):
        delivery.refresh_from_db()
        clicks = list(EngagementEvent.objects.filter(delivery=delivery, kind=EngagementKind.CLICK))
    assert delivery.click_count == 2 and delivery.clicked_at is not None
    # A click means it was opened, pixel or not.
    assert delivery.opened_at is not None
    assert [c.url for c in clicks] == ["https://docs.example.com/guide?a=1&b=2"] * 2
    assert all(c.entry_id == entry.pk and c.contact_id == jane.pk for c in clicks)


def test_click_refuses_a_changed_or_foreign_url_and_never_redirects(tenant_a, account, jane, client):
    _entry, (delivery,) = send(tenant_a, account, [jane])
    good = tracking.click_url(delivery=delivery, url="https://docs.example.com/guide")
    query = parse_qs(urlsplit(good).query)
    base = reverse("communications:track_click", kwargs={"token": tracking.public_token(delivery)})
    attempts = [
        {"u": "https://evil.example.net/phish", "s": query["s"][0]},
        {"u": "https://docs.example.com/guide/../../evil", "s": query["s"][0]},
        {
            "u": "https://evil.example.net/",
            "s": tracking.click_signature(token="other", url="https://evil.example.net/"),
        },
        {"u": "javascript:alert(1)", "s": tracking.click_signature(token=delivery.token, url="javascript:alert(1)")},
        {"u": "https://docs.example.com/guide"},
        {},
    ]
    for params in attempts:
        response = client.get(base + "?" + urlencode(params))
        assert response.status_code == 400, params
        assert "Location" not in response
    with scope(tenant=tenant_a):
        delivery.refresh_from_db()
        assert delivery.click_count == 0
        assert not EngagementEvent.objects.filter(kind=EngagementKind.CLICK).exists()


def test_unknown_token_is_404(client):
    assert (
        client.get(reverse("communications:track_click", kwargs={"token": "nope"}) + "?u=https://x.y/").status_code
        == 404
    )
    assert client.get(reverse("communications:track_open", kwargs={"token": "nope"})).status_code == 404


def test_open_pixel_counts_every_load_and_logs_the_first(tenant_a, account, jane, client):
    _entry, (delivery,) = send(tenant_a, account, [jane])
    url = reverse("communications:track_open", kwargs={"token": tracking.public_token(delivery)})
    first = client.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "image/gif"
    assert first.content.startswith(b"GIF89a")
    assert "no-store" in first["Cache-Control"]
    client.get(url)
    with scope(tenant=tenant_a):
        delivery.refresh_from_db()
        opens = EngagementEvent.objects.filter(delivery=delivery, kind=EngagementKind.OPEN).count()
    assert delivery.open_count == 2 and delivery.opened_at is not None and opens == 1


def test_tracked_body_escapes_and_appends_pixel_inside_body(tenant_a, account, jane):
    _entry, (delivery,) = send(tenant_a, account, [jane])
    html = tracking.tracked_body(
        delivery=delivery, html='<html><body><a href="https://a.example/x?y=1&amp;z=2">x</a></body></html>'
    )
    (link,) = links(html)
    assert parse_qs(urlsplit(link).query)["u"] == ["https://a.example/x?y=1&z=2"]
    assert html.index("/t/o/") < html.index("</body>")
    assert "&amp;s=" in html


def test_log_a_reply_by_hand(tenant_a, account, jane, bob, login):
    entry, (delivery,) = send(tenant_a, account, [jane])
    url = reverse("communications:engagement_log", kwargs={"entry_id": entry.pk})
    web = login(bob)
    assert web.get(url).status_code == 200
    response = web.post(url, {"kind": "reply", "contact": jane.pk, "note": "Wants a demo of exports"})
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        event = EngagementEvent.objects.get(kind=EngagementKind.REPLY)
    assert (event.delivery_id, event.contact_id, event.logged_by_id, event.note) == (
        delivery.pk,
        jane.pk,
        bob.pk,
        "Wants a demo of exports",
    )


def test_a_viewer_and_another_csm_may_not_log(tenant_a, account, jane, member_of, login):
    entry, _ = send(tenant_a, account, [jane])
    url = reverse("communications:engagement_log", kwargs={"entry_id": entry.pk})
    for role in (Role.VIEWER, Role.CSM):
        response = login(member_of(role)).post(url, {"kind": "meeting", "contact": jane.pk})
        assert response.status_code == 403
    with scope(tenant=tenant_a):
        assert not EngagementEvent.objects.filter(kind=EngagementKind.MEETING).exists()


def test_a_contact_of_another_account_is_refused(tenant_a, account, jane, bob, login):
    entry, _ = send(tenant_a, account, [jane])
    stranger = contact_of(tenant_a, make_account(tenant_a, 2), 9)
    response = login(bob).post(
        reverse("communications:engagement_log", kwargs={"entry_id": entry.pk}),
        {"kind": "meeting", "contact": stranger.pk},
    )
    assert response.status_code == 200 and response.context["form"].errors["contact"]
