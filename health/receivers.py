"""How health reacts to tenancy: a new tenant gets the seed's health model (all segments), so its
first recompute scores with the defaults an admin then tunes."""

from django.dispatch import receiver

from tenancy.models import Tenant
from tenancy.signals import tenant_created

from .scoring.services import health_models_in_effect


@receiver(tenant_created, sender=Tenant, dispatch_uid="health_tenant_defaults")
def tenant_defaults(sender, tenant, **kwargs) -> None:
    health_models_in_effect(tenant=tenant)  # makes the all-segments model when there is none
