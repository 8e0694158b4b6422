"""Health's figures on the account row: accounts writes its own columns (health computes the figures)."""

import pytest
from django_scopes import scopes_disabled

from accounts.models import Account
from accounts.services import account_health_update

from .builders import make_account

pytestmark = pytest.mark.django_db


def figures(*accounts: Account) -> list[tuple[int | None, str]]:
    with scopes_disabled():
        return [tuple(Account.objects.values_list("health_score", "health_band").get(pk=a.pk)) for a in accounts]


def test_the_scores_land_on_the_tenants_accounts_only(tenant_a, tenant_b):
    first, second = make_account(tenant_a, 1), make_account(tenant_a, 2)
    other = make_account(tenant_b, 3)

    account_health_update(
        tenant_id=tenant_a.pk, scores=[(first.pk, 71, "green"), (second.pk, 38, "red"), (other.pk, 90, "green")]
    )
    # The other tenant's id in tenant A's batch writes nothing: the statement names the tenant.
    assert figures(first, second, other) == [(71, "green"), (38, "red"), (None, "")]

    account_health_update(tenant_id=tenant_a.pk, scores=[(first.pk, None, "yellow")])
    assert figures(first, second) == [(None, "yellow"), (38, "red")]
