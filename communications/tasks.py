"""Background work of communications: the outbox sweep on the beat and the per-tenant sending task, the
digests, internal notifications and campaign imports. Tasks take ids, enter the tenant scope (core.work.tenant_task)
and call a service; the rules live in services/. The notification and import tasks keep the names they
were registered under in notify_tasks.py (explicit `name=`), so queued messages still find them."""

from celery import shared_task
from django.utils import timezone
from django_scopes import scope

from core.work import UNREACHABLE, tenant_task
from tenancy.models import Tenant

from .models import Notification, NotificationStatus
from .services import claims, digests, outbox


@shared_task
def outbox_sweep() -> int:
    """On the beat, every minute: one sending task per tenant with something due (an indexed exists()
    per tenant is cheaper than a task per tenant). Claims make a second sweep or task harmless."""
    now = timezone.now()
    enqueued = 0
    for tenant in Tenant.objects.order_by("pk"):
        with scope(tenant=tenant):
            due = claims.outbox_has_due(tenant=tenant, now=now)
        if due:
            outbox_send_task.delay(tenant_id=tenant.pk)
            enqueued += 1
    return enqueued


@tenant_task(acks_late=True)
def outbox_send_task(self, *, tenant_id: int) -> dict:
    """Send the tenant's due entries. A failing email backend is the outbox's business (the entry retries
    with backoff); this task retries only when the database or broker itself is unreachable."""
    tenant = Tenant.objects.get(pk=tenant_id)
    delivered = outbox.outbox_send_due(tenant=tenant, now=timezone.now())
    return {"entries": delivered, "worker": self.request.hostname or "in-process"}


@shared_task
def queued_work_requeue() -> dict[str, int]:
    """On the beat: notifications and calendar imports queued while the broker was down are sent again
    (due outbox entries need nothing: outbox_sweep finds them in the database every minute)."""
    from .services.imports import calendar_imports_requeue
    from .services.notifications import notifications_requeue

    sent = {"notifications": 0, "calendar_imports": 0}
    for tenant in Tenant.objects.order_by("pk"):
        with scope(tenant=tenant):
            sent["notifications"] += notifications_requeue(tenant=tenant)
            sent["calendar_imports"] += calendar_imports_requeue(tenant=tenant)
    return sent


@shared_task
def digests_sweep() -> int:
    """Hourly on the beat: one digest task per tenant; digests already sent for a period are never sent again."""
    tenant_ids = list(Tenant.objects.values_list("pk", flat=True))
    for tenant_id in tenant_ids:
        digests_send_task.delay(tenant_id=tenant_id)
    return len(tenant_ids)


@tenant_task(retry_on=(*UNREACHABLE, RuntimeError), acks_late=True)
def digests_send_task(self, *, tenant_id: int) -> int:
    """Send the digests whose period is over; a failing backend raises and the task retries with backoff."""
    return digests.digests_send_due(tenant=Tenant.objects.get(pk=tenant_id), now=timezone.now())


@tenant_task(name="communications.notify_tasks.notification_send_task", acks_late=True, default_retry_delay=30)
def notification_send_task(self, *, tenant_id: int, notification_id: int) -> str:
    from .services.notifications import NotificationNotSent, notification_send

    notification = (
        Notification.objects.select_related("tenant", "account", "recipient")
        .filter(tenant_id=tenant_id, pk=notification_id)
        .first()
    )
    if notification is None or notification.status == NotificationStatus.SENT:
        return "nothing to send"
    try:
        notification_send(notification=notification)
    except NotificationNotSent as error:
        # Backoff: 30 s, 1, 2, 4, 8 min; the row keeps the last error for the settings page.
        raise self.retry(exc=error, countdown=30 * 2**self.request.retries) from error
    return "sent"


@tenant_task(name="communications.notify_tasks.calendar_import_run_task", acks_late=True)
def calendar_import_run_task(self, *, tenant_id: int, import_id: int) -> str:
    from .services.imports import calendar_import_run

    tenant = Tenant.objects.get(pk=tenant_id)
    # A message that comes back after its worker died finds the import running: that run is over, take it.
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    result = calendar_import_run(tenant=tenant, import_id=import_id, takeover=redelivered)
    return result.status if result is not None else "ran already"
