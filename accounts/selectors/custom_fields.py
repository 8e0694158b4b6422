"""Reads of the tenant's custom fields of accounts."""

from django.db.models import QuerySet

from tenancy.models import Tenant

from ..models import CustomFieldDefinition


def custom_field_list(*, tenant: Tenant) -> QuerySet[CustomFieldDefinition]:
    return CustomFieldDefinition.objects.filter(tenant=tenant)


def custom_field_definitions(*, tenant: Tenant) -> list[CustomFieldDefinition]:
    """The tenant's custom fields in the order the forms and the import show them."""
    return list(CustomFieldDefinition.objects.filter(tenant=tenant).order_by("position", "label"))


def custom_field_get(*, tenant: Tenant, custom_field_id: int) -> CustomFieldDefinition:
    return CustomFieldDefinition.objects.get(tenant=tenant, pk=custom_field_id)
