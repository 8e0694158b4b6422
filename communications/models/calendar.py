"""The master calendar: every planned touchpoint of every team, for one account, in one place."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models import ContactRole
from core.imports.jobs import ImportJobBase
from tenancy.models import Team, TenantOwned


class MessageType(models.TextChoices):
    TRANSACTIONAL = "transactional", "Transactional"
    EDUCATIONAL = "educational", "Educational"
    RELATIONSHIP = "relationship", "Relationship"
    PROMOTIONAL = "promotional", "Promotional"
    OPERATIONAL = "operational", "Operational"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    IN_APP = "in_app", "In-app"
    CALL = "call", "Call or video"
    WEBINAR = "webinar", "Webinar"
    SMS = "sms", "SMS"
    COMMUNITY = "community", "Community"


class EntrySource(models.TextChoices):
    MANUAL = "manual", "Manual"
    CADENCE = "cadence", "Cadence"
    TRIGGER = "trigger", "Trigger"
    CAMPAIGN_IMPORT = "campaign_import", "Campaign import"


class EntryStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    SCHEDULED = "scheduled", "Scheduled"
    DEFERRED = "deferred", "Deferred"
    # Claimed by a delivery worker: sending now (a crash leaves it here, and the sweep takes it again).
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class CalendarEntry(TenantOwned):
    """One planned touchpoint for an account: who it reaches (named contacts, or the contacts with a
    role), what kind of message on which channel, which team and person own it, and when."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="calendar_entries")
    contacts = models.ManyToManyField("accounts.Contact", blank=True, related_name="calendar_entries")
    # Empty: the named contacts; a role: every active contact of the account with it at send time.
    audience_role = models.CharField(max_length=20, choices=ContactRole.choices, blank=True)
    message_type = models.CharField(max_length=16, choices=MessageType.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.EMAIL)
    team = models.CharField(max_length=20, choices=Team.choices, default=Team.CUSTOMER_SUCCESS)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="calendar_entries"
    )
    scheduled_at = models.DateTimeField()
    # Where it was planned before a cap or a blackout moved it.
    planned_at = models.DateTimeField(null=True, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # Merge-field fallbacks: {"contact.first_name": "there"}; a missing value without one blocks sending.
    fallbacks = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=16, choices=EntrySource.choices, default=EntrySource.MANUAL)
    status = models.CharField(max_length=18, choices=EntryStatus.choices, default=EntryStatus.DRAFT)
    # Why it was deferred, failed or is waiting: shown wherever the entry is.
    status_reason = models.CharField(max_length=500, blank=True)
    recipient_count = models.PositiveIntegerField(default=0, help_text="As counted when it was last scheduled.")
    needs_approval = models.BooleanField(default=False)
    enrollment = models.ForeignKey(
        "communications.Enrollment", null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    cadence_step = models.ForeignKey(
        "communications.CadenceStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    calendar_import = models.ForeignKey(
        "communications.CalendarImport", null=True, blank=True, on_delete=models.SET_NULL, related_name="entries"
    )
    # The id the sending system gave it (campaign imports): a second import of the same row updates it.
    external_ref = models.CharField(max_length=120, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Recipients a worker stopped while sending to (their delivery stayed "sending": whether the message
    # left is unknown, and the outbox never sends it twice). A sent entry with any is partly sent.
    unreached_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="calendar_entry_unique_external_ref",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "scheduled_at"], name="calendar_entry_due"),
            models.Index(fields=["tenant", "account", "scheduled_at"], name="calendar_entry_account"),
            models.Index(fields=["tenant", "owner", "scheduled_at"], name="calendar_entry_owner"),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("communications:entry", args=[self.pk])

    @property
    def is_partly_sent(self) -> bool:
        return self.status == EntryStatus.SENT and self.unreached_count > 0

    @property
    def is_exempt_from_caps(self) -> bool:
        # Receipts and password resets are expected; nobody is "over the cap" on them.
        return self.message_type == MessageType.TRANSACTIONAL


class ApprovalDecision(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Approval(TenantOwned):
    """Every step of a bulk send's approval: the request, and the leader's or admin's decision."""

    entry = models.ForeignKey(CalendarEntry, on_delete=models.CASCADE, related_name="approvals")
    decision = models.CharField(max_length=10, choices=ApprovalDecision.choices)
    recipient_count = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tenant", "entry", "at"], name="approval_entry")]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.by_id} at {self.at:%Y-%m-%d %H:%M}"


class CalendarImport(TenantOwned, ImportJobBase):
    """A CSV of marketing or support sends planned elsewhere, imported so they show and count against caps:
    the upload, the run's progress and outcome (core.imports.jobs)."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    # Checked at the upload, so the upload queues the run straight away.
    queued_status = Status.UPLOADED
    running_status = Status.RUNNING
    finished_statuses = (Status.DONE, Status.FAILED)
    complete_statuses = (Status.DONE,)

    team = models.CharField(max_length=20, choices=Team.choices, default=Team.MARKETING)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "created_at"], name="calendar_import_created")]

    def __str__(self) -> str:
        return self.original_name
