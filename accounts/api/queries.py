"""Reads only the API needs; the pages and exports share `accounts.selectors`."""

from django.db.models import QuerySet

from tenancy.models import Tenant

from ..models import CustomFieldDefinition, ServiceTier, TierChange


def tier_list(*, tenant: Tenant) -> QuerySet[ServiceTier]:
    return ServiceTier.objects.filter(tenant=tenant)


def custom_field_list(*, tenant: Tenant) -> QuerySet[CustomFieldDefinition]:
    return CustomFieldDefinition.objects.filter(tenant=tenant)


def tier_change_list(*, tenant: Tenant) -> QuerySet[TierChange]:
    """Every move between tiers in the tenant, newest first, with what a row shows in one query."""
    return TierChange.objects.filter(tenant=tenant).select_related("from_tier", "to_tier", "actor")
