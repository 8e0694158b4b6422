"""The hourly renewals sweep on a real Celery worker: auto-renewals happen once, in the right tenant."""

from decimal import Decimal

import pytest
from django.conf import settings
from django_scopes import scope

from renewals.models import Outcome, Renewal, RenewalStatus
from renewals.tasks import renewals_refresh_task

from .builders import contract_for, make_account, renewal_of

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _run(result):
    return result.get(timeout=60, propagate=False) if settings.REDIS_URL else result.result


def test_the_sweep_renews_due_auto_renew_contracts_once_and_only_in_its_tenant(worker, tenant_a, tenant_b):
    ours = contract_for(tenant_a, make_account(tenant_a, 1, segment="product_led"), days_to_end=0, arr=1_200)
    theirs = contract_for(tenant_b, make_account(tenant_b, 1, segment="product_led"), days_to_end=0, arr=900)

    first = _run(renewals_refresh_task.delay(tenant_id=tenant_a.pk))
    second = _run(renewals_refresh_task.delay(tenant_id=tenant_a.pk))

    assert first["auto_renewed"] == 1 and second["auto_renewed"] == 0
    assert first["forecasts"] >= 1
    renewed = renewal_of(tenant_a, ours)
    assert (renewed.status, renewed.outcome, renewed.outcome_arr) == (
        RenewalStatus.CLOSED,
        Outcome.RENEWED,
        Decimal(1_200),
    )
    with scope(tenant=tenant_a):
        assert Renewal.objects.filter(tenant=tenant_a, status=RenewalStatus.OPEN).count() == 1
    assert renewal_of(tenant_b, theirs).status == RenewalStatus.OPEN
