"""How renewals react to health: an expansion signal raises an opportunity, and any signal raised or
resolved makes the account's open renewals suggest their forecast again (once per batch of signals)."""

from core import tenant_time
from core.events import receives
from health.peers import signals_of
from health.signals import signals_changed
from tenancy.signals import tenant_created

from .services.forecast import renewals_refresh_forecast
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


@receives(tenant_created)
def tenant_defaults(*, tenant) -> None:
    # The seed's runways per segment, churn and contraction reasons, and renewal settings.
    renewal_settings(tenant=tenant)
    runway_steps(tenant=tenant)
    outcome_reasons(tenant=tenant)
