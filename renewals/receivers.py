"""How renewals react to activities and health: a checkpoint's task closed anywhere refreshes its renewal's
forecast; an expansion signal raises an opportunity, and any signal raised or
resolved makes the account's open renewals suggest their forecast again (once per batch of signals)."""

from activities.models import TaskSource
from activities.signals import task_closed
from core import tenant_time
from core.events import receives
from health.peers import signals_of
from health.signals import signals_changed
from tenancy.signals import tenant_created

from .models import Checkpoint
from .services.forecast import renewal_refresh_forecast, renewals_refresh_forecast
from .services.pipeline import FROM_SIGNAL, opportunity_from_signal
from .services.settings import outcome_reasons, renewal_settings, runway_steps


@receives(signals_changed)
def opportunities_from_signals(*, tenant, raised, resolved) -> None:
    # Only the kinds that make an opportunity are read: a batch of other news costs one query.
    for health_signal in signals_of(tenant=tenant, ids=raised, kinds=FROM_SIGNAL):
        opportunity_from_signal(health_signal=health_signal)


@receives(signals_changed)
def forecasts_refresh(*, tenant, raised, resolved) -> None:
    # One refresh for every account of the batch: a constant number of queries, however many signals.
    accounts = {s.account_id for s in signals_of(tenant=tenant, ids=[*raised, *resolved])}
    renewals_refresh_forecast(tenant=tenant, today=tenant_time.today(tenant), account_ids=sorted(accounts))


@receives(task_closed)
def checkpoint_task_closed(*, tenant, task_id, source, source_id, status) -> None:
    # A checkpoint's task closed from the inbox (or anywhere else): the forecast sees the runway's progress.
    if source != TaskSource.RENEWAL_CHECKPOINT:
        return
    checkpoint = Checkpoint.objects.filter(tenant=tenant, pk=source_id).select_related("renewal").first()
    if checkpoint is not None and checkpoint.renewal.is_open:
        renewal_refresh_forecast(renewal=checkpoint.renewal, today=tenant_time.today(tenant))


@receives(tenant_created)
def tenant_defaults(*, tenant) -> None:
    # The seed's runways per segment, churn and contraction reasons, and renewal settings.
    renewal_settings(tenant=tenant)
    runway_steps(tenant=tenant)
    outcome_reasons(tenant=tenant)
