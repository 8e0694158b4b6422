from decimal import Decimal

import pytest
from django_scopes import scope

from accounts import services


@pytest.fixture
def tiers(tenant_a):
    """The three default tiers of the hybrid model: {'high': ..., 'low': ..., 'tech': ...}."""
    with scope(tenant=tenant_a):
        made = services.tiers_create_defaults(tenant=tenant_a)
    return {tier.touch_model.split("_")[0]: tier for tier in made}


@pytest.fixture
def in_a(tenant_a):
    """Run the test body inside tenant A's scope."""
    with scope(tenant=tenant_a):
        yield tenant_a


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
