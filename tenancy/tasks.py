"""Background work of the tenancy app, and the task base every tenant-scoped task uses."""

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.core.management import call_command
from django_scopes import scope

from . import selectors, services
from .models import Tenant


class TenantTask(DjangoTask):
    """Runs the task inside the scope of the tenant named by its `tenant_id` keyword.

    Tasks take ids, never model instances, and every tenant-owned task must say
    which tenant it works for; without one it fails rather than guess.
    """

    def __call__(self, *args, **kwargs):
        tenant_id = kwargs.get("tenant_id")
        if tenant_id is None:
            raise TypeError(f"{self.name} must be called with tenant_id=…")
        tenant = Tenant.objects.get(pk=tenant_id)
        with scope(tenant=tenant):
            return super().__call__(*args, **kwargs)


@shared_task(base=TenantTask, bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def invitation_send_task(self, *, tenant_id: int, invitation_id: int) -> int:
    tenant = Tenant.objects.get(pk=tenant_id)
    invitation = selectors.invitation_get(tenant=tenant, invitation_id=invitation_id)
    services.invitation_send(invitation=invitation)
    return invitation.pk


@shared_task
def sessions_clear_expired() -> None:
    # Database sessions pile up otherwise; Django leaves their removal to a command.
    call_command("clearsessions")
