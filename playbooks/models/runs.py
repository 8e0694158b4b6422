from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.models import TenantOwned

from .playbooks import Playbook


class RunStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    PARTIAL = "partial", "Done, some actions failed"
    FAILED = "failed", "Failed"
    # Fired, and the account did not meet the conditions.
    SKIPPED = "skipped", "Conditions not met"
    # Fired and matched, but the playbook held back (off, cool-down, the daily cap, broken): the group an
    # effectiveness report compares the runs with.
    HELD = "held", "Held back"


class HeldReason(models.TextChoices):
    NONE = "", "—"
    DISABLED = "disabled", "Playbook off"
    COOLDOWN = "cooldown", "In cool-down"
    DAILY_CAP = "daily_cap", "Daily cap reached"
    BROKEN = "broken", "Playbook broken"
    LOOP = "loop", "Caused by this playbook"


class PlaybookRun(TenantOwned):
    """One trigger occurrence for one account and one playbook: made once (the occurrence key is unique per
    playbook), processed off the commit by a worker, with the conditions as evaluated and each action's
    result."""

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="runs")
    version = models.PositiveIntegerField()
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=24)
    occurrence_key = models.CharField(max_length=200)
    # What fired it, frozen: the signal, the transition, the checkpoint, the person who ran it by hand.
    facts = models.JSONField(default=dict, blank=True)
    # [{"field", "op", "value", "actual", "held"}]: the conditions against the account as it was.
    conditions_evaluated = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.PENDING)
    held_reason = models.CharField(max_length=10, choices=HeldReason.choices, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who ran it by hand.",
    )
    fired_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When what fired it resolved (the signal, the flag): its open tasks were closed then.
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-fired_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "playbook", "occurrence_key"], name="playbook_run_once"),
        ]
        indexes = [
            models.Index(fields=["tenant", "playbook", "fired_at"], name="run_playbook_fired"),
            models.Index(fields=["tenant", "account", "fired_at"], name="run_account_fired"),
            models.Index(fields=["tenant", "status", "claimed_at"], name="run_status_claimed"),
        ]

    def __str__(self) -> str:
        return f"{self.playbook} for account {self.account_id}"


class ActionStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not needed"


class RunAction(TenantOwned):
    """One action of a run and what came of it; a redelivered run skips the actions already done."""

    run = models.ForeignKey(PlaybookRun, on_delete=models.CASCADE, related_name="action_results")
    position = models.PositiveSmallIntegerField()
    action_type = models.CharField(max_length=20)
    status = models.CharField(max_length=8, choices=ActionStatus.choices, default=ActionStatus.PENDING)
    result = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    # What it made, for the link: ("task", 12), ("enrollment", 7), ("opportunity", 3)...
    object_kind = models.CharField(max_length=20, blank=True)
    object_id = models.BigIntegerField(null=True, blank=True)
    at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["tenant", "run", "position"], name="run_action_once")]

    def __str__(self) -> str:
        return f"{self.action_type} ({self.status})"


class PreviewStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class PreviewJob(TenantOwned):
    """ "Over the last 30 days this would have fired N times for M accounts": computed in the background from
    stored history, for a saved playbook or the editor's unsaved definition."""

    playbook = models.ForeignKey(Playbook, null=True, blank=True, on_delete=models.CASCADE, related_name="previews")
    definition = models.JSONField()
    days = models.PositiveSmallIntegerField(default=30)
    status = models.CharField(max_length=8, choices=PreviewStatus.choices, default=PreviewStatus.WAITING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # {"fired": N, "accounts": M, "examples": [{"account_id", "account", "day", "facts", "actions": [...]}]}
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "playbook", "created_at"], name="preview_playbook")]

    def __str__(self) -> str:
        return f"Preview of {self.playbook or 'a draft'}"
