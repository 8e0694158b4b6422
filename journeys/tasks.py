"""Background work of journeys: keeping each track's status (and its stalled flag) current as days pass."""

from celery import shared_task

from core.work import tenant_task
from tenancy.models import Tenant

from . import services


@shared_task
def journeys_status_sweep() -> int:
    """Fan out: one task per tenant; time in stage grows by itself, so statuses are refreshed on a schedule."""
    tenant_ids = list(Tenant.objects.values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        journeys_status_refresh_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@tenant_task()
def journeys_status_refresh_task(self, *, tenant_id: int) -> int:
    return services.tracks_refresh_status(tenant=Tenant.objects.get(pk=tenant_id))
