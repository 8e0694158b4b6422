"""Delivery and engagement: each message to each contact is sent once, under a unique key; opens,
clicks, replies and meetings are counted against it. Calls, webinars and community posts are
the owner's tasks (activities.Task, source cadence_step)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.models import TenantOwned

from .calendar import CalendarEntry, Channel


def tracking_token() -> str:
    return secrets.token_urlsafe(16)


class DeliveryStatus(models.TextChoices):
    # The reservation, committed before the message leaves: nobody sends it again. Left so by a worker
    # that died around the send: whether it left is unknown.
    SENDING = "sending", "Sending (or unknown)"
    SENT = "sent", "Sent"
    # In-app: stored for the customer's product to fetch through the API.
    AVAILABLE = "available", "Available in-app"
    READ = "read", "Read in-app"
    # The contact's preferences held it back (none, or a digest that collects it).
    SUPPRESSED = "suppressed", "Suppressed by preference"
    FAILED = "failed", "Failed"


class Delivery(TenantOwned):
    """One message to one contact. `key` (entry:contact) is unique: a second worker or a retry that
    reaches the same message finds it and does not send again."""

    entry = models.ForeignKey(CalendarEntry, on_delete=models.CASCADE, related_name="deliveries")
    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="deliveries")
    key = models.CharField(max_length=80)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices)
    to_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    error = models.CharField(max_length=500, blank=True)
    token = models.CharField(max_length=32, default=tracking_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)
    click_count = models.PositiveIntegerField(default=0)
    # A message held for the contact's digest: the digest that carried it, once sent.
    digest = models.ForeignKey(
        "communications.Digest", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "key"], name="delivery_unique_key"),
            # Public links carry "<tenant>.<token>": the lookup is led by tenant like every other.
            models.UniqueConstraint(fields=["tenant", "token"], name="delivery_unique_token"),
        ]
        indexes = [
            models.Index(fields=["tenant", "contact", "channel", "created_at"], name="delivery_contact_channel"),
            models.Index(fields=["tenant", "entry"], name="delivery_entry"),
        ]

    def __str__(self) -> str:
        return self.key


class Digest(TenantOwned):
    """One digest email to one contact for one period ("2026-W49", "2026-12", "2026-Q4"): the messages their
    preference collected in it. Unique per period, and reserved before it leaves, like a delivery."""

    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="digests")
    cadence = models.CharField(max_length=10, help_text="weekly, monthly or quarterly.")
    period = models.CharField(max_length=10)
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.SENDING)
    item_count = models.PositiveIntegerField(default=0)
    to_address = models.CharField(max_length=254, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "contact", "cadence", "period"], name="digest_one_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.cadence} digest {self.period} for {self.contact_id}"


class EngagementKind(models.TextChoices):
    OPEN = "open", "Open"
    CLICK = "click", "Click"
    REPLY = "reply", "Reply"
    MEETING = "meeting", "Meeting booked"
    UNSUBSCRIBE = "unsubscribe", "Unsubscribe"


class EngagementEvent(TenantOwned):
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    entry = models.ForeignKey(CalendarEntry, on_delete=models.CASCADE, related_name="engagement")
    contact = models.ForeignKey("accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=12, choices=EngagementKind.choices)
    url = models.URLField(max_length=1000, blank=True)
    note = models.CharField(max_length=500, blank=True)
    # Replies and meetings are logged by a person; opens and clicks by the tracking endpoints.
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "entry", "kind"], name="engagement_entry_kind"),
            models.Index(fields=["tenant", "kind", "at"], name="engagement_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.entry_id}"
