"""Backtest: AUC by Mann-Whitney against a hand count, churn rate by band, and the early-warning lead time,
on small books whose usage goes in through ingestion."""

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scope

from accounts import services as account_services
from accounts.models import Account
from health.models import HealthModel
from health.services import backtest
from health.services import scores as scoring
from renewals import services as renewal_services
from renewals.models import Outcome, Renewal

from .builders import DAY, account, people, save_model, send, uses

pytestmark = pytest.mark.django_db


def test_auc_counts_ties_as_half():
    assert backtest.auc([3, 2], [1, 0]) == 1.0
    assert backtest.auc([0], [1, 2]) == 0.0
    # 80 beats all three; 40 beats 0 and 20; 0 ties 0: (3 + 2 + 0.5) / 9
    assert backtest.auc([80, 40, 0], [0, 20, 70]) == pytest.approx(5.5 / 9)
    assert backtest.auc([5, 5], [5, 5]) == 0.5
    assert backtest.auc([], [1]) is None
    assert backtest.auc([1], []) is None


def _churn(tenant, acct, on: dt.date) -> None:
    with scope(tenant=tenant):
        account_services.account_deactivate(account=acct, by=None)
        # Churned in the past: the service dates a churn today.
        Account.objects.filter(tenant=tenant, pk=acct.pk).update(churned_on=on)


def _active_on(tenant, n: int, *, active: int, day: dt.date, seats: int = 10):
    """Account n with `active` of its people using the product on `day`."""
    acct = account(tenant, n, seats=seats)
    send(tenant, [call for person in people(tenant, acct, active) for call in uses(person, "Report Created", day)])
    return acct


def _active_seats_only(tenant) -> None:
    # Score = active-seat points only: 0:0, 0.4:40, 0.7:100 of 10 seats.
    save_model(tenant, weights={"active_seats": 100}, green_from=70, yellow_from=40)


def test_auc_and_churn_rate_by_band_thirty_days_before_the_outcome(tenant_a):
    _active_seats_only(tenant_a)
    churned = {}
    # Churned accounts, scored 30 days before their churn with usage 35 days before it.
    for n, (active, churn_ago) in enumerate([(2, 20), (5, 40), (7, 50)], start=1):
        churn_on = DAY - dt.timedelta(days=churn_ago)
        churned[n] = _active_on(tenant_a, n, active=active, day=churn_on - dt.timedelta(days=35))
        _churn(tenant_a, churned[n], churn_on)
    # Retained (active) accounts: their outcome is today, DAY.
    for n, active in [(4, 8), (5, 6), (6, 3)]:
        _active_on(tenant_a, n, active=active, day=DAY - dt.timedelta(days=35))

    with scope(tenant=tenant_a):
        report = backtest.backtest_run(
            tenant=tenant_a, model_for=scoring.health_models_in_effect(tenant=tenant_a), today=DAY, horizons=(30,)
        )
    # Scores: churned 20, 60, 100 (risk 80, 40, 0); retained 100, 80, 30 (risk 0, 20, 70).
    assert (report.churned_accounts, report.retained_accounts) == (3, 3)
    horizon = report.horizon(30)
    assert (horizon.scored, horizon.churned, horizon.retained) == (6, 3, 3)
    assert horizon.auc == pytest.approx(5.5 / 9)
    by_band = {row.band: (row.accounts, row.churned, row.rate) for row in horizon.bands}
    assert by_band["green"] == (3, 1, pytest.approx(1 / 3))
    assert by_band["yellow"] == (1, 1, 1.0)
    assert by_band["red"] == (2, 1, 0.5)


def test_lead_time_from_the_first_red_score_before_the_churn(tenant_a):
    _active_seats_only(tenant_a)
    churn_on = DAY - dt.timedelta(days=10)

    def used_until(n: int, last: int):
        """Three of four seats in use every other day from 120 days before the churn to `last` days before."""
        acct = account(tenant_a, n, seats=4)
        days = [churn_on - dt.timedelta(days=d) for d in range(120, last - 1, -2)]
        send(tenant_a, [call for person in people(tenant_a, acct, 3) for call in uses(person, "Report Created", *days)])
        _churn(tenant_a, acct, churn_on)
        return acct

    # Samples: the weekly grid from DAY (DAY-21 ... DAY-98, i.e. 11, 18, ..., 88 days before the churn)
    # and the horizons 30, 60, 90. A sample o days before the churn sees the 30 days o..o+29.
    used_until(1, 100)  # last use 100 days before: green down to 74 (74+29 >= 100), red at 67
    used_until(2, 70)  # last use 70 days before: green at 46 (46+29 >= 70), red at 39
    used_until(3, 2)  # green to the end: never flagged
    with scope(tenant=tenant_a):
        report = backtest.backtest_run(
            tenant=tenant_a, model_for=scoring.health_models_in_effect(tenant=tenant_a), today=DAY
        )
    lead = report.lead_time
    assert (lead.churned, lead.flagged, lead.flagged_early) == (3, 2, 1)
    assert lead.days == [67, 39]
    assert lead.median == 53 and lead.mean == 53
    assert lead.sentence == "This model would have flagged 1 of 3 churns at least 60 days early."
    # No retained account: AUC is undefined, not a number.
    assert all(h.auc is None for h in report.horizons)


