"""Background work of the health app: the nightly recompute's sweeper and its batches, and the backtest report."""

from celery import shared_task
from django_scopes import scope

from core.work import tenant_task
from tenancy.models import Tenant


@shared_task
def health_recompute_sweep() -> dict[str, int]:
    """On the beat: claim each tenant's nightly run once its clock passes 02:00, and hand out again
    the batches whose worker died. Cheap when there is nothing to do, so it runs every few minutes."""
    from .services import runs

    claimed = recovered = 0
    for tenant in Tenant.objects.order_by("pk"):
        with scope(tenant=tenant):
            claimed += runs.run_claim_nightly(tenant=tenant) is not None
            recovered += runs.runs_recover(tenant=tenant)
    return {"claimed": claimed, "recovered": recovered}


@shared_task
def ingestion_errors_purge_sweep() -> int:
    """On the beat, daily: one purge task per tenant, so each tenant's errors go in their own short task."""
    tenant_ids = list(Tenant.objects.order_by("pk").values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        ingestion_errors_purge_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@tenant_task()
def ingestion_errors_purge_task(self, *, tenant_id: int) -> int:
    """Ingestion errors past their retention deleted in batches; what one run leaves, a new run takes on."""
    from .ingestion.services import ingestion_errors_purge

    purged = ingestion_errors_purge(tenant=Tenant.objects.get(pk=tenant_id))
    if not purged.done:
        ingestion_errors_purge_task.delay(tenant_id=tenant_id)
    return purged.deleted


@tenant_task()
def recompute_batch_task(self, *, tenant_id: int, batch_id: int) -> bool:
    from .services import runs

    return runs.batch_process(tenant=Tenant.objects.get(pk=tenant_id), batch_id=batch_id)


@tenant_task()
def backtest_report_task(self, *, tenant_id: int, key: str, today: str) -> int:
    """Build the backtest report the page or the API asked for; returns the outcomes it scored."""
    import datetime as dt

    from .services import backtest_jobs

    report = backtest_jobs.backtest_report_build(
        tenant=Tenant.objects.get(pk=tenant_id), key=key, today=dt.date.fromisoformat(today)
    )
    return report.churned_accounts + report.retained_accounts


@tenant_task()
def backtest_preview_task(self, *, tenant_id: int, key: str, segment: str, settings: dict, today: str) -> int:
    """Build the editor's preview of unsaved settings; returns the outcomes the candidate was scored on."""
    import datetime as dt

    from .services import backtest_jobs

    comparison = backtest_jobs.backtest_preview_build(
        tenant=Tenant.objects.get(pk=tenant_id),
        key=key,
        segment=segment,
        settings=settings,
        today=dt.date.fromisoformat(today),
    )
    return comparison.candidate.churned_accounts + comparison.candidate.retained_accounts
