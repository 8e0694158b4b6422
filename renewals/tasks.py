"""Background work of renewals: auto-renewals on their end date and forecasts kept current as days pass
(a checkpoint becomes overdue, the review window opens) without any event."""

from celery import shared_task

from core import tenant_time
from core.work import tenant_task
from tenancy.models import Tenant

from . import services


@shared_task
def renewals_daily_sweep() -> int:
    """Fan out: one task per tenant; each is idempotent, so the hourly beat may run it many times a day."""
    tenant_ids = list(Tenant.objects.values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        renewals_refresh_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@tenant_task()
def renewals_refresh_task(self, *, tenant_id: int) -> dict:
    tenant = Tenant.objects.get(pk=tenant_id)
    today = tenant_time.today(tenant)
    renewed = services.contracts_auto_renew(tenant=tenant, today=today)
    refreshed = services.renewals_refresh_forecast(tenant=tenant, today=today)
    return {"auto_renewed": renewed, "forecasts": refreshed}
