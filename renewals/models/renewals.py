"""Renewals: each contract end, with its runway of checkpoints (each with the owner's task), a forecast category
(suggested from the data, overridable with a reason, every change kept) and, at the end, an outcome."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models import Segment
from accounts.models.tiers import MONEY
from activities.models import TaskStatus
from tenancy.models import TenantOwned

# The longest runway a segment may have (two years).
RUNWAY_MAX_DAYS = 730


class Forecast(models.TextChoices):
    COMMIT = "commit", "Commit"
    BEST_CASE = "best_case", "Best case"
    AT_RISK = "at_risk", "At risk"

    @classmethod
    def rank(cls, category: str) -> int:
        """Higher is safer: at risk 0, best case 1, commit 2."""
        return [cls.AT_RISK, cls.BEST_CASE, cls.COMMIT].index(category)


class RenewalStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Outcome(models.TextChoices):
    RENEWED = "renewed", "Renewed"
    EXPANDED = "expanded", "Expanded"
    CONTRACTED = "contracted", "Contracted"
    CHURNED = "churned", "Churned"


class Lever(models.TextChoices):
    """What the seed calls the levers that keep value in a negotiation."""

    MULTI_YEAR = "multi_year", "Multi-year term with discount"
    PAYMENT_TERMS = "payment_terms", "Flexible payment terms"
    BRIDGE = "bridge", "Bridge contract"


class Renewal(TenantOwned):
    """The renewal of one contract, due on its end date. Opened the day the contract is known."""

    contract = models.OneToOneField("renewals.Contract", on_delete=models.CASCADE, related_name="renewal")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="renewals")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="renewals"
    )
    due_on = models.DateField(help_text="The contract's end date.")
    arr = models.DecimalField("ARR up for renewal", **MONEY, default=0)
    status = models.CharField(max_length=8, choices=RenewalStatus.choices, default=RenewalStatus.OPEN)
    # The runway: when it started and, if that was later than the segment's runway asks, by how much.
    runway_started_on = models.DateField()
    runway_days = models.PositiveSmallIntegerField(default=0, help_text="The segment's full runway, e.g. 180.")
    is_late_start = models.BooleanField(default=False)
    # The forecast: what the data suggests (with its reasons) and what stands (the owner's override, if any).
    forecast = models.CharField(max_length=10, choices=Forecast.choices, default=Forecast.BEST_CASE)
    suggested_forecast = models.CharField(max_length=10, choices=Forecast.choices, default=Forecast.BEST_CASE)
    suggestion_reasons = models.JSONField(default=list, blank=True)
    suggested_at = models.DateTimeField(null=True, blank=True)
    is_override = models.BooleanField(default=False)
    override_reason = models.CharField(max_length=300, blank=True)
    # Suggestion and override disagree late in the runway: the leader should look.
    needs_review = models.BooleanField(default=False)
    review_reason = models.CharField(max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # The outcome, once closed.
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    outcome_arr = models.DecimalField("new ARR", **MONEY, null=True, blank=True)
    outcome_reason = models.ForeignKey(
        "renewals.OutcomeReason", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    levers = models.JSONField(default=list, blank=True)
    outcome_note = models.CharField(max_length=500, blank=True)
    new_contract = models.OneToOneField(
        "renewals.Contract", null=True, blank=True, on_delete=models.SET_NULL, related_name="renewal_of"
    )
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["tenant", "status", "due_on"], name="renewal_status_due"),
            models.Index(fields=["tenant", "account", "status"], name="renewal_account_status"),
            models.Index(fields=["tenant", "owner", "status"], name="renewal_owner_status"),
            models.Index(fields=["tenant", "due_on"], name="renewal_due"),
        ]

    def __str__(self) -> str:
        return f"Renewal of {self.contract} due {self.due_on}"

    def get_absolute_url(self) -> str:
        return reverse("renewals:renewal", args=[self.pk])

    def days_left(self, today: dt.date) -> int:
        return (self.due_on - today).days

    @property
    def is_open(self) -> bool:
        return self.status == RenewalStatus.OPEN

    @property
    def runway_begins_on(self) -> dt.date:
        """The day its account enters the renewal phase: the segment's runway days before the due date, or the
        day a contract known late opened it."""
        return max(self.due_on - dt.timedelta(days=self.runway_days), self.runway_started_on)


class ForecastChange(TenantOwned):
    """Every change of a renewal's forecast: a new suggestion from the data or a person's override."""

    renewal = models.ForeignKey(Renewal, on_delete=models.CASCADE, related_name="forecast_changes")
    from_category = models.CharField(max_length=10, choices=Forecast.choices, blank=True)
    to_category = models.CharField(max_length=10, choices=Forecast.choices)
    suggested = models.CharField(max_length=10, choices=Forecast.choices, help_text="What the data suggested then.")
    is_override = models.BooleanField(default=False)
    reason = models.CharField(max_length=500, blank=True)
    reasons = models.JSONField(default=list, blank=True, help_text="The suggestion's reasons then.")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["tenant", "renewal", "changed_at"], name="forecast_change_renewal")]

    def __str__(self) -> str:
        return f"{self.from_category or '-'} -> {self.to_category}"

    @property
    def owner_id(self) -> int | None:
        return self.renewal.owner_id


class CheckpointStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"


# What a checkpoint's task says, as the runway tells it: a snoozed task is still open work, a cancelled one
# (its renewal closed) was skipped.
CHECKPOINT_STATUS_OF_TASK = {
    TaskStatus.OPEN: CheckpointStatus.OPEN,
    TaskStatus.SNOOZED: CheckpointStatus.OPEN,
    TaskStatus.DONE: CheckpointStatus.DONE,
    TaskStatus.SKIPPED: CheckpointStatus.SKIPPED,
    TaskStatus.CANCELLED: CheckpointStatus.SKIPPED,
}


class Checkpoint(TenantOwned):
    """One step of a renewal's runway. The work it asks for (owner, due day, status, note) is its Task in
    activities (source renewal_checkpoint), so the inbox lists it beside every other task; the properties
    below read the task, which the selectors load with the checkpoint."""

    renewal = models.ForeignKey(Renewal, on_delete=models.CASCADE, related_name="checkpoints")
    days_before = models.PositiveSmallIntegerField(help_text="Where the runway puts it: T-minus this many days.")
    title = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    planned_on = models.DateField(help_text="The date the runway asks for (T-minus days_before).")
    task = models.OneToOneField(
        "activities.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The owner's task: due on the planned date, or a compressed one after a late start.",
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["tenant", "renewal", "position"], name="checkpoint_renewal"),
        ]

    def __str__(self) -> str:
        return f"T-{self.days_before} {self.title}"

    @property
    def due_on(self) -> dt.date:
        return self.task.due_on if self.task else self.planned_on

    @property
    def owner(self):
        return self.task.owner if self.task else None

    @property
    def owner_id(self) -> int | None:
        return self.task.owner_id if self.task else None

    @property
    def status(self) -> str:
        # A checkpoint whose task was deleted is nobody's work any more.
        return CHECKPOINT_STATUS_OF_TASK[TaskStatus(self.task.status)] if self.task else CheckpointStatus.SKIPPED

    @property
    def note(self) -> str:
        return self.task.outcome_note if self.task else ""

    @property
    def completed_by(self):
        return self.task.closed_by if self.task else None

    @property
    def completed_by_id(self) -> int | None:
        return self.task.closed_by_id if self.task else None

    @property
    def completed_at(self) -> dt.datetime | None:
        return self.task.closed_at if self.task else None

    @property
    def is_compressed(self) -> bool:
        return self.due_on != self.planned_on

    def is_overdue(self, today: dt.date) -> bool:
        return self.status == CheckpointStatus.OPEN and self.due_on < today


class RunwayStep(TenantOwned):
    """One checkpoint of a segment's renewal runway, as the tenant configures it."""

    segment = models.CharField(max_length=16, choices=Segment.choices)
    days_before = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(RUNWAY_MAX_DAYS)]
    )
    title = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    is_active = models.BooleanField("in use", default=True)

    class Meta:
        ordering = ["segment", "-days_before", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "segment", "days_before"], name="runway_step_unique_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_segment_display()} T-{self.days_before}: {self.title}"


