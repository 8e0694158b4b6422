"""Sending a partly sent entry again to the recipients it did not reach.

A worker killed while sending leaves its message's delivery "sending": whether it left is unknown, so the
outbox never sends it again by itself (a duplicate is the worse harm). The entry ends partly sent
(`unreached_count`). Its owner, who can ask the contact or the provider, may decide that those contacts
should get it: their unknown deliveries are removed (named in the entry's reason) and the entry goes back
to the outbox, which sends it to every recipient without a delivery, and to nobody it reached.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenancy.models import User

from ..models import CalendarEntry, Delivery, DeliveryStatus, EntryStatus


def entry_resend_unreached(*, entry: CalendarEntry, by: User | None) -> CalendarEntry:
    """Schedule a partly sent entry again, now, for the contacts a worker stopped while sending to."""
    with transaction.atomic():
        # Locked: a second click (or the API at the same moment) finds it scheduled already.
        locked = CalendarEntry.objects.select_for_update().get(tenant_id=entry.tenant_id, pk=entry.pk)
        if not locked.is_partly_sent:
            raise ValidationError("Only a partly sent entry is sent again: this one reached everyone it could.")
        unknown = Delivery.objects.filter(
            tenant_id=entry.tenant_id, entry=locked, status=DeliveryStatus.SENDING
        ).select_related("contact")
        names = sorted(d.contact.name for d in unknown)
        # Its worker is gone (the entry was settled by the one that took its claim over): the key is free.
        unknown.delete()
        now = timezone.now()
        locked.status, locked.scheduled_at, locked.claimed_at = EntryStatus.SCHEDULED, now, None
        locked.unreached_count, locked.sent_at = 0, None
        locked.status_reason = (
            f"Sending again to {', '.join(names)}, not reached before (a worker stopped while sending); "
            f"asked by {by or 'the system'}. Those it reached are not sent it again."
        )[:500]
        locked.save(
            update_fields=[
                "status",
                "scheduled_at",
                "claimed_at",
                "unreached_count",
                "sent_at",
                "status_reason",
                "updated_at",
            ]
        )
    return locked
