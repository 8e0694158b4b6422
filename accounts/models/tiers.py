"""Service tiers (the hybrid model), the history of every move between them, and the economics policy."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from tenancy.models import TenantOwned

MONEY = {"max_digits": 14, "decimal_places": 2}


class TouchModel(models.TextChoices):
    HIGH_TOUCH = "high_touch", "High touch"
    LOW_TOUCH = "low_touch", "Low touch"
    TECH_TOUCH = "tech_touch", "Tech touch"


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    BIWEEKLY = "biweekly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    SEMIANNUAL = "semiannual", "Twice a year"
    ANNUAL = "annual", "Yearly"
    AUTOMATED = "automated", "Automated"
    NONE = "none", "None"


class ServiceTier(TenantOwned):
    """How much human attention an account gets, for which ACV, and what that costs.

    An account's ACV falls in exactly one tier's band [acv_min, acv_max); `rank`
    orders tiers from least to most touch, so "up" and "down" mean something.
    """

    name = models.CharField(max_length=60)
    touch_model = models.CharField(max_length=16, choices=TouchModel.choices)
    rank = models.PositiveSmallIntegerField(help_text="Higher means more touch: tech 1, low 2, high 3.")
    acv_min = models.DecimalField(**MONEY, default=Decimal(0), validators=[MinValueValidator(0)])
    acv_max = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Exclusive upper bound; empty means no upper bound."
    )
    accounts_per_csm_min = models.PositiveIntegerField(default=1)
    accounts_per_csm_max = models.PositiveIntegerField(default=1)
    accounts_per_csm_planned = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="The ratio cost and capacity are planned with."
    )
    check_in_cadence = models.CharField(max_length=16, choices=Cadence.choices)
    qbr_cadence = models.CharField(max_length=16, choices=Cadence.choices)
    csm_cost_per_year = models.DecimalField(
        **MONEY, default=Decimal(0), validators=[MinValueValidator(0)], help_text="A CSM's fully loaded cost."
    )
    shared_cost_per_customer = models.DecimalField(
        **MONEY,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
        help_text="Onboarding specialists, support, training: per customer and year.",
    )
    technology_cost_per_customer = models.DecimalField(
        **MONEY,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
        help_text="CS platform and tools: per customer and year.",
    )

    class Meta:
        ordering = ["-rank", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="service_tier_unique_name"),
            models.UniqueConstraint(fields=["tenant", "rank"], name="service_tier_unique_rank"),
            models.CheckConstraint(
                condition=models.Q(acv_max__isnull=True) | models.Q(acv_max__gt=models.F("acv_min")),
                name="service_tier_acv_band_not_empty",
            ),
            models.CheckConstraint(
                condition=models.Q(accounts_per_csm_max__gte=models.F("accounts_per_csm_min")),
                name="service_tier_csm_band_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, acv: Decimal) -> bool:
        return acv >= self.acv_min and (self.acv_max is None or acv < self.acv_max)


# What an admin sets on a tier (forms and API share it).
TIER_SETTINGS = (
    "name",
    "touch_model",
    "rank",
    "acv_min",
    "acv_max",
    "accounts_per_csm_min",
    "accounts_per_csm_max",
    "accounts_per_csm_planned",
    "check_in_cadence",
    "qbr_cadence",
    "csm_cost_per_year",
    "shared_cost_per_customer",
    "technology_cost_per_customer",
)


class TierOverride(models.TextChoices):
    NONE = "", "None (by ACV rule)"
    STRATEGIC = "strategic", "Strategic (until removed)"
    AT_RISK_UPGRADE = "at_risk_upgrade", "Temporary upgrade while at risk"
    MANUAL = "manual", "Manual"


class TierChangeReason(models.TextChoices):
    INITIAL = "initial", "First assignment"
    ACV_RULE = "acv_rule", "ACV change"
    CONTRACTION = "contraction", "Contraction"
    STRATEGIC = "strategic", "Marked strategic"
    AT_RISK_UPGRADE = "at_risk_upgrade", "Upgraded while at risk"
    MANUAL = "manual", "Manual override"
    OVERRIDE_EXPIRED = "override_expired", "Override expired"
    OVERRIDE_REMOVED = "override_removed", "Override removed"
    TIERS_CHANGED = "tiers_changed", "Tier bands changed"


class TierChange(TenantOwned):
    """One move of an account between tiers: from where, to where, why, by whom, when."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="tier_changes")
    from_tier = models.ForeignKey(ServiceTier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_tier = models.ForeignKey(ServiceTier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(max_length=24, choices=TierChangeReason.choices)
    note = models.CharField(max_length=300, blank=True)
    acv = models.DecimalField(**MONEY, help_text="The account's ACV when it moved.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the platform moved it by rule.",
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["tenant", "account", "changed_at"], name="tier_change_account_time")]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.from_tier} -> {self.to_tier} ({self.reason})"


class ServiceModelSettings(TenantOwned):
    """The tenant's economics policy: the band of cost to serve, as a share of ACV, that is healthy."""

    cost_share_min_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(5),
        validators=[MinValueValidator(0)],
        help_text="Below it an account is under-invested.",
    )
    cost_share_max_pct = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(15),
        validators=[MaxValueValidator(100)],
        help_text="Above it an account is over-serviced.",
    )
    at_risk_upgrade_days = models.PositiveIntegerField(
        default=90, help_text="How long a temporary upgrade of an at-risk account lasts unless told otherwise."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="service_model_settings_one_per_tenant")]

    def __str__(self) -> str:
        return f"{self.cost_share_min_pct}-{self.cost_share_max_pct}%"
