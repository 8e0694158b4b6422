"""How accounts reacts to tenancy: a new tenant gets the hybrid model's three service tiers and its
economics settings, so cost to serve and tier assignment work from the first account."""

from django.dispatch import receiver

from tenancy.models import Tenant
from tenancy.signals import tenant_created

from .services import service_model_settings, tiers_create_defaults


@receiver(tenant_created, sender=Tenant, dispatch_uid="accounts_tenant_defaults")
def tenant_defaults(sender, tenant, **kwargs) -> None:
    tiers_create_defaults(tenant=tenant)
    service_model_settings(tenant=tenant)
