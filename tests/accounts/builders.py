"""Building accounts fixtures through the services the product uses; each helper enters the tenant's scope
itself. Other apps' tests import these (not tests/accounts/conftest.py, which keeps the fixtures)."""

from decimal import Decimal

from django_scopes import scope

from accounts import services


def make_account(tenant, n, *, acv=40_000, segment="mid_market", owner=None, **fields):
    """Account n of a test book (external id ext-n, name "Account 00n"), made through the service."""
    with scope(tenant=tenant):
        return services.account_create(
            tenant=tenant,
            by=None,
            external_id=f"ext-{n}",
            name=f"Account {n:03d}",
            segment=segment,
            acv=Decimal(acv),
            arr=Decimal(acv),
            owner=owner,
            **fields,
        )


def keep_arr_by_contracts(tenant, account, arr):
    """What renewals does once the account has contracts: the ARR is their sum from now on."""
    with scope(tenant=tenant):
        return services.account_update(account=account, by=None, arr=Decimal(arr), arr_from_contracts=True)
