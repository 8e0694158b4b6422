"""The expansion pipeline: opportunities to grow an account, raised by hand or by health's signals."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models.tiers import MONEY
from tenancy.models import TenantOwned


class OpportunityKind(models.TextChoices):
    SEATS = "seats", "Seats"
    TIER_UPGRADE = "tier_upgrade", "Tier upgrade"
    CROSS_SELL = "cross_sell", "Cross-sell"
    USAGE = "usage", "Usage"


class OpportunitySource(models.TextChoices):
    MANUAL = "manual", "Manual"
    SEAT_SATURATION = "seat_saturation", "Seat saturation with advanced-feature use"
    LOCKED_FEATURE = "locked_feature", "Locked-feature interest"
    PLAYBOOK = "playbook", "A playbook"


class OpportunityStage(models.TextChoices):
    IDENTIFIED = "identified", "Identified"
    QUALIFIED = "qualified", "Qualified"
    PROPOSED = "proposed", "Proposed"
    WON = "won", "Won"
    LOST = "lost", "Lost"

    @classmethod
    def open_stages(cls) -> list[str]:
        return [cls.IDENTIFIED, cls.QUALIFIED, cls.PROPOSED]


class ExpansionOpportunity(TenantOwned):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="expansion_opportunities")
    title = models.CharField(max_length=160)
    kind = models.CharField(max_length=14, choices=OpportunityKind.choices)
    source = models.CharField(max_length=16, choices=OpportunitySource.choices, default=OpportunitySource.MANUAL)
    # The health signal that raised it: one opportunity per signal, however often the signal is refreshed.
    health_signal = models.OneToOneField(
        "health.HealthSignal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    value = models.DecimalField("value (ARR)", **MONEY, default=0, validators=[MinValueValidator(0)])
    stage = models.CharField(max_length=12, choices=OpportunityStage.choices, default=OpportunityStage.IDENTIFIED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expansion_opportunities",
    )
    handed_to_sales = models.BooleanField("handed off to sales", default=False)
    handed_to_sales_on = models.DateField(null=True, blank=True)
    identified_on = models.DateField()
    expected_close_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    stage_changed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)
    lost_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-identified_on", "-id"]
        indexes = [
            models.Index(fields=["tenant", "stage", "identified_on"], name="opportunity_stage"),
            models.Index(fields=["tenant", "account", "stage"], name="opportunity_account"),
            models.Index(fields=["tenant", "owner", "stage"], name="opportunity_owner"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("renewals:opportunity", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.stage in OpportunityStage.open_stages()

    @property
    def days_to_close(self) -> int | None:
        return (self.closed_on - self.identified_on).days if self.closed_on else None
