"""A backfill reads the usage rollups once (AdoptionHistory) and gets, day by day, what each day's queries give."""

import datetime as dt

import pandas as pd
import pytest
from django_scopes import scope

from health.models import HealthScore
from health.selectors.adoption_history import AdoptionHistory
from health.selectors.inputs import measure_inputs
from health.services import scores as scoring

from .builders import DAY, account, ago, catalogue, people, send, uses

pytestmark = pytest.mark.django_db


def _book(tenant) -> list:
    """Three accounts: steady with a fractional-point event, one whose power user went quiet, one that stopped."""
    catalogue(tenant, "Report Created", points="2.35", is_core=True)
    catalogue(tenant, "Advanced Query Run", points=3, is_advanced=True)
    catalogue(tenant, "SSO Settings Viewed", points=1, is_locked=True)
    steady, quiet, stopped = (account(tenant, n, seats=6) for n in (1, 2, 3))
    calls = []
    for n, person in enumerate(people(tenant, steady, 4)):
        calls += uses(person, "Report Created", *(ago(d) for d in range(n, 170, 3)))
        calls += uses(person, "Advanced Query Run", *(ago(d) for d in range(2 * n, 60, 11)))
        calls += uses(person, "SSO Settings Viewed", ago(n + 1), ago(n + 20))
    for n, person in enumerate(people(tenant, quiet, 3)):
        calls += uses(person, "Logged In", *(ago(d) for d in range(30 if n == 0 else n, 150, 2)))
    calls += uses(people(tenant, stopped, 1)[0], "Report Created", *(ago(d) for d in range(120, 160, 5)))
    send(tenant, calls)
    return [steady, quiet, stopped]


def test_a_day_from_the_history_reads_as_that_days_queries(tenant_a):
    ids = [a.pk for a in _book(tenant_a)]
    with scope(tenant=tenant_a):
        history = AdoptionHistory(tenant=tenant_a, first=ago(80), last=DAY, ids=ids)
        for day in (ago(80), ago(45), ago(29), ago(6), DAY):
            queried = measure_inputs(tenant=tenant_a, day=day, account_ids=ids, metric_names=("Report Created",))
            read = measure_inputs(
                tenant=tenant_a, day=day, account_ids=ids, metric_names=("Report Created",), history=history
            )
            pd.testing.assert_frame_equal(read.raw, queried.raw)
            pd.testing.assert_frame_equal(read.contacts, queried.contacts)
            assert (read.details, read.facts) == (queried.details, queried.facts)


def test_a_backfill_writes_the_scores_that_scoring_each_day_writes(tenant_a):
    accounts = _book(tenant_a)
    ids = [a.pk for a in accounts]
    fields = ("account_id", "day", "score", "band", "measures", "delta_7", "delta_30", "explanation")
    with scope(tenant=tenant_a):
        assert scoring.health_history_backfill(tenant=tenant_a, days=40, account_ids=ids, today=DAY) == 41 * 3
        backfilled = list(HealthScore.objects.filter(tenant=tenant_a).order_by("day", "account_id").values(*fields))
        for back in range(40, -1, -1):
            scoring.accounts_score_day(tenant=tenant_a, day=DAY - dt.timedelta(days=back), account_ids=ids)
        queried = list(HealthScore.objects.filter(tenant=tenant_a).order_by("day", "account_id").values(*fields))
    assert backfilled == queried
