"""Tenants, and the base every tenant-owned model builds on."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django_scopes import ScopedManager


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name such as Europe/Berlin.")


def normalise_currency(value: str) -> str:
    """An ISO 4217 code in upper case, or a ValidationError that says what is expected."""
    code = (value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError(f"{value!r} is not a currency code: use three letters such as EUR or USD.")
    return code


class Tenant(models.Model):
    """One customer-success organisation; everything else belongs to exactly one."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    currency = models.CharField(
        max_length=3,
        default="USD",
        help_text="ISO 4217 code; every amount of money in this tenant is in it.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class TenantOwned(models.Model):
    """Base of every tenant-owned model.

    Queries through `objects` outside a tenant scope raise ScopeError instead of
    returning everyone's rows. Subclasses lead their composite indexes with
    `tenant`, so a table can later be distributed by tenant.
    """

    # No index of its own: every subclass has composite indexes led by tenant, which serve
    # tenant lookups too, and a lone one would only slow down writes (ingestion above all).
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False, db_index=False)

    objects = ScopedManager(tenant="tenant")

    class Meta:
        abstract = True
