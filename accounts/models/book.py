"""Accounts (customer companies) and their contacts."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from tenancy.models import TenantOwned

from .tiers import MONEY, ServiceTier, TierOverride


class Segment(models.TextChoices):
    ENTERPRISE = "enterprise", "Enterprise"
    MID_MARKET = "mid_market", "Mid-market"
    SMB = "smb", "SMB"
    PRODUCT_LED = "product_led", "Product-led"


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CHURNED = "churned", "Churned"


class Account(TenantOwned):
    """A customer company. `external_id` is the id its product and CRM use: the Segment groupId."""

    external_id = models.CharField(max_length=255)
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True)
    segment = models.CharField(max_length=16, choices=Segment.choices)
    arr = models.DecimalField("ARR", **MONEY, default=Decimal(0), validators=[MinValueValidator(0)])
    # Set by renewals once the account has a contract; accounts cannot ask renewals, so it keeps the fact itself.
    arr_from_contracts = models.BooleanField(
        "ARR from contracts",
        default=False,
        editable=False,
        help_text="The ARR is the sum of the account's active contracts and changes through them: "
        "new contracts, amendments, renewals and ends.",
    )
    acv = models.DecimalField("ACV", **MONEY, default=Decimal(0), validators=[MinValueValidator(0)])
    seats_purchased = models.PositiveIntegerField(default=0)
    industry = models.CharField(max_length=80, blank=True)
    region = models.CharField(max_length=80, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="owner CSM",
    )
    service_tier = models.ForeignKey(
        ServiceTier, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts"
    )
    tier_override = models.CharField(max_length=16, choices=TierOverride.choices, blank=True, default="")
    tier_override_until = models.DateField(null=True, blank=True)
    is_strategic = models.BooleanField("strategic", default=False)
    signed_on = models.DateField(null=True, blank=True)
    go_live_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE)
    churned_on = models.DateField(null=True, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name="parent account",
    )
    custom_fields = models.JSONField(default=dict, blank=True)
    # Kept by the health app's recompute for fast lists; the history is in its daily scores.
    health_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    health_band = models.CharField(max_length=8, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "external_id"], name="account_unique_external_id"),
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="account_not_its_own_parent"),
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "owner"], name="account_tenant_status_owner"),
            models.Index(fields=["tenant", "segment"], name="account_tenant_segment"),
            models.Index(fields=["tenant", "service_tier"], name="account_tenant_tier"),
            models.Index(fields=["tenant", "name"], name="account_tenant_name"),
            models.Index(fields=["tenant", "parent"], name="account_tenant_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:account_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status == AccountStatus.ACTIVE


class ContactRole(models.TextChoices):
    CHAMPION = "champion", "Champion"
    EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"
    DECISION_MAKER = "decision_maker", "Decision maker"
    POWER_USER = "power_user", "Power user"
    ADMIN = "admin", "Admin"
    END_USER = "end_user", "End user"


class Contact(TenantOwned):
    """A person at an account. `external_id` is the Segment userId of a product user."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    external_id = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    title = models.CharField(max_length=120, blank=True)
    # Comma-separated ContactRole values, in the order of ContactRole: a person holds several.
    roles = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField("active", default=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "external_id"],
                condition=~models.Q(external_id=""),
                name="contact_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "account", "is_active"], name="contact_tenant_account"),
            models.Index(fields=["tenant", "email"], name="contact_tenant_email"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def role_list(self) -> list[str]:
        return [r for r in self.roles.split(",") if r]

    @property
    def role_labels(self) -> list[str]:
        labels = dict(ContactRole.choices)
        return [labels.get(r, r) for r in self.role_list]

    @property
    def owner_id(self) -> int | None:
        # A contact is the account owner's to edit.
        return self.account.owner_id
