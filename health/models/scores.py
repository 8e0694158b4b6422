"""Health scores: the tenant's health model (versioned, per segment), one snapshot per account and day,
contacts' own scores, the signals that deserve action, and the runs that recompute them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenancy.models import TenantOwned


class Band(models.TextChoices):
    GREEN = "green", "Green"
    YELLOW = "yellow", "Yellow"
    RED = "red", "Red"


class HealthModel(TenantOwned):
    """One version of a tenant's health model, for every segment (blank) or for one segment.

    A save makes a new version and leaves the old one in place: snapshots name the version that
    scored them, so a score that moved because the weights changed can say so.
    """

    segment = models.CharField(max_length=16, blank=True, help_text="Blank: the model for every segment.")
    version = models.PositiveIntegerField()
    is_current = models.BooleanField(default=True)
    # {measure key: {"weight": float, "curve": [[raw, points], ...]}}; keys from health.scoring.measures.
    measures = models.JSONField(default=dict)
    # [{"key", "label", "family", "source": "field"|"custom_field"|"metric", "name", "weight",
    #   "rules": [{"op": ">=", "value": 10, "points": 100}, ...], "default_points": null}]
    custom_measures = models.JSONField(default=list, blank=True)
    green_from = models.PositiveSmallIntegerField(default=70)
    yellow_from = models.PositiveSmallIntegerField(default=40)
    # Power users: the top share of an account's contacts by weighted points over the window.
    power_user_share = models.DecimalField(max_digits=4, decimal_places=2, default=0.2)
    # Days a resolved signal of a kind stays quiet before it may be raised again ({kind: days});
    # read from the all-segments model.
    signal_cooldowns = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True, help_text="What changed in this version, in a line.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["segment", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "segment", "version"], name="health_model_unique_version"),
            models.UniqueConstraint(
                fields=["tenant", "segment"], condition=models.Q(is_current=True), name="health_model_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.segment or 'All segments'} v{self.version}"

    def band_for(self, score: float | None) -> str:
        if score is None:
            return ""
        if score >= self.green_from:
            return Band.GREEN
        return Band.YELLOW if score >= self.yellow_from else Band.RED


class HealthScore(TenantOwned):
    """An account's health on one day (the tenant's day): the score, each measure, and why it moved.

    Upserted on (account, day), so recomputing a day replaces it instead of adding another.
    """

    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    model = models.ForeignKey(HealthModel, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty: no measure had data.")
    band = models.CharField(max_length=8, choices=Band.choices, blank=True)
    # {key: {"raw": float|None, "points": float|None, "weight": float, "detail": {...}}}
    measures = models.JSONField(default=dict)
    delta_7 = models.SmallIntegerField(null=True, blank=True)
    delta_30 = models.SmallIntegerField(null=True, blank=True)
    explanation = models.TextField(blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["tenant", "account", "day"], name="health_score_one_a_day")]
        indexes = [models.Index(fields=["tenant", "day", "band"], name="health_score_day_band")]

    def __str__(self) -> str:
        return f"{self.day}: {self.score}"


class ContactHealth(TenantOwned):
    """A person's own engagement: weighted points over the window, when last seen, power user or not."""

    contact = models.OneToOneField("accounts.Contact", on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(
        help_text="The day these figures were computed for; a later recompute that finds the same figures keeps it."
    )
    points = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    score = models.PositiveSmallIntegerField(default=0, help_text="0-100: points against the account's top person.")
    last_seen_on = models.DateField(null=True, blank=True)
    is_power_user = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["tenant", "account"], name="contact_health_account")]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.points}"


class SignalKind(models.TextChoices):
    POWER_USER_INACTIVE = "power_user_inactive", "Power user inactive"
    SCORE_DROP = "score_drop", "Score drop"
    BAND_CHANGE = "band_change", "Band change"
    EXPANSION = "expansion", "Expansion signal (CSQL)"
    LOCKED_FEATURE = "locked_feature", "Locked-feature interest"
    LATE_PAYMENT = "late_payment", "Late payment"
    NPS_DETRACTOR = "nps_detractor", "NPS detractor"
    TICKET_SPIKE = "ticket_spike", "Ticket spike"


class Severity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
    OPPORTUNITY = "opportunity", "Opportunity"


class SignalStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class HealthSignal(TenantOwned):
    """Something detected that deserves action. One open signal per kind and subject."""

    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+", db_index=False)
    contact = models.ForeignKey("accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=24, choices=SignalKind.choices)
    # What the signal is about within the account ("account", "contact:12", "invoice:7"): one open each.
    subject = models.CharField(max_length=60)
    severity = models.CharField(max_length=12, choices=Severity.choices)
    status = models.CharField(max_length=10, choices=SignalStatus.choices, default=SignalStatus.OPEN)
    message = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)
    raised_on = models.DateField()
    raised_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The scored day whose run resolved it (raised_on's counterpart): what announcing a day again reads.
    resolved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "account", "kind", "subject"],
                condition=models.Q(status="open"),
                name="health_signal_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "account", "status"], name="health_signal_account"),
            models.Index(fields=["tenant", "status", "kind"], name="health_signal_status_kind"),
        ]

    def __str__(self) -> str:
        return self.message


class RunKind(models.TextChoices):
    NIGHTLY = "nightly", "Nightly"
    MANUAL = "manual", "On demand"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"


class RecomputeRun(TenantOwned):
    """One recompute of a tenant's accounts for a day; progress is counted here, batch by batch."""

    day = models.DateField()
    kind = models.CharField(max_length=8, choices=RunKind.choices)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING)
    total_batches = models.PositiveIntegerField(default=0)
    done_batches = models.PositiveIntegerField(default=0)
    total_accounts = models.PositiveIntegerField(default=0)
    done_accounts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # The claim: a second beat, or a rerun, finds the night's run taken.
            models.UniqueConstraint(
                fields=["tenant", "day"], condition=models.Q(kind="nightly"), name="recompute_run_one_a_night"
            ),
            # An admin's second click (or a retry while the broker was down) reuses the day's running run.
            models.UniqueConstraint(
                fields=["tenant", "day"],
                condition=models.Q(kind="manual", status="running"),
                name="recompute_run_one_manual_running",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status"], name="recompute_run_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day}"

    @property
    def percent(self) -> int:
        return 100 if not self.total_accounts else round(100 * self.done_accounts / self.total_accounts)

    @property
    def is_stale(self) -> bool:
        """Running with a batch past its lease (runs.recompute_run_list counts them): a worker died on it."""
        return self.status == RunStatus.RUNNING and bool(getattr(self, "stale_batches", 0))


class RecomputeBatch(TenantOwned):
    """A few hundred accounts of a run. Done once: a redelivered or repeated batch counts nothing twice."""

    run = models.ForeignKey(RecomputeRun, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()
    account_ids = models.JSONField(default=list)
    done = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    enqueued_at = models.DateTimeField(default=timezone.now)
    # When a worker last took it up: one that has not finished within the task lease since then is dead.
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["tenant", "run", "number"], name="recompute_batch_unique")]

    def __str__(self) -> str:
        return f"batch {self.number} of {self.run_id}"
