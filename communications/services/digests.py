"""Digests: a contact who chose a weekly, monthly or quarterly digest for a message type gets the messages
the outbox held back for it in one email, once the period is over (the week on Monday, the month on the
1st, the quarter on its first day, at the tenant's send hour or later).

Sent once, like a delivery: the `Digest` row (unique per contact, cadence and period) is committed before
the email leaves; a rerun or a second worker that finds it does not send again."""

import datetime as dt
from collections import defaultdict

from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.cohorts import quarter_label
from accounts.models import Contact
from core import tenant_time
from core.text import plural
from tenancy.models import Tenant

from ..composing import email as outgoing
from ..models import Delivery, DeliveryStatus, Digest, PreferenceChoice
from .preferences import digest_reason, list_unsubscribe_headers, preference_link

CADENCES = (PreferenceChoice.WEEKLY, PreferenceChoice.MONTHLY, PreferenceChoice.QUARTERLY)
REASONS = {digest_reason(cadence): cadence for cadence in CADENCES}


def digest_period(cadence: str, day: dt.date) -> str:
    """The period a day belongs to: '2026-W49', '2026-12' or '2026-Q4'."""
    if cadence == PreferenceChoice.WEEKLY:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if cadence == PreferenceChoice.MONTHLY:
        return f"{day:%Y-%m}"
    return quarter_label(day)


def _body(items: list[Delivery]) -> str:
    parts = [f"{item.subject}\n\n{item.body.strip()}".strip() for item in items]
    return ("\n\n" + "-" * 40 + "\n\n").join(parts)


def _reserve(tenant: Tenant, contact: Contact, cadence: str, period: str, count: int) -> Digest | None:
    try:
        with transaction.atomic(durable=True):
            return Digest.objects.create(
                tenant=tenant,
                contact=contact,
                cadence=cadence,
                period=period,
                item_count=count,
                to_address=contact.email,
            )
    except IntegrityError:
        return None


def digests_send_due(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Send every digest whose period has ended; returns how many were sent."""
    now = now or timezone.now()
    today = tenant_time.day_of(tenant, now)
    held = (
        Delivery.objects.filter(
            tenant=tenant, status=DeliveryStatus.SUPPRESSED, digest__isnull=True, error__in=list(REASONS)
        )
        .select_related("contact")
        .order_by("created_at", "id")
    )
    groups: dict[tuple[int, str, str], list[Delivery]] = defaultdict(list)
    for item in held:
        chosen = REASONS[item.error]
        period = digest_period(chosen, tenant_time.day_of(tenant, item.created_at))
        if period != digest_period(chosen, today):  # the period is over
            groups[(item.contact_id, chosen, period)].append(item)
    sent = 0
    connection = get_connection() if groups else None
    for (_, cadence, period), items in groups.items():
        contact = items[0].contact
        if not contact.email:
            continue
        digest = _reserve(tenant, contact, cadence, period, len(items))
        if digest is None:
            # Reserved before (sent, or a worker died around it): never twice; attach what it carried.
            digest = Digest.objects.get(tenant=tenant, contact=contact, cadence=cadence, period=period)
            if digest.status == DeliveryStatus.SENT:
                Delivery.objects.filter(tenant=tenant, pk__in=[i.pk for i in items]).update(digest=digest)
            continue
        preferences = preference_link(contact=contact)
        body = _body(items)
        message_id = outgoing.new_message_id()
        message = outgoing.message_build(
            to=contact.email,
            subject=f"Your {cadence} digest from {tenant.name}: {plural(len(items), 'message')}",
            text=outgoing.text_body(body, preferences_url=preferences),
            html=outgoing.html_body(body, preferences_url=preferences),
            message_id=message_id,
            headers=list_unsubscribe_headers(contact=contact),
        )
        message.connection = connection
        try:
            message.send()
        except Exception as error:
            # It did not leave: free the period for the next sweep.
            Digest.objects.filter(tenant=tenant, pk=digest.pk, status=DeliveryStatus.SENDING).delete()
            raise RuntimeError(f"The {cadence} digest to {contact.email} could not be sent: {error}") from error
        with transaction.atomic():
            Digest.objects.filter(tenant=tenant, pk=digest.pk).update(
                status=DeliveryStatus.SENT, sent_at=now, message_id=outgoing.sent_message_id(message, message_id)
            )
            Delivery.objects.filter(tenant=tenant, pk__in=[i.pk for i in items]).update(digest=digest)
        sent += 1
    return sent
