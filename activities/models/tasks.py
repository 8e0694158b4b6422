import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tenancy.models import TenantOwned


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    SNOOZED = "snoozed", "Snoozed"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"
    CANCELLED = "cancelled", "Cancelled"


# A task is closed once someone completed, skipped or cancelled it; open and snoozed tasks are still work.
CLOSED = (TaskStatus.DONE, TaskStatus.SKIPPED, TaskStatus.CANCELLED)
LIVE = (TaskStatus.OPEN, TaskStatus.SNOOZED)


class Priority(models.TextChoices):
    HIGH = "high", "High"
    NORMAL = "normal", "Normal"
    LOW = "low", "Low"


class TaskKind(models.TextChoices):
    TO_DO = "todo", "To do"
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"
    EMAIL = "email", "Email"


class TaskSource(models.TextChoices):
    """Which app and object made a task. The object is `source_id`; the app that owns the kind registers
    how to link back to it (activities.sources)."""

    MANUAL = "manual", "By hand"
    RENEWAL_CHECKPOINT = "renewal_checkpoint", "Renewal checkpoint"
    CADENCE_STEP = "cadence_step", "Cadence step"
    JOURNEY_FLAG = "journey_flag", "Journey flag"
    HEALTH_SIGNAL = "health_signal", "Health signal"
    PLAYBOOK_RUN = "playbook_run", "Playbook run"


class Task(TenantOwned):
    """A CSM's to-do, with the reason it exists. Every app's tasks are rows of this one table."""

    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
        help_text="Empty for internal work.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    title = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    kind = models.CharField(max_length=8, choices=TaskKind.choices, default=TaskKind.TO_DO)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    due_on = models.DateField(help_text="The tenant's day the task is due.")
    due_at = models.DateTimeField(
        null=True, blank=True, help_text="The moment, where the source has one (a cadence step's send time)."
    )
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    snoozed_until = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=TaskSource.choices, default=TaskSource.MANUAL)
    source_id = models.BigIntegerField(null=True, blank=True, help_text="The object of the source's app.")
    # One task per source occurrence: a retried trigger finds the task it made instead of making a second.
    source_key = models.CharField(max_length=160, blank=True)
    outcome_note = models.CharField(max_length=1000, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "source_key"], condition=~Q(source_key=""), name="task_one_per_source_key"
            ),
            models.CheckConstraint(
                condition=~Q(status=TaskStatus.SNOOZED) | Q(snoozed_until__isnull=False),
                name="task_snoozed_has_a_day",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "owner", "status", "due_on"], name="task_owner_status_due"),
            models.Index(fields=["tenant", "account", "status"], name="task_account_status"),
            models.Index(fields=["tenant", "source", "source_id"], name="task_source"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:task", kwargs={"activity_task_id": self.pk})

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED

    def is_overdue(self, today: dt.date) -> bool:
        return self.status == TaskStatus.OPEN and self.due_on < today

    @property
    def source_url(self) -> str | None:
        from ..sources import source_url

        return source_url(self.source, self.source_id)

    def wakes_on(self) -> dt.date:
        """The day the task is work again: its snooze's end, or its due day."""
        return self.snoozed_until if self.status == TaskStatus.SNOOZED and self.snoozed_until else self.due_on
