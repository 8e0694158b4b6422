"""Building renewals fixtures through the services the product uses. Each helper enters the tenant's
scope itself; dates are relative to the tenant's today unless given."""

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django_scopes import scope

from core import tenant_time
from renewals import services
from renewals.models import Checkpoint, Contract, Renewal

from ..accounts.builders import make_account

__all__ = [
    "checkpoints_of",
    "contract_for",
    "make_account",
    "reload_contract",
    "reload_renewal",
    "renewal_of",
    "today_of",
]


def today_of(tenant) -> dt.date:
    return tenant_time.today(tenant)


def contract_for(
    tenant,
    account,
    *,
    days_to_end: int = 90,
    arr=50_000,
    term_months: int = 12,
    known_days_before_end: int | None = None,
    **kw,
) -> Contract:
    """A contract of `account` ending `days_to_end` days from today, `term_months` long (ending on the given
    day), entered into postsale `known_days_before_end` days before its end (default: on its start date,
    or today when that is in the future)."""
    today = today_of(tenant)
    end_on = today + dt.timedelta(days=days_to_end)
    start_on = end_on + dt.timedelta(days=1) - relativedelta(months=term_months)
    if known_days_before_end is not None:
        known = end_on - dt.timedelta(days=known_days_before_end)
    else:
        known = min(start_on, today)
    with scope(tenant=tenant):
        return services.contract_create(
            tenant=tenant,
            account=account,
            start_on=start_on,
            end_on=end_on,
            arr=Decimal(arr),
            today=kw.pop("today", known),
            **kw,
        )


def renewal_of(tenant, contract: Contract) -> Renewal:
    with scope(tenant=tenant):
        return Renewal.objects.select_related("contract", "account").get(tenant=tenant, contract=contract)


def reload_renewal(tenant, renewal: Renewal) -> Renewal:
    with scope(tenant=tenant):
        return Renewal.objects.select_related("contract", "account").get(tenant=tenant, pk=renewal.pk)


def reload_contract(tenant, contract: Contract) -> Contract:
    with scope(tenant=tenant):
        return Contract.objects.select_related("account").get(tenant=tenant, pk=contract.pk)


def checkpoints_of(tenant, renewal: Renewal) -> list[Checkpoint]:
    with scope(tenant=tenant):
        return list(Checkpoint.objects.filter(tenant=tenant, renewal=renewal).order_by("position"))
