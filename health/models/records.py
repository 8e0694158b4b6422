"""The customer's records behind the support, financial and relationship signal families.

Each row may carry the id the source system uses (`external_id`), so a re-sent
row updates instead of duplicating.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from tenancy.models import TenantOwned

MONEY = {"max_digits": 14, "decimal_places": 2}


class Record(TenantOwned):
    """What every record has: the account, the source's id, and when it was recorded here."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


def _external_id_unique(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=["tenant", "external_id"], condition=~models.Q(external_id=""), name=name)


class TicketPriority(models.TextChoices):
    P1 = "p1", "P1 (urgent)"
    P2 = "p2", "P2 (high)"
    P3 = "p3", "P3 (normal)"
    P4 = "p4", "P4 (low)"


class TicketStatus(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


class TicketSentiment(models.TextChoices):
    POSITIVE = "positive", "Positive"
    NEUTRAL = "neutral", "Neutral"
    NEGATIVE = "negative", "Negative"


class SupportTicket(Record):
    contact = models.ForeignKey("accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    subject = models.CharField(max_length=300)
    priority = models.CharField(max_length=4, choices=TicketPriority.choices, default=TicketPriority.P3)
    status = models.CharField(max_length=8, choices=TicketStatus.choices, default=TicketStatus.OPEN)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    csat = models.PositiveSmallIntegerField(
        "CSAT",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 (very unsatisfied) to 5 (very satisfied).",
    )
    sentiment = models.CharField(max_length=8, choices=TicketSentiment.choices, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [_external_id_unique("support_ticket_unique_external_id")]
        indexes = [models.Index(fields=["tenant", "account", "opened_at"], name="ticket_account_opened")]

    def __str__(self) -> str:
        return self.subject


class Invoice(Record):
    number = models.CharField(max_length=60, blank=True)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    issued_on = models.DateField()
    due_on = models.DateField()
    paid_on = models.DateField(null=True, blank=True)
    amount_paid = models.DecimalField(**MONEY, default=Decimal(0), validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["-due_on"]
        constraints = [_external_id_unique("invoice_unique_external_id")]
        indexes = [models.Index(fields=["tenant", "account", "due_on"], name="invoice_account_due")]

    def __str__(self) -> str:
        return self.number or f"Invoice due {self.due_on}"

    def is_paid_by(self, day) -> bool:
        return self.paid_on is not None and self.paid_on <= day

    def days_late(self, today) -> int:
        """Days past due as they stood on `today`: until paid, or until `today` while unpaid then."""
        end = self.paid_on if self.is_paid_by(today) else today
        return max((end - self.due_on).days, 0)


class SubscriptionChangeKind(models.TextChoices):
    UPGRADE = "upgrade", "Plan upgrade"
    DOWNGRADE = "downgrade", "Plan downgrade"
    SEATS_ADDED = "seats_added", "Seats added"
    SEATS_REMOVED = "seats_removed", "Seats removed"


class SubscriptionChange(Record):
    kind = models.CharField(max_length=16, choices=SubscriptionChangeKind.choices)
    effective_on = models.DateField()
    plan_before = models.CharField(max_length=80, blank=True)
    plan_after = models.CharField(max_length=80, blank=True)
    seats_before = models.PositiveIntegerField(null=True, blank=True)
    seats_after = models.PositiveIntegerField(null=True, blank=True)
    arr_before = models.DecimalField(**MONEY, null=True, blank=True)
    arr_after = models.DecimalField(**MONEY, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-effective_on"]
        constraints = [_external_id_unique("subscription_change_unique_external_id")]
        indexes = [models.Index(fields=["tenant", "account", "effective_on"], name="subscription_account_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_on}"


class MeetingKind(models.TextChoices):
    CHECK_IN = "check_in", "Check-in"
    QBR = "qbr", "QBR"
    ONBOARDING = "onboarding", "Onboarding session"
    EXECUTIVE = "executive", "Executive meeting"
    TRAINING = "training", "Training"
    OTHER = "other", "Other"


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    NO_SHOW = "no_show", "No-show"
    CANCELLED = "cancelled", "Cancelled"


class Meeting(Record):
    """A meeting or other touchpoint with the account, and whether it happened."""

    kind = models.CharField(max_length=16, choices=MeetingKind.choices, default=MeetingKind.CHECK_IN)
    title = models.CharField(max_length=200, blank=True)
    scheduled_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    executive_present = models.BooleanField(default=False)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-scheduled_at"]
        constraints = [_external_id_unique("meeting_unique_external_id")]
        indexes = [models.Index(fields=["tenant", "account", "scheduled_at"], name="meeting_account_time")]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()


class NpsResponse(Record):
    contact = models.ForeignKey("accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    comment = models.TextField(blank=True)
    responded_on = models.DateField()

    class Meta:
        ordering = ["-responded_on"]
        constraints = [_external_id_unique("nps_response_unique_external_id")]
        indexes = [models.Index(fields=["tenant", "account", "responded_on"], name="nps_account_day")]

    def __str__(self) -> str:
        return f"NPS {self.score} on {self.responded_on}"

    @property
    def category(self) -> str:
        return "promoter" if self.score >= 9 else "passive" if self.score >= 7 else "detractor"
