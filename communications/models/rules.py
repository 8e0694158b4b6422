"""The rules that protect the customer, and the tenant's settings around them: frequency caps, blackout
rules, who may send what, each contact's preferences, calendar feeds and internal notifications."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from tenancy.models import Role, Team, TenantOwned

from .calendar import Channel, MessageType


class CommunicationSettings(TenantOwned):
    bulk_threshold = models.PositiveIntegerField(
        default=25, help_text="A send to more recipients than this needs a leader's or an admin's approval."
    )
    send_hour = models.PositiveSmallIntegerField(
        default=9,
        validators=[MaxValueValidator(23)],
        help_text="Deferred messages go out at this local hour of the next open day.",
    )
    slack_webhook_url = models.URLField(blank=True, help_text="A Slack incoming webhook for CSM alerts.")
    notify_by_email = models.BooleanField(default=True, help_text="Also email alerts to the account's CSM.")
    teams_per_week = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(10)],
        help_text="A person hearing from this many teams in one week is a conflict on the calendar.",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="communication_settings_one_per_tenant")]

    def __str__(self) -> str:
        return f"Communication settings of tenant {self.tenant_id}"


class FrequencyCap(TenantOwned):
    """At most this many non-transactional messages per contact on a channel, per week and per month
    (seed: 2 emails a week, 8 a month). Blank: no cap for that period."""

    channel = models.CharField(max_length=12, choices=Channel.choices)
    per_week = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    per_month = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "channel"], name="frequency_cap_one_per_channel")]

    def __str__(self) -> str:
        return f"{self.channel}: {self.per_week}/week, {self.per_month}/month"


class BlackoutKind(models.TextChoices):
    OPEN_P1_TICKET = "open_p1_ticket", "An open P1 ticket"
    RENEWAL_NEGOTIATION = "renewal_negotiation", "An active renewal negotiation"


class BlackoutRule(TenantOwned):
    """No messages of these types while the condition holds for the account (seed: no promotion during
    an open P1 ticket or inside a renewal negotiation)."""

    kind = models.CharField(max_length=20, choices=BlackoutKind.choices)
    message_types = models.JSONField(default=list, help_text="The message types it holds back, e.g. ['promotional'].")
    # Renewal negotiation: the days before the renewal date that count as negotiating (T-60 by default).
    window_days = models.PositiveSmallIntegerField(default=60)
    is_active = models.BooleanField("in use", default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kind"], name="blackout_rule_one_per_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()


class SendPermission(TenantOwned):
    """One allowed cell of the governance matrix: members of `team` with `role` may send `message_type`
    on `channel`. What is not listed is not allowed."""

    team = models.CharField(max_length=20, choices=Team.choices)
    role = models.CharField(max_length=10, choices=Role.choices)
    message_type = models.CharField(max_length=16, choices=MessageType.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "team", "role", "message_type", "channel"], name="send_permission_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team}/{self.role}: {self.message_type} by {self.channel}"


class PreferenceChoice(models.TextChoices):
    EVERY = "every", "Every message"
    WEEKLY = "weekly", "A weekly digest"
    MONTHLY = "monthly", "A monthly digest"
    QUARTERLY = "quarterly", "Quarterly"
    NONE = "none", "None"


class ContactPreference(TenantOwned):
    """A contact's choice for one message type; no row means every message. Transactional messages are
    always sent."""

    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="communication_preferences")
    message_type = models.CharField(max_length=16, choices=MessageType.choices)
    choice = models.CharField(max_length=10, choices=PreferenceChoice.choices, default=PreferenceChoice.EVERY)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "contact", "message_type"], name="contact_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.message_type}: {self.choice}"


class PreferenceChange(TenantOwned):
    """Every change of a preference, and where it came from: unsubscribe rates count these."""

    class Source(models.TextChoices):
        PREFERENCE_CENTRE = "preference_centre", "Preference centre"
        ONE_CLICK = "one_click", "One-click unsubscribe"
        API = "api", "API"
        STAFF = "staff", "Changed by staff"
        DEMO = "demo", "Demo"

    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="+")
    message_type = models.CharField(max_length=16, choices=MessageType.choices)
    from_choice = models.CharField(max_length=10, choices=PreferenceChoice.choices)
    to_choice = models.CharField(max_length=10, choices=PreferenceChoice.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    # The message whose link was used, when there was one.
    entry = models.ForeignKey(
        "communications.CalendarEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tenant", "contact", "at"], name="preference_change_contact")]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.message_type}: {self.from_choice} -> {self.to_choice}"


class FeedKind(models.TextChoices):
    USER = "user", "A user's accounts"
    ACCOUNT = "account", "One account"
    # The person's live tasks (activities.Task), each an all-day event on the day it is work.
    TASKS = "tasks", "A user's tasks"


class CalendarFeed(TenantOwned):
    """An iCalendar feed behind a secret: only its SHA-256 is kept, so the link is shown once and a
    rotation makes the old one stop working at once."""

    kind = models.CharField(max_length=8, choices=FeedKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64)
    token_prefix = models.CharField(max_length=12, help_text="The first characters, to recognise the link.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # The secret reads "<tenant>.<random>": the lookup is led by tenant like every other.
            models.UniqueConstraint(fields=["tenant", "token_hash"], name="calendar_feed_unique_token"),
            models.UniqueConstraint(
                fields=["tenant", "user"], condition=models.Q(kind="user"), name="calendar_feed_one_per_user"
            ),
            models.UniqueConstraint(
                fields=["tenant", "user"], condition=models.Q(kind="tasks"), name="calendar_feed_one_tasks_per_user"
            ),
            models.UniqueConstraint(
                fields=["tenant", "account", "created_by"],
                condition=models.Q(kind="account"),
                name="calendar_feed_one_per_account_and_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} feed {self.token_prefix}…"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Notification(TenantOwned):
    """An internal alert for a CSM (Slack and/or email), e.g. "Power user at Acme inactive 21 days.
    Seat use down 14%. Time for a check-in." One per source, however often the source is re-announced."""

    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=1000)
    # What raised it ("health_signal:88"): unique, so a retry or a second announcement never alerts twice.
    source_key = models.CharField(max_length=80)
    status = models.CharField(max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING)
    slack_sent = models.BooleanField(default=False)
    email_sent = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "source_key"], name="notification_unique_source")]
        indexes = [models.Index(fields=["tenant", "status", "created_at"], name="notification_status")]

    def __str__(self) -> str:
        return self.text
