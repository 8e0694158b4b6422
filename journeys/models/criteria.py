"""Exit criteria per stage and the time a stage is expected to take, both configurable per tenant."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.models import TenantOwned

from .tracks import JourneyTrack, Stage


class CriterionKind(models.TextChoices):
    MANUAL = "manual", "Ticked by a person"
    DATA = "data", "Evaluated from data"


class ExitCriterion(TenantOwned):
    """What must hold before a track leaves a stage. A data criterion names a rule in journeys.selectors.criteria."""

    stage = models.CharField(max_length=12, choices=Stage.choices)
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=160)
    kind = models.CharField(max_length=8, choices=CriterionKind.choices, default=CriterionKind.MANUAL)
    # For data criteria: the rule's key (journeys.selectors.criteria.RULES) and its threshold where it takes one.
    rule = models.CharField(max_length=32, blank=True)
    threshold = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    help_text = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField("in use", default=True)

    class Meta:
        ordering = ["stage", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "stage", "key"], name="exit_criterion_unique_key")]
        indexes = [models.Index(fields=["tenant", "stage", "position"], name="exit_criterion_stage")]

    def __str__(self) -> str:
        return self.label


class CriterionCheck(TenantOwned):
    """A person's tick on a criterion for a track's current stay in the stage (cleared when it moves on).

    "First business value documented" can point at a success-plan objective instead of a bare tick.
    """

    track = models.ForeignKey(JourneyTrack, on_delete=models.CASCADE, related_name="checks")
    criterion = models.ForeignKey(ExitCriterion, on_delete=models.CASCADE, related_name="checks")
    objective = models.ForeignKey(
        "journeys.Objective", null=True, blank=True, on_delete=models.SET_NULL, related_name="criterion_checks"
    )
    note = models.CharField(max_length=300, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "track", "criterion"], name="criterion_check_once"),
        ]
        indexes = [models.Index(fields=["tenant", "track"], name="criterion_check_track")]

    def __str__(self) -> str:
        return f"{self.criterion} ✓"

    @property
    def owner_id(self) -> int | None:
        return self.track.account.owner_id


class StageExpectation(TenantOwned):
    """How long a stage is expected to take for a segment; past `max_days` a track is stalled.

    An empty `max_days` means the stage is ongoing (retention, advocacy): it never stalls.
    """

    stage = models.CharField(max_length=12, choices=Stage.choices)
    segment = models.CharField(max_length=16)
    min_days = models.PositiveIntegerField(default=0)
    max_days = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["stage", "segment"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "stage", "segment"], name="stage_expectation_unique"),
            models.CheckConstraint(
                condition=models.Q(max_days__isnull=True) | models.Q(max_days__gte=models.F("min_days")),
                name="stage_expectation_bounds",
            ),
        ]

    def __str__(self) -> str:
        upper = self.max_days if self.max_days is not None else "ongoing"
        return f"{self.stage} / {self.segment}: {self.min_days}-{upper} days"
