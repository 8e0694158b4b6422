"""How renewals react to health: an expansion signal raises an opportunity, and any signal raised or
resolved makes the account's open renewals suggest their forecast again (once per batch of signals)."""

from django.dispatch import receiver
from django_scopes import scope

from core import tenant_time
from core.events import receives
from health.peers import HealthSignal
from health.scoring.detection import signal_raised, signals_changed
from tenancy.models import Tenant
from tenancy.signals import tenant_created

from .services.forecast import renewals_refresh_forecast
from .services.pipeline import opportunity_from_signal
from .services.settings import outcome_reasons, renewal_settings, runway_steps


@receiver(signal_raised, sender=HealthSignal, dispatch_uid="renewals_signal_raised")
def signal_raised_received(sender, health_signal, **kwargs) -> None:
    # Sent on commit, maybe after the sender's scope closed (a Celery batch): enter it again.
    with scope(tenant=health_signal.tenant_id):
        opportunity_from_signal(health_signal=health_signal)


@receiver(signals_changed, sender=HealthSignal, dispatch_uid="renewals_signals_changed")
def signals_changed_received(sender, tenant_id, raised, resolved, **kwargs) -> None:
    # One refresh for every account of the batch: a constant number of queries, however many signals.
    with scope(tenant=tenant_id):
        tenant = Tenant.objects.get(pk=tenant_id)
        accounts = {s.account_id for s in [*raised, *resolved]}
        renewals_refresh_forecast(tenant=tenant, today=tenant_time.today(tenant), account_ids=sorted(accounts))


@receives(tenant_created)
def tenant_defaults(*, tenant) -> None:
    # The seed's runways per segment, churn and contraction reasons, and renewal settings.
    renewal_settings(tenant=tenant)
    runway_steps(tenant=tenant)
    outcome_reasons(tenant=tenant)
