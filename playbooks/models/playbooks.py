from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from tenancy.models import TenantOwned

from ..catalogue import OUTCOME_MEASURES, TRIGGERS


class OutcomeMeasure(models.TextChoices):
    HEALTH_RECOVERY = OUTCOME_MEASURES[0]
    RENEWAL_OUTCOME = OUTCOME_MEASURES[1]
    EXPANSION = OUTCOME_MEASURES[2]


TRIGGER_CHOICES = [(spec.key, spec.label) for spec in TRIGGERS.values()]


class Playbook(TenantOwned):
    """An admin's rule: when `trigger` fires for an account that meets every condition, take the actions in
    order. Its definition (trigger, conditions, actions) is versioned: every save that changes it writes a
    PlaybookVersion, and a run records the version it ran."""

    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    trigger = models.CharField(max_length=24, choices=TRIGGER_CHOICES)
    trigger_params = models.JSONField(default=dict, blank=True)
    # [{"field": "segment", "op": "in", "value": ["enterprise"]}, ...]: all must hold.
    conditions = models.JSONField(default=list, blank=True)
    # [{"type": "create_task", "title": "...", ...}, ...]: taken in order.
    actions = models.JSONField(default=list, blank=True)
    is_enabled = models.BooleanField("enabled", default=False)
    cooldown_days = models.PositiveSmallIntegerField(
        default=30, help_text="After a run for an account, the playbook waits this long before running for it again."
    )
    stop_when_resolved = models.BooleanField(
        default=True, help_text="Close its open tasks and end its cadences when what fired it resolves."
    )
    csm_may_run = models.BooleanField("CSMs may run it by hand", default=False, help_text="On their own accounts only.")
    outcome_measure = models.CharField(
        max_length=16, choices=OutcomeMeasure.choices, default=OutcomeMeasure.HEALTH_RECOVERY
    )
    version = models.PositiveIntegerField(default=1)
    # Why it stopped firing: a condition or action names a custom field, cadence or user that is gone.
    broken_reason = models.CharField(max_length=300, blank=True)
    # Which shipped default it started as (blank for the admin's own): defaults are made once per tenant.
    default_key = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Removed by an admin: off for good and out of the lists, kept because its runs are history.
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # An archived playbook's name is free for a new one.
            models.UniqueConstraint(
                fields=["tenant", "name"], condition=Q(archived_at__isnull=True), name="playbook_unique_name"
            ),
            models.UniqueConstraint(
                fields=["tenant", "default_key"], condition=~Q(default_key=""), name="playbook_default_once"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "trigger", "is_enabled"], name="playbook_trigger")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_broken(self) -> bool:
        return bool(self.broken_reason)

    def definition(self) -> dict:
        """What a version keeps, and what a run evaluates."""
        return {
            "trigger": self.trigger,
            "trigger_params": self.trigger_params,
            "conditions": self.conditions,
            "actions": self.actions,
            "cooldown_days": self.cooldown_days,
            "stop_when_resolved": self.stop_when_resolved,
        }


class PlaybookVersion(TenantOwned):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    definition = models.JSONField()
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["tenant", "playbook", "version"], name="playbook_version_once")]

    def __str__(self) -> str:
        return f"{self.playbook} v{self.version}"


class PlaybookSettings(TenantOwned):
    """The tenant's limits on automation."""

    daily_cap = models.PositiveIntegerField(
        default=500, help_text="At most this many playbook runs take actions per day in the tenant; the rest are held."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="playbook_settings_one_per_tenant")]

    def __str__(self) -> str:
        return "Playbook settings"
