"""Journey tracks: one account, several tracks (a product, a department, a use case), each in one stage."""

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from tenancy.models import TenantOwned


class Stage(models.TextChoices):
    """The six stages, in the order a track usually moves through them."""

    ONBOARDING = "onboarding", "Onboarding"
    ADOPTION = "adoption", "Adoption"
    RETENTION = "retention", "Retention"
    EXPANSION = "expansion", "Expansion"
    RENEWAL = "renewal", "Renewal"
    ADVOCACY = "advocacy", "Advocacy"

    @classmethod
    def position(cls, stage: str) -> int:
        return cls.values.index(stage)


class ScopeKind(models.TextChoices):
    PRODUCT = "product", "Product"
    DEPARTMENT = "department", "Department"
    USE_CASE = "use_case", "Use case"


class TrackStatus(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    BEHIND = "behind", "Behind"
    STALLED = "stalled", "Stalled"
    ENDED = "ended", "Ended"


class JourneyTrack(TenantOwned):
    """Where one part of an account stands. Its stage only changes through a recorded StageTransition."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="journey_tracks")
    name = models.CharField(max_length=120, help_text='What the track follows, e.g. "Core platform".')
    scope_kind = models.CharField(max_length=12, choices=ScopeKind.choices, default=ScopeKind.PRODUCT)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.ONBOARDING)
    stage_entered_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=TrackStatus.choices, default=TrackStatus.ON_TRACK)
    # Why the status is what it is, in a sentence: "41 days in onboarding, expected 30-60; 2 of 5 criteria met."
    status_reason = models.CharField(max_length=300, blank=True)
    criteria_met = models.PositiveSmallIntegerField(default=0)
    criteria_total = models.PositiveSmallIntegerField(default=0)
    status_checked_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["account__name", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "account", "name"], name="journey_track_unique_name"),
        ]
        indexes = [
            models.Index(fields=["tenant", "stage", "status"], name="journey_track_stage"),
            models.Index(fields=["tenant", "account"], name="journey_track_account"),
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("journeys:account_journey", args=[self.account_id]) + f"#track-{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    @property
    def owner_id(self) -> int | None:
        # A track is the account owner's to move.
        return self.account.owner_id

    def days_in_stage(self, now=None) -> int:
        return max(0, ((now or timezone.now()) - self.stage_entered_at).days)


class TransitionKind(models.TextChoices):
    START = "start", "Started"
    ADVANCE = "advance", "Advanced"
    SKIP = "skip", "Skipped ahead"
    REGRESS = "regress", "Regressed"
    REENTER = "reenter", "Re-entered"
    END = "end", "Ended"


class RegressionReason(models.TextChoices):
    CHAMPION_LEFT = "champion_left", "Champion left"
    BUDGET_CUT = "budget_cut", "Budget cut"
    MERGER = "merger", "Merger or acquisition"
    NEW_RELEASE = "new_release", "New release"
    COMPETITOR = "competitor", "Competitor evaluation"
    HEALTH_DECLINE = "health_decline", "Health decline"
    OTHER = "other", "Other"


class StageTransition(TenantOwned):
    """One recorded move of a track: who, when, from where to where, why, and the criteria as they stood."""

    track = models.ForeignKey(JourneyTrack, on_delete=models.CASCADE, related_name="transitions")
    kind = models.CharField(max_length=8, choices=TransitionKind.choices)
    from_stage = models.CharField(max_length=12, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=12, choices=Stage.choices, blank=True)
    reason = models.CharField(max_length=16, choices=RegressionReason.choices, blank=True)
    # A skip's reason, "other"'s text, a re-entry's why.
    reason_text = models.CharField(max_length=300, blank=True)
    note = models.TextField(blank=True)
    # [{"key", "label", "met", "kind", "detail"}] for the stage left, as evaluated at the move.
    criteria = models.JSONField(default=list, blank=True)
    overridden = models.BooleanField(default=False, help_text="Moved on with unmet criteria.")
    override_reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["tenant", "track", "at"], name="stage_transition_track"),
            models.Index(fields=["tenant", "kind", "at"], name="stage_transition_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.from_stage or '-'} to {self.to_stage or '-'}"

    @property
    def reason_label(self) -> str:
        if self.reason == RegressionReason.OTHER or not self.reason:
            return self.reason_text
        return self.get_reason_display()


class FlagKind(models.TextChoices):
    STALLED = "stalled", "Stalled in stage"
    CHAMPION_LOST = "champion_lost", "Champion lost"
    HEALTH_RED = "health_red", "Health entered red"


class FlagStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Regression confirmed"
    DISMISSED = "dismissed", "Dismissed"
    CLEARED = "cleared", "Cleared"


class TrackFlag(TenantOwned):
    """A track flagged for review: stalled, or a suggested regression a CSM confirms or dismisses.

    Nothing moves a track silently; one open flag per track and kind.
    """

    track = models.ForeignKey(JourneyTrack, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=16, choices=FlagKind.choices)
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    message = models.CharField(max_length=400)
    suggested_stage = models.CharField(max_length=12, choices=Stage.choices, blank=True)
    suggested_reason = models.CharField(max_length=16, choices=RegressionReason.choices, blank=True)
    data = models.JSONField(default=dict, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution_note = models.CharField(max_length=300, blank=True)
    # Not stored: the (value, label) stages a confirmed regression may go back to, which
    # journeys.selectors.flags.with_back_stages gives a flag the page shows.
    back_stages: list[tuple[str, str]]
    # Not stored: the task made from it, if any, which journeys.selectors.flags.flags_with_tasks gives it.
    task: Any

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "track", "kind"], condition=models.Q(status="open"), name="track_flag_one_open"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status", "kind"], name="track_flag_status")]

    def __str__(self) -> str:
        return self.message

    @property
    def owner_id(self) -> int | None:
        return self.track.account.owner_id

    @property
    def suggests_regression(self) -> bool:
        return bool(self.suggested_stage)
