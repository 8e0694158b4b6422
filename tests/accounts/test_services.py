"""Rules of account writes that no page or client may get around."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from accounts import services
from accounts.models import Account

from .builders import keep_arr_by_contracts, make_account

pytestmark = pytest.mark.django_db

KEPT = (
    "This account's ARR is the sum of its active contracts (currently 12,000 EUR); change it with a contract amendment."
)


def test_an_arr_kept_by_contracts_is_not_changed_by_hand(tenant_a, tiers):
    account = keep_arr_by_contracts(tenant_a, make_account(tenant_a, 1, acv=40_000), 12_000)
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        services.account_update(account=account, by=None, arr=Decimal(15_000), name="Renamed")
    assert refused.value.message_dict == {"arr": [KEPT]}
    with scope(tenant=tenant_a):
        stored = Account.objects.get(tenant=tenant_a, pk=account.pk)
    assert (stored.arr, stored.name, stored.arr_from_contracts) == (Decimal(12_000), "Account 001", True)
    # Refused before anything changed, so the instance still says what is stored.
    assert (account.arr, account.name) == (Decimal(12_000), "Account 001")


def test_the_same_arr_sent_back_and_other_fields_pass(tenant_a, tiers):
    account = keep_arr_by_contracts(tenant_a, make_account(tenant_a, 1), 12_000)
    with scope(tenant=tenant_a):
        services.account_update(account=account, by=None, arr=Decimal("12000.00"), industry="Retail")
        services.account_update(account=account, by=None, acv=Decimal(60_000))
        stored = Account.objects.get(tenant=tenant_a, pk=account.pk)
    assert (stored.arr, stored.industry, stored.acv) == (Decimal(12_000), "Retail", Decimal(60_000))


def test_renewals_passing_the_flag_moves_the_arr(tenant_a, tiers):
    account = keep_arr_by_contracts(tenant_a, make_account(tenant_a, 1), 12_000)
    keep_arr_by_contracts(tenant_a, account, 14_500)
    with scope(tenant=tenant_a):
        assert Account.objects.get(tenant=tenant_a, pk=account.pk).arr == Decimal(14_500)


def test_an_account_without_contracts_edits_its_arr_freely(tenant_a, tiers):
    account = make_account(tenant_a, 1, acv=40_000)
    assert account.arr_from_contracts is False
    with scope(tenant=tenant_a):
        services.account_update(account=account, by=None, arr=Decimal(41_000))
        assert Account.objects.get(tenant=tenant_a, pk=account.pk).arr == Decimal(41_000)
