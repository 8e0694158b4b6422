"""Background work of playbooks: processing recorded runs (off the commit of the news that fired them), the
daily sweeps that fire the time-based triggers, and the recovery of runs whose message or worker was lost."""

from celery import shared_task
from django.utils import timezone

from core.work import tenant_task
from tenancy.models import Tenant

from .services import runs, sweeps


@tenant_task(acks_late=True)
def playbook_runs_process_task(self, *, tenant_id: int, run_ids: list[int]) -> dict:
    """acks_late: a worker killed mid-batch hands the message back, and the redelivery claims the runs again
    once their lease has ended (the actions already done are not taken twice)."""
    tenant = Tenant.objects.get(pk=tenant_id)
    processed = runs.runs_process(tenant=tenant, run_ids=run_ids)
    return vars(processed)


@shared_task
def playbooks_sweep() -> int:
    """Fan out, hourly: one task per tenant. Each is idempotent (occurrence keys carry the day), so the beat
    may run it as often as it likes; a tenant's day turns at its own midnight."""
    tenant_ids = list(Tenant.objects.values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        playbooks_tenant_sweep_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@tenant_task()
def playbooks_tenant_sweep_task(self, *, tenant_id: int) -> dict:
    tenant = Tenant.objects.get(pk=tenant_id)
    fired = sweeps.daily_triggers_fire(tenant=tenant)
    requeued = runs.runs_requeue(tenant=tenant, now=timezone.now())
    return {**fired, "requeued": requeued}


@tenant_task(acks_late=True)
def playbook_preview_task(self, *, tenant_id: int, job_id: int) -> dict:
    """Replay the history for a preview (playbooks.services.preview). acks_late: a killed worker's message
    comes back, and the job, claimed then, is taken over once its lease has ended."""
    from .services.preview import preview_run

    tenant = Tenant.objects.get(pk=tenant_id)
    job = preview_run(tenant=tenant, job_id=job_id)
    return {"job_id": job_id, "status": job.status if job is not None else "not claimed"}
