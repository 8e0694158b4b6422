"""How health reacts to tenancy: a new tenant gets the seed's health model (all segments), so its
first recompute scores with the defaults an admin then tunes."""

from core.events import receives
from tenancy.signals import tenant_created

from .services.scores import health_models_in_effect


@receives(tenant_created)
def tenant_defaults(*, tenant) -> None:
    health_models_in_effect(tenant=tenant)  # makes the all-segments model when there is none