def test_a_candidate_model_is_scored_on_the_same_inputs_without_being_saved(tenant_a):
    _active_seats_only(tenant_a)
    for n, active in [(1, 2), (2, 8)]:
        acct = _active_on(tenant_a, n, active=active, day=DAY - dt.timedelta(days=35))
        if n == 1:
            _churn(tenant_a, acct, DAY)
    with scope(tenant=tenant_a):
        current = scoring.health_model_current(tenant=tenant_a)
        candidate = HealthModel(tenant=tenant_a, segment="", measures=current.measures, green_from=95, yellow_from=90)
        comparison = backtest.backtest_compare(tenant=tenant_a, segment="", candidate=candidate, today=DAY)
        assert HealthModel.objects.filter(tenant=tenant_a).count() == 1
    assert comparison.current.horizon(30).bands[2].accounts == 1  # 20 points: red either way
    assert [r.accounts for r in comparison.candidate.horizon(30).bands] == [1, 0, 1]
    assert comparison.current.horizon(30).auc == comparison.candidate.horizon(30).auc == 1.0


def test_no_known_outcome_makes_an_empty_report(tenant_a):
    with scope(tenant=tenant_a):
        report = backtest.backtest_run(tenant=tenant_a, model_for=scoring.health_models_in_effect(tenant=tenant_a))
    assert not report.has_outcomes
    assert report.lead_time.sentence.startswith("No churned account")


def _contract(tenant, acct, *, ends: dt.date):
    """A year's contract of `acct` ending on `ends`, known from its start."""
    start = ends - dt.timedelta(days=364)
    with scope(tenant=tenant):
        contract = renewal_services.contract_create(
            tenant=tenant, account=acct, start_on=start, end_on=ends, arr=Decimal(20_000), today=start
        )
        return Renewal.objects.get(tenant=tenant, contract=contract)


def test_decided_renewals_are_the_outcomes_once_there_are_any(tenant_a):
    _active_seats_only(tenant_a)
    # Lost: the renewal due 20 days ago churned (the account ends on the contract's end, once).
    lost = _active_on(tenant_a, 1, active=2, day=DAY - dt.timedelta(days=55))
    lost_renewal = _contract(tenant_a, lost, ends=DAY - dt.timedelta(days=20))
    # Won early: due 40 days ago but signed 50 days ago, so decided then.
    won = _active_on(tenant_a, 2, active=8, day=DAY - dt.timedelta(days=85))
    won_renewal = _contract(tenant_a, won, ends=DAY - dt.timedelta(days=40))
    # Ended by hand 30 days ago, no renewal behind it: still a churn.
    by_hand = _active_on(tenant_a, 3, active=5, day=DAY - dt.timedelta(days=65))
    _churn(tenant_a, by_hand, DAY - dt.timedelta(days=30))
    # Active, its renewal still open: no outcome yet (without renewals it would count as retained today).
    open_one = _active_on(tenant_a, 4, active=9, day=DAY - dt.timedelta(days=35))
    _contract(tenant_a, open_one, ends=DAY + dt.timedelta(days=100))
    with scope(tenant=tenant_a):
        churn_reason = next(
            r for r in renewal_services.outcome_reasons(tenant=tenant_a) if r.applies_to != "contraction"
        )
        renewal_services.renewal_close(
            renewal=lost_renewal, outcome=Outcome.CHURNED, by=None, reason=churn_reason, closed_on=DAY
        )
        renewal_services.renewal_close(
            renewal=won_renewal, outcome=None, new_arr=Decimal(20_000), by=None, closed_on=DAY - dt.timedelta(days=50)
        )
        report = backtest.backtest_run(
            tenant=tenant_a, model_for=scoring.health_models_in_effect(tenant=tenant_a), today=DAY, horizons=(30,)
        )

    assert report.from_renewals
    assert (report.churned_accounts, report.retained_accounts) == (2, 1)
    horizon = report.horizon(30)
    # 30 days before each outcome: lost 20 points (2 of 10 seats), by hand 60 (5), won 100 (8).
    assert (horizon.scored, horizon.churned, horizon.retained) == (3, 2, 1)
    by_band = {row.band: (row.accounts, row.churned) for row in horizon.bands}
    assert by_band == {"green": (1, 0), "yellow": (1, 1), "red": (1, 1)}
    assert horizon.auc == 1.0


def test_without_decided_renewals_active_accounts_are_retained_today(tenant_a):
    _active_seats_only(tenant_a)
    acct = _active_on(tenant_a, 1, active=8, day=DAY - dt.timedelta(days=35))
    _contract(tenant_a, acct, ends=DAY + dt.timedelta(days=100))  # open: decided nothing yet
    with scope(tenant=tenant_a):
        report = backtest.backtest_run(
            tenant=tenant_a, model_for=scoring.health_models_in_effect(tenant=tenant_a), today=DAY, horizons=(30,)
        )
    assert not report.from_renewals
    assert (report.churned_accounts, report.retained_accounts) == (0, 1)
    assert report.horizon(30).scored == 1


def test_days_before_the_first_product_data_are_left_out(tenant_a):
    _active_seats_only(tenant_a)
    # Usage starts 70 days before DAY: the churn 20 days ago can be scored 30 days before (50 ago), not 60
    # or 90 days before; the retained account (outcome DAY) 30 and 60 days before, not 90.
    churned = _active_on(tenant_a, 1, active=2, day=DAY - dt.timedelta(days=70))
    _churn(tenant_a, churned, DAY - dt.timedelta(days=20))
    _active_on(tenant_a, 2, active=8, day=DAY - dt.timedelta(days=65))
    with scope(tenant=tenant_a):
        report = backtest.backtest_run(
            tenant=tenant_a, model_for=scoring.health_models_in_effect(tenant=tenant_a), today=DAY
        )
    assert report.data_from == DAY - dt.timedelta(days=70)
    assert [(h.days, h.scored, h.before_data) for h in report.horizons] == [(30, 2, 0), (60, 1, 1), (90, 0, 2)]
