"""Cadences: templates of touchpoints at offsets from an anchor (a stage entered, a renewal date, a
contract start, a signal), and the enrolments of accounts in them."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models import ContactRole
from tenancy.models import Team, TenantOwned

from .calendar import Channel, MessageType


class CadenceAnchor(models.TextChoices):
    STAGE_ENTERED = "stage_entered", "Journey stage entered"
    RENEWAL_DATE = "renewal_date", "Renewal date"
    CONTRACT_START = "contract_start", "Contract start"
    SIGNAL_RAISED = "signal_raised", "Signal raised"
    ENROLLED = "enrolled", "Day of enrolment"


class Cadence(TenantOwned):
    key = models.SlugField(max_length=50, help_text="How other apps and the API name it, e.g. onboarding.")
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    anchor = models.CharField(max_length=16, choices=CadenceAnchor.choices)
    # What the anchor must be for other apps to enrol an account automatically: a journey stage
    # ("onboarding"), a signal kind ("nps_promoter"); empty for hand enrolment only.
    trigger = models.CharField(max_length=40, blank=True)
    # Only accounts in these health bands are enrolled automatically (e.g. retention: ["green"]); empty: any.
    health_bands = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField("in use", default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="cadence_unique_key")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communications:cadence", args=[self.pk])


class CadenceStep(TenantOwned):
    """One touchpoint of a cadence: a calendar entry template, `offset_days` from the anchor
    (negative before it: a renewal's T-90 is -90)."""

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(default=0)
    offset_days = models.IntegerField()
    send_hour = models.PositiveSmallIntegerField(default=10, help_text="Local hour of the tenant's time zone.")
    message_type = models.CharField(max_length=16, choices=MessageType.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.EMAIL)
    team = models.CharField(max_length=20, choices=Team.choices, default=Team.CUSTOMER_SUCCESS)
    audience_role = models.CharField(max_length=20, choices=ContactRole.choices, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    fallbacks = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["cadence", "offset_days", "position", "id"]
        indexes = [models.Index(fields=["tenant", "cadence", "offset_days"], name="cadence_step_order")]

    def __str__(self) -> str:
        return f"{self.cadence_id} day {self.offset_days:+}: {self.subject}"


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    EXITED = "exited", "Exited"


class Enrollment(TenantOwned):
    """An account in a cadence, from its anchor date; exited when the anchor no longer holds."""

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="enrollments")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="cadence_enrollments")
    anchor_on = models.DateField()
    # What the anchor is ("renewal:12", "track:7:onboarding", "signal:88"): one active enrolment each.
    anchor_ref = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=10, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE)
    exit_reason = models.CharField(max_length=300, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrolled_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "cadence", "account", "anchor_ref"],
                condition=models.Q(status="active"),
                name="enrollment_one_active",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "account", "status"], name="enrollment_account"),
            models.Index(fields=["tenant", "cadence", "status"], name="enrollment_cadence"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} in {self.cadence_id} from {self.anchor_on}"

    @property
    def owner_id(self) -> int | None:
        return self.account.owner_id
