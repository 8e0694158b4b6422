"""Background work of internal notifications and campaign imports: take ids, enter the tenant scope
(TenantTask), call a service. `communications/tasks.py` imports this module so the worker knows them."""

from celery import shared_task

from tenancy.models import Tenant
from tenancy.tasks import TenantTask

from .models import Notification, NotificationStatus


@shared_task(
    base=TenantTask,
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=5,
    default_retry_delay=30,
)
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


@shared_task(base=TenantTask, bind=True, acks_late=True, reject_on_worker_lost=True)
def calendar_import_run_task(self, *, tenant_id: int, import_id: int) -> str:
    from .services.imports import calendar_import_run

    tenant = Tenant.objects.get(pk=tenant_id)
    # A message that comes back after its worker died finds the import running: that run is over, take it.
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    result = calendar_import_run(tenant=tenant, import_id=import_id, takeover=redelivered)
    return result.status if result is not None else "ran already"