class ReasonApplies(models.TextChoices):
    CHURN = "churn", "Churn"
    CONTRACTION = "contraction", "Contraction"
    BOTH = "both", "Churn and contraction"


class OutcomeReason(TenantOwned):
    """A churn or contraction reason of the tenant's list."""

    label = models.CharField(max_length=80)
    applies_to = models.CharField(max_length=12, choices=ReasonApplies.choices, default=ReasonApplies.BOTH)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField("in use", default=True)

    class Meta:
        ordering = ["position", "label", "id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "label"], name="outcome_reason_unique_label")]

    def __str__(self) -> str:
        return self.label


class RenewalSettings(TenantOwned):
    """A tenant's renewal rules: when disagreement needs a leader, what auto-renews, how to size expansion."""

    review_window_days = models.PositiveSmallIntegerField(
        default=60, help_text="Inside this many days before the end, an override the data disagrees with is flagged."
    )
    product_led_auto_renew = models.BooleanField(
        default=True, help_text="New product-led contracts auto-renew unless said otherwise."
    )
    default_notice_days = models.PositiveSmallIntegerField(default=30)
    expansion_estimate_pct = models.PositiveSmallIntegerField(
        default=20,
        validators=[MaxValueValidator(500)],
        help_text="An opportunity raised by a signal is first valued at this share of the account's ARR.",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="renewal_settings_one_per_tenant")]

    def __str__(self) -> str:
        return f"Renewal settings of tenant {self.tenant_id}"
