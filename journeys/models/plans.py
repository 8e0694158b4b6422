"""Success plans (value realisation): the outcomes an account bought for, measured over time."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.models import TenantOwned


class ObjectiveStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    AT_RISK = "at_risk", "At risk"
    ACHIEVED = "achieved", "Achieved"
    MISSED = "missed", "Missed"


class Objective(TenantOwned):
    """A business outcome with a metric, where it started, where it should be by when, and how it is measured."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=200)
    metric = models.CharField(max_length=120, help_text='The business metric, e.g. "Invoice processing time".')
    unit = models.CharField(max_length=24, blank=True, help_text='"hours", "%", "EUR"...')
    baseline = models.DecimalField(max_digits=14, decimal_places=2)
    target = models.DecimalField(max_digits=14, decimal_places=2)
    due_on = models.DateField(null=True, blank=True)
    source = models.CharField("data source", max_length=200, blank=True)
    calculation = models.CharField(max_length=300, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=ObjectiveStatus.choices, default=ObjectiveStatus.NOT_STARTED)
    # The latest measurement, kept here so plans and criteria read one row per objective.
    current = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    current_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["tenant", "account"], name="objective_account")]

    def __str__(self) -> str:
        return self.title

    @property
    def progress(self) -> float | None:
        """Achieved against target, 0-1: (current - baseline) / (target - baseline); works for "lower is better"."""
        if self.current is None or self.target == self.baseline:
            return None
        share = (Decimal(self.current) - self.baseline) / (self.target - self.baseline)
        return float(min(Decimal(1), max(Decimal(0), share)))


class Measurement(TenantOwned):
    """One recorded value of an objective's metric."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="measurements")
    value = models.DecimalField(max_digits=14, decimal_places=2)
    measured_on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["measured_on", "id"]
        indexes = [models.Index(fields=["tenant", "objective", "measured_on"], name="measurement_objective")]

    def __str__(self) -> str:
        return f"{self.value} on {self.measured_on}"


class Milestone(TenantOwned):
    """A dated step of the plan, optionally towards one objective."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="milestones")
    objective = models.ForeignKey(
        Objective, null=True, blank=True, on_delete=models.SET_NULL, related_name="milestones"
    )
    title = models.CharField(max_length=200)
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["tenant", "account", "due_on"], name="milestone_account")]

    def __str__(self) -> str:
        return self.title
