"""How renewals react to health: an expansion signal raises an opportunity, and any signal raised or
resolved makes the account's open renewals suggest their forecast again."""

from django.dispatch import receiver
from django_scopes import scope

from health.models import HealthSignal
from health.scoring.detection import signal_raised, signal_resolved
from tenancy.models import Tenant

from .services.contracts import local_today
from .services.forecast import renewals_refresh_forecast
from .services.pipeline import opportunity_from_signal


def _refresh_account(health_signal: HealthSignal) -> None:
    tenant = Tenant.objects.get(pk=health_signal.tenant_id)
    renewals_refresh_forecast(tenant=tenant, today=local_today(tenant), account_ids=[health_signal.account_id])


@receiver(signal_raised, sender=HealthSignal, dispatch_uid="renewals_signal_raised")
def signal_raised_received(sender, health_signal, **kwargs) -> None:
    # Sent on commit, maybe after the sender's scope closed (a Celery batch): enter it again.
    with scope(tenant=health_signal.tenant_id):
        opportunity_from_signal(health_signal=health_signal)
        _refresh_account(health_signal)


@receiver(signal_resolved, sender=HealthSignal, dispatch_uid="renewals_signal_resolved")
def signal_resolved_received(sender, health_signal, **kwargs) -> None:
    with scope(tenant=health_signal.tenant_id):
        _refresh_account(health_signal)
