"""Background work of the health app: the nightly recompute's sweeper and its batches, and the backtest report."""

from celery import shared_task
from django.db import OperationalError
from django_scopes import scope

from tenancy.models import Tenant
from tenancy.tasks import TenantTask


@shared_task
def health_recompute_sweep() -> dict[str, int]:
    """On the beat: claim each tenant's nightly run once its clock passes 02:00, and hand out again
    the batches whose worker died. Cheap when there is nothing to do, so it runs every few minutes."""
    from .scoring import runs

    claimed = recovered = 0
    for tenant in Tenant.objects.order_by("pk"):
        with scope(tenant=tenant):
            claimed += runs.run_claim_nightly(tenant=tenant) is not None
            recovered += runs.runs_recover(tenant=tenant)
    return {"claimed": claimed, "recovered": recovered}


@shared_task(base=TenantTask, bind=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def recompute_batch_task(self, *, tenant_id: int, batch_id: int) -> bool:
    from .scoring import runs

    return runs.batch_process(tenant=Tenant.objects.get(pk=tenant_id), batch_id=batch_id)


@shared_task(base=TenantTask, bind=True)
def backtest_report_task(self, *, tenant_id: int, key: str, today: str) -> int:
    """Build the backtest report the page or the API asked for; returns the outcomes it scored."""
    import datetime as dt

    from .scoring import backtest_jobs

    report = backtest_jobs.backtest_report_build(
        tenant=Tenant.objects.get(pk=tenant_id), key=key, today=dt.date.fromisoformat(today)
    )
    return report.churned_accounts + report.retained_accounts


@shared_task(base=TenantTask, bind=True)
def backtest_preview_task(self, *, tenant_id: int, key: str, segment: str, settings: dict, today: str) -> int:
    """Build the editor's preview of unsaved settings; returns the outcomes the candidate was scored on."""
    import datetime as dt

    from .scoring import backtest_jobs

    comparison = backtest_jobs.backtest_preview_build(
        tenant=Tenant.objects.get(pk=tenant_id),
        key=key,
        segment=segment,
        settings=settings,
        today=dt.date.fromisoformat(today),
    )
    return comparison.candidate.churned_accounts + comparison.candidate.retained_accounts
