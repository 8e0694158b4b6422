"""Background work of the accounts app."""

from celery import shared_task
from django_scopes import scope

from core import tenant_time
from core.work import tenant_task
from tenancy.models import Tenant

from . import services


@shared_task
def tier_overrides_expire_all() -> int:
    """Fan out: one task per tenant, each ending the overrides past their date in its own time zone."""
    tenant_ids = list(Tenant.objects.values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        tier_overrides_expire_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@tenant_task()
def tier_overrides_expire_task(self, *, tenant_id: int) -> int:
    tenant = Tenant.objects.get(pk=tenant_id)
    return services.tier_overrides_expire(tenant=tenant, today=tenant_time.today(tenant))


@shared_task
def imports_requeue_all() -> int:
    """On the beat: imports queued while the broker was down (or whose worker died) are sent again."""
    from .services.imports import import_jobs_requeue

    sent = 0
    for tenant in Tenant.objects.order_by("pk"):
        with scope(tenant=tenant):
            sent += import_jobs_requeue(tenant=tenant)
    return sent


# A failed import is marked FAILED with its reason and not retried (importing the file again
# is safe). A redelivered task whose job another run still holds waits for that run's lease.
@tenant_task(max_retries=3)
def import_job_run_task(self, *, tenant_id: int, import_job_id: int) -> int:
    # Imported here: the import code loads pandas, which no other task of this module needs.
    from .services.imports import ImportJobBusy, import_job_run

    try:
        import_job_run(job_id=import_job_id, tenant=Tenant.objects.get(pk=tenant_id))
    except ImportJobBusy as busy:
        raise self.retry(countdown=busy.retry_in) from busy
    return import_job_id
