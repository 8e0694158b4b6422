"""Engagement tracking: an open pixel and signed click redirects in every tracked email, and replies and
meetings logged by hand.

A click link carries the original URL and a signature over the delivery's token and that URL, so the
redirect goes only where the email pointed: a changed or foreign URL is refused, never followed.
"""

import datetime as dt
import html as html_lib
import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signing import Signer
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.models import Contact
from tenancy.models import User

from ..models import CalendarEntry, Delivery, DeliveryStatus, EngagementEvent, EngagementKind

CLICK_SALT = "communications.tracking.click"
# href="https://…" or href='https://…': the links a person can click in an HTML email.
LINK = re.compile(r"""(?P<attr>\bhref\s*=\s*)(?P<quote>["'])(?P<url>https?://[^"']+)(?P=quote)""", re.IGNORECASE)
LOGGED_KINDS = (EngagementKind.REPLY, EngagementKind.MEETING)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def click_signature(*, token: str, url: str) -> str:
    return Signer(salt=CLICK_SALT).signature(f"{token}\n{url}")


def click_signature_valid(*, token: str, url: str, signature: str) -> bool:
    return bool(signature) and constant_time_compare(click_signature(token=token, url=url), signature)


def click_url(*, delivery: Delivery, url: str) -> str:
    """The absolute tracking link that records a click and redirects to `url`."""
    query = urlencode({"u": url, "s": click_signature(token=delivery.token, url=url)})
    return _absolute(reverse("communications:track_click", kwargs={"token": public_token(delivery)})) + "?" + query


def open_pixel_url(*, delivery: Delivery) -> str:
    return _absolute(reverse("communications:track_open", kwargs={"token": public_token(delivery)}))


def tracked_body(*, delivery: Delivery, html: str) -> str:
    """The HTML with every http(s) link going through the click redirect, and the open pixel appended.

    Our own links (preferences, unsubscribe) stay as they are: they are not engagement with the content."""
    own = settings.SITE_URL.rstrip("/") + "/"

    def rewrite(match: re.Match) -> str:
        # The attribute holds HTML-escaped text ("&amp;"); the redirect must go to the URL it means.
        url = html_lib.unescape(match.group("url"))
        if url.startswith(own):
            return match.group(0)
        tracked = html_lib.escape(click_url(delivery=delivery, url=url), quote=True)
        quote = match.group("quote")
        return f"{match.group('attr')}{quote}{tracked}{quote}"

    body = LINK.sub(rewrite, html)
    pixel = (
        f'<img src="{html_lib.escape(open_pixel_url(delivery=delivery))}" width="1" height="1" alt="" '
        'style="display:block;border:0;width:1px;height:1px">'
    )
    closing = re.search(r"</body\s*>", body, re.IGNORECASE)
    if closing:
        return body[: closing.start()] + pixel + body[closing.start() :]
    return body + pixel


def public_token(delivery: Delivery) -> str:
    """What a tracking link carries: "<tenant id>.<the delivery's random token>"."""
    return f"{delivery.tenant_id}.{delivery.token}"


def delivery_record_open(*, delivery: Delivery, at: dt.datetime | None = None) -> Delivery:
    """Count an open; the first one sets `opened_at` and logs an open event (reports count a delivery once,
    and mail clients that prefetch images would otherwise fill the log)."""
    at = at or timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(tenant=delivery.tenant, pk=delivery.pk).update(open_count=F("open_count") + 1)
        # Compare-and-set: two pixels loaded at once log one first open.
        first = Delivery.objects.filter(tenant=delivery.tenant, pk=delivery.pk, opened_at__isnull=True).update(
            opened_at=at
        )
        if first:
            EngagementEvent.objects.create(
                tenant=delivery.tenant,
                delivery=delivery,
                entry_id=delivery.entry_id,
                contact_id=delivery.contact_id,
                kind=EngagementKind.OPEN,
                at=at,
            )
    delivery.refresh_from_db(fields=["opened_at", "open_count"])
    return delivery


def delivery_record_click(*, delivery: Delivery, url: str, at: dt.datetime | None = None) -> Delivery:
    """Count a click on `url` (already checked against its signature) and log it. A click means the
    email was opened, even when the pixel was blocked."""
    at = at or timezone.now()
    with transaction.atomic():
        Delivery.objects.filter(tenant=delivery.tenant, pk=delivery.pk).update(click_count=F("click_count") + 1)
        Delivery.objects.filter(tenant=delivery.tenant, pk=delivery.pk, clicked_at__isnull=True).update(clicked_at=at)
        Delivery.objects.filter(tenant=delivery.tenant, pk=delivery.pk, opened_at__isnull=True).update(opened_at=at)
        EngagementEvent.objects.create(
            tenant=delivery.tenant,
            delivery=delivery,
            entry_id=delivery.entry_id,
            contact_id=delivery.contact_id,
            kind=EngagementKind.CLICK,
            url=url[:1000],
            at=at,
        )
    delivery.refresh_from_db(fields=["opened_at", "clicked_at", "click_count"])
    return delivery


def engagement_event_log(
    *,
    entry: CalendarEntry,
    kind: str,
    contact: Contact | None,
    note: str,
    by: User | None,
    at: dt.datetime | None = None,
) -> EngagementEvent:
    """Log a reply or a meeting by hand, against the contact's delivery of the entry when there is one."""
    if kind not in LOGGED_KINDS:
        raise ValidationError({"kind": "Log a reply or a meeting; opens and clicks are tracked by themselves."})
    if contact is not None and contact.account_id != entry.account_id:
        raise ValidationError({"contact": f"{contact} is not a contact of {entry.account}."})
    at = at or timezone.now()
    if at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"at": "A reply or meeting that happened is in the past: check the date."})
    delivery = None
    if contact is not None:
        delivery = Delivery.objects.filter(tenant_id=entry.tenant_id, entry=entry, contact=contact).first()
    return EngagementEvent.objects.create(
        tenant_id=entry.tenant_id,
        delivery=delivery,
        entry=entry,
        contact=contact,
        kind=kind,
        note=note.strip()[:500],
        logged_by=by,
        at=at,
    )


def delivery_mark_read(*, delivery: Delivery, at=None) -> Delivery:
    """The contact read an in-app message (the customer's product reports it): `read_at` is the first time,
    a second report keeps it."""
    at = at or timezone.now()
    # Compare-and-set: two reports at once record one first read.
    Delivery.objects.filter(tenant_id=delivery.tenant_id, pk=delivery.pk, status=DeliveryStatus.AVAILABLE).update(
        status=DeliveryStatus.READ, read_at=at
    )
    delivery.refresh_from_db(fields=["status", "read_at"])
    return delivery
