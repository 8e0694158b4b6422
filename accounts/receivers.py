"""How accounts reacts to tenancy: a new tenant gets the hybrid model's three service tiers and its
economics settings, so cost to serve and tier assignment work from the first account."""

from core.events import receives
from tenancy.signals import tenant_created

from .services import service_model_settings, tiers_create_defaults


@receives(tenant_created)
def tenant_defaults(*, tenant) -> None:
    tiers_create_defaults(tenant=tenant)
    service_model_settings(tenant=tenant)
