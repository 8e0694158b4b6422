"""Background work of the event contract (core.events): one announcement's dispatch, and the beat's sweep
that sends again what lost its dispatch or is due for a retry."""

from celery import shared_task
from django.utils import timezone

from tenancy.models import Tenant

from . import events
from .work import tenant_task


@tenant_task()
def events_dispatch(self, *, tenant_id: int, event_id: int) -> bool:
    # Receivers' failures are the row's to record and retry (events.event_dispatch), not Celery's.
    return events.event_dispatch(tenant=Tenant.objects.get(pk=tenant_id), event_id=event_id)


@shared_task
def events_sweep() -> int:
    return events.events_sweep(now=timezone.now())
