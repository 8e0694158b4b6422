"""Making accounts, contacts and signal records for the signal tests, through the services the product uses."""

from django_scopes import scope

from accounts import services as account_services
from health.models.record_kinds import KINDS
from health.services import records as services

from ..accounts.conftest import make_account


def account(tenant, n: int, *, owner=None):
    """Account n (external id ext-n)."""
    return make_account(tenant, n, owner=owner)


def contact(tenant, account, external_id: str, *, name: str = "Jane Roe", email: str = ""):
    with scope(tenant=tenant):
        return account_services.contact_create(
            tenant=tenant, account=account, external_id=external_id, name=name, email=email
        )


def signal(tenant, kind_key: str, **fields):
    with scope(tenant=tenant):
        return services.record_create(tenant=tenant, kind=KINDS[kind_key], fields=fields)


def count(tenant, kind_key: str) -> int:
    with scope(tenant=tenant):
        return KINDS[kind_key].model.objects.filter(tenant=tenant).count()
