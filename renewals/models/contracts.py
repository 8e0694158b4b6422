"""Contracts: what an account bought, for how long, and every dated change of its ARR during the term."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models.tiers import MONEY
from core.text import day
from tenancy.models import TenantOwned


class ContractStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    # Ended with a renewal: the contract that follows it is `renewed_by`.
    RENEWED = "renewed", "Renewed"
    # Ended without one: the customer left (or this part of the business did).
    ENDED = "ended", "Ended"


class Contract(TenantOwned):
    """One contract of an account. Its ARR at a date is `arr` plus the amendments effective by then;
    `current_arr` is the ARR as amended (every amendment recorded), and the account's ARR is the sum of
    its active contracts' `current_arr`."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="contracts")
    reference = models.CharField(max_length=80, blank=True, help_text="The contract's number in your CRM or billing.")
    start_on = models.DateField()
    end_on = models.DateField(help_text="The last day of the term.")
    term_months = models.PositiveSmallIntegerField(default=12)
    arr = models.DecimalField("ARR at signing", **MONEY, validators=[MinValueValidator(0)])
    current_arr = models.DecimalField("ARR", **MONEY, default=Decimal(0), editable=False)
    seats = models.PositiveIntegerField(default=0)
    current_seats = models.PositiveIntegerField(default=0, editable=False)
    auto_renew = models.BooleanField(default=False)
    notice_days = models.PositiveSmallIntegerField(
        default=30, help_text="How many days before the end the customer must cancel, or an auto-renewal goes ahead."
    )
    # The customer's notice of cancellation (auto-renew contracts then end instead of renewing).
    cancelled_on = models.DateField(null=True, blank=True)
    cancellation_note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=8, choices=ContractStatus.choices, default=ContractStatus.ACTIVE)
    renews = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewed_by",
        help_text="The contract this one renewed.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-end_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_on__gte=models.F("start_on")), name="contract_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "account", "status"], name="contract_account_status"),
            models.Index(fields=["tenant", "status", "end_on"], name="contract_status_end"),
            models.Index(fields=["tenant", "start_on", "end_on"], name="contract_term"),
        ]

    def __str__(self) -> str:
        return f"{self.reference or 'Contract'} ({day(self.start_on)} to {day(self.end_on)})"

    def get_absolute_url(self) -> str:
        return reverse("renewals:contract", args=[self.pk])

    @property
    def owner_id(self) -> int | None:
        # A contract is its account owner's to change.
        return self.account.owner_id

    @property
    def notice_on(self):
        """The last day the customer can cancel."""
        return self.end_on - dt.timedelta(days=self.notice_days)


class AmendmentKind(models.TextChoices):
    SEATS_ADDED = "seats_added", "Seats added"
    SEATS_REMOVED = "seats_removed", "Seats removed"
    PRICE_INCREASE = "price_increase", "Price increase"
    PRICE_DECREASE = "price_decrease", "Price decrease"
    UPGRADE = "upgrade", "Tier upgrade"
    DOWNGRADE = "downgrade", "Tier downgrade"
    CROSS_SELL = "cross_sell", "Cross-sell"


class ContractAmendment(TenantOwned):
    """A dated change of a contract's ARR (and seats) during its term: expansion or contraction
    between renewals, counted by GRR and NRR in the period it takes effect."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    kind = models.CharField(max_length=16, choices=AmendmentKind.choices)
    effective_on = models.DateField()
    arr_change = models.DecimalField(**MONEY, help_text="Signed: positive adds ARR, negative removes it.")
    seats_change = models.IntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    opportunity = models.OneToOneField(
        "renewals.ExpansionOpportunity", null=True, blank=True, on_delete=models.SET_NULL, related_name="amendment"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["effective_on", "id"]
        indexes = [models.Index(fields=["tenant", "contract", "effective_on"], name="amendment_contract_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.arr_change:+} on {self.effective_on}"

    @property
    def owner_id(self) -> int | None:
        return self.contract.account.owner_id
