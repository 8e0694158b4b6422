"""Product usage: raw events as the SDKs send them, daily rollups that health reads, the catalogue of
event names with their points, ingestion errors, and the tenant's trait mapping."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tenancy.models import TenantOwned

DEFAULT_GROUP_TRAITS = {
    # Segment group trait -> account field (cf_<key> for a custom field).
    "name": "name",
    "website": "domain",
    "industry": "industry",
    "employees": "seats_purchased",
    "seats": "seats_purchased",
    "plan": "cf_plan",
    "arr": "arr",
}


class EventKind(models.TextChoices):
    TRACK = "track", "Track"
    PAGE = "page", "Page"
    SCREEN = "screen", "Screen"
    IDENTIFY = "identify", "Identify"
    GROUP = "group", "Group"
    ALIAS = "alias", "Alias"


class RawEvent(TenantOwned):
    """One call as received, append-only. `message_id` is unique per tenant: a retried batch counts once."""

    id = models.BigAutoField(primary_key=True)
    message_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=EventKind.choices)
    name = models.CharField(max_length=200, blank=True, help_text="The event, or the page or screen name.")
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    user_id = models.CharField(max_length=255, blank=True)
    anonymous_id = models.CharField(max_length=255, blank=True)
    group_id = models.CharField(max_length=255, blank=True)
    timestamp = models.DateTimeField(help_text="When it happened, corrected for the client's clock skew.")
    received_at = models.DateTimeField(default=timezone.now)
    properties = models.JSONField(default=dict, blank=True)
    context = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "message_id"], name="raw_event_unique_message"),
        ]
        indexes = [
            models.Index(fields=["tenant", "account", "timestamp"], name="raw_event_account_time"),
            models.Index(fields=["tenant", "timestamp"], name="raw_event_tenant_time"),
            models.Index(
                fields=["tenant", "anonymous_id"],
                name="raw_event_unattributed",
                condition=models.Q(account__isnull=True) & ~models.Q(anonymous_id=""),
            ),
            # Events waiting for their person or account: when a later group call makes the contact
            # or the account, ingestion finds them by these ids without scanning the tenant's events.
            models.Index(
                fields=["tenant", "user_id"],
                name="raw_event_waiting_user",
                condition=models.Q(account__isnull=True) & ~models.Q(user_id=""),
            ),
            models.Index(
                fields=["tenant", "group_id"],
                name="raw_event_waiting_group",
                condition=models.Q(account__isnull=True) & ~models.Q(group_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name or ''} {self.message_id}"


class EventRollup(TenantOwned):
    """Per account, contact, event name and day (in the tenant's time zone): how often and how many points.

    Health reads these, never raw events. Kept current by ingestion and rebuildable from raw events.
    Events of no known person roll up with an empty contact.
    """

    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False)
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    name = models.CharField(max_length=200)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)
    points = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))

    class Meta:
        constraints = [
            # NULLs are distinct in unique indexes: an empty contact counts as contact 0 here,
            # so the ingest path can upsert on exactly this key.
            models.UniqueConstraint(
                F("tenant"),
                F("account"),
                Coalesce("contact", Value(0)),
                F("name"),
                F("day"),
                name="event_rollup_unique_key",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "account", "day"], name="event_rollup_account_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.name} x{self.count}"


class AccountRollup(TenantOwned):
    """Per account, day and event name: the sum of that day's EventRollup rows over the account's people.

    The account's measures read these: a third of the rows of the per-person rollups, so a nightly
    run of every account reads a third as much. Ingestion adds to both in the same transaction, and
    both are re-weighted and rebuilt together, so an account's row always equals the sum of its people's.
    """

    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    name = models.CharField(max_length=200)
    count = models.PositiveIntegerField(default=0)
    points = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))

    class Meta:
        constraints = [
            # The upsert's key, and (account, day) first: the index the scoring reads by too.
            models.UniqueConstraint(fields=["tenant", "account", "day", "name"], name="account_rollup_unique_key"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.name} x{self.count}"


class EventDefinition(TenantOwned):
    """The catalogue: every event name a tenant's product has sent, with its points and flags."""

    name = models.CharField(max_length=200)
    points = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal(1),
        help_text="Weight of one occurrence: a login 1-2, a completed core workflow 7-10.",
    )
    is_core = models.BooleanField("core feature", default=False)
    is_advanced = models.BooleanField("advanced feature", default=False)
    is_locked = models.BooleanField("locked or gated feature", default=False)
    is_upgrade_page = models.BooleanField("upgrade page", default=False)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    volume = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="event_definition_unique_name")]

    def __str__(self) -> str:
        return self.name


class IngestionError(TenantOwned):
    """An event refused inside an otherwise valid request, kept with its reason for the admin."""

    id = models.BigAutoField(primary_key=True)
    received_at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=8, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=300)
    payload = models.JSONField(default=dict, help_text="The event as sent (cut to 4 KB).")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["tenant", "received_at"], name="ingestion_error_tenant_time")]

    def __str__(self) -> str:
        return self.reason


class IngestionSettings(TenantOwned):
    """How `group` traits fill account fields, and how long raw events are kept."""

    group_traits = models.JSONField(default=dict, help_text="Segment group trait -> account field (or cf_<key>).")
    create_unknown_accounts = models.BooleanField(
        default=True, help_text="A group call for an unknown groupId creates the account."
    )
    raw_retention_days = models.PositiveIntegerField(
        default=400, help_text="Raw events older than this are deleted by the retention command; rollups stay."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="ingestion_settings_one_per_tenant")]

    def __str__(self) -> str:
        return "ingestion settings"
