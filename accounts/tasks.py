"""Background work of the accounts app."""

from celery import shared_task
from django.utils import timezone

from tenancy.models import Tenant
from tenancy.tasks import TenantTask

from . import services


@shared_task
def tier_overrides_expire_all() -> int:
    """Fan out: one task per tenant, each ending the overrides past their date in its own time zone."""
    tenant_ids = list(Tenant.objects.values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        tier_overrides_expire_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@shared_task(base=TenantTask, bind=True)
def tier_overrides_expire_task(self, *, tenant_id: int) -> int:
    tenant = Tenant.objects.get(pk=tenant_id)
    return services.tier_overrides_expire(tenant=tenant, today=timezone.localdate(timezone=tenant.zone))


# Not retried automatically: a run claims its job, so a retry would find it taken and do nothing;
# a failed import is marked FAILED with its reason, and importing the file again is safe.
@shared_task(base=TenantTask, bind=True)
def import_job_run_task(self, *, tenant_id: int, import_job_id: int) -> int:
    # Imported here: the import code loads pandas, which no other task of this module needs.
    from .imports.services import import_job_run

    import_job_run(job_id=import_job_id, tenant=Tenant.objects.get(pk=tenant_id))
    return import_job_id
