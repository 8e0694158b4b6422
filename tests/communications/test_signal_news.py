"""Health's batch news (`signals_changed`): its receivers in the other apps (renewals' forecast refresh,
communications' cadences, exits and alerts) cost a constant number of queries per batch, not per signal, so
a night that raises thousands of signals stays cheap; and they still do their work."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from health.models import HealthSignal
from health.signals import signals_announce
from renewals.models import Renewal

from ..renewals.builders import contract_for, make_account

pytestmark = pytest.mark.django_db


def _signals(tenant, accounts, kind: str = "band_change", status: str = "open") -> list[HealthSignal]:
    with scope(tenant=tenant):
        return [
            HealthSignal.objects.create(
                tenant=tenant,
                account=account,
                kind=kind,
                subject=kind,
                severity="medium",
                message=f"{account.name}: band changed from green to yellow.",
                raised_on=timezone.localdate(),
                status=status,
                resolved_at=timezone.now() if status == "resolved" else None,
            )
            for account in accounts
        ]


@pytest.fixture
def announce(django_capture_on_commit_callbacks):
    """Announce a batch as detection does and deliver it to every receiver: the queries it took."""

    def queries_of(tenant, raised, resolved=()) -> int:
        with (
            CaptureQueriesContext(connection) as queries,
            scope(tenant=tenant),
            django_capture_on_commit_callbacks(execute=True),
        ):
            signals_announce(tenant=tenant, raised=[s.pk for s in raised], resolved=[s.pk for s in resolved])
        return len(queries)

    return queries_of


def test_the_receivers_cost_the_same_for_three_signals_as_for_twelve(tenant_a, announce):
    accounts = [make_account(tenant_a, n) for n in range(1, 16)]
    for account in accounts:
        contract_for(tenant_a, account, days_to_end=40)
    announce(tenant_a, _signals(tenant_a, accounts[:1]))  # defaults made (cadences, settings) once
    few, many = (
        announce(tenant_a, _signals(tenant_a, chunk), resolved=_signals(tenant_a, chunk, "score_drop", "resolved"))
        for chunk in (accounts[1:4], accounts[4:16])
    )
    assert few == many


def test_the_batch_refreshes_the_forecasts_of_its_accounts(tenant_a, announce):
    account = make_account(tenant_a, 1)
    renewal_of = contract_for(tenant_a, account, days_to_end=40).renewal
    with scope(tenant=tenant_a):
        Renewal.objects.filter(tenant=tenant_a, pk=renewal_of.pk).update(suggested_at=None, suggestion_reasons=[])
    announce(tenant_a, _signals(tenant_a, [account], kind="late_payment"))
    with scope(tenant=tenant_a):
        renewal = Renewal.objects.get(tenant=tenant_a, pk=renewal_of.pk)
    assert renewal.suggested_at is not None
