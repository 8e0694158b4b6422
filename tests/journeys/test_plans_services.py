"""Success plan services: progress against target (lower-is-better too), the current value that
follows the latest measurement by date, statuses that measurements decide, and milestones."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from journeys.models import Measurement, Milestone, ObjectiveStatus
from journeys.services import plans as services

from .builders import DAY, make_account, measure, objective, reload_objective

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(tenant_a):
    return make_account(tenant_a, 1)


def test_progress_of_a_lower_is_better_metric(tenant_a, acme):
    hours = objective(tenant_a, acme, baseline=48, target=12)
    assert hours.progress is None  # nothing measured yet
    measure(tenant_a, hours, 30)
    hours = reload_objective(tenant_a, hours)
    assert hours.current == Decimal(30) and hours.current_on == DAY
    assert hours.progress == pytest.approx(0.5)  # 18 of the 36 hours to lose
    assert hours.status == ObjectiveStatus.IN_PROGRESS


def test_progress_of_an_increasing_metric_is_capped_at_both_ends(tenant_a, acme):
    adoption = objective(tenant_a, acme, baseline=20, target=70, metric="Active seats", unit="%")
    measure(tenant_a, adoption, 45)
    assert reload_objective(tenant_a, adoption).progress == pytest.approx(0.5)
    measure(tenant_a, adoption, 10, on=DAY + dt.timedelta(days=1))
    assert reload_objective(tenant_a, adoption).progress == 0  # worse than the baseline is no progress, not negative
    measure(tenant_a, adoption, 90, on=DAY + dt.timedelta(days=2))
    assert reload_objective(tenant_a, adoption).progress == 1


def test_current_follows_the_latest_measurement_by_date_not_by_entry(tenant_a, acme):
    hours = objective(tenant_a, acme)
    measure(tenant_a, hours, 30, on=DAY)
    measure(tenant_a, hours, 40, on=DAY - dt.timedelta(days=30))  # a late entry of an older value
    hours = reload_objective(tenant_a, hours)
    assert (hours.current, hours.current_on) == (Decimal(30), DAY)
    with scope(tenant=tenant_a):
        assert Measurement.objects.filter(tenant=tenant_a, objective=hours).count() == 2


def test_reaching_the_target_achieves_it_and_deleting_the_latest_falls_back(tenant_a, acme):
    hours = objective(tenant_a, acme)
    measure(tenant_a, hours, 30, on=DAY)
    latest = measure(tenant_a, hours, 11, on=DAY + dt.timedelta(days=14))  # beyond the target counts as reached
    hours = reload_objective(tenant_a, hours)
    assert hours.status == ObjectiveStatus.ACHIEVED and hours.progress == 1

    with scope(tenant=tenant_a):
        services.measurement_delete(measurement=latest)
    hours = reload_objective(tenant_a, hours)
    assert (hours.current, hours.current_on) == (Decimal(30), DAY)
    assert hours.status == ObjectiveStatus.IN_PROGRESS

    with scope(tenant=tenant_a):
        services.measurement_delete(measurement=Measurement.objects.get(tenant=tenant_a, objective=hours))
    hours = reload_objective(tenant_a, hours)
    assert hours.current is None and hours.current_on is None and hours.progress is None


def test_deleting_the_only_achieving_measurement_unsettles_the_objective(tenant_a, acme):
    hours = objective(tenant_a, acme)
    only = measure(tenant_a, hours, 12)
    assert reload_objective(tenant_a, hours).status == ObjectiveStatus.ACHIEVED
    with scope(tenant=tenant_a):
        services.measurement_delete(measurement=only)
    assert reload_objective(tenant_a, hours).status == ObjectiveStatus.NOT_STARTED


def test_a_persons_at_risk_call_stays_until_the_target_is_reached(tenant_a, acme):
    hours = objective(tenant_a, acme, status=ObjectiveStatus.AT_RISK)
    measure(tenant_a, hours, 40)
    assert reload_objective(tenant_a, hours).status == ObjectiveStatus.AT_RISK
    measure(tenant_a, hours, 12, on=DAY + dt.timedelta(days=1))
    assert reload_objective(tenant_a, hours).status == ObjectiveStatus.ACHIEVED


def test_moving_the_target_re_reads_the_status(tenant_a, acme):
    hours = objective(tenant_a, acme)
    measure(tenant_a, hours, 20)
    with scope(tenant=tenant_a):
        hours = services.objective_update(objective=reload_objective(tenant_a, hours), target=Decimal(24))
    assert hours.status == ObjectiveStatus.ACHIEVED
    with scope(tenant=tenant_a):
        hours = services.objective_update(objective=hours, target=Decimal(12))
    assert hours.status == ObjectiveStatus.IN_PROGRESS and hours.progress == pytest.approx(28 / 36)


def test_an_objective_needs_a_target_that_differs_and_a_tenant_owner(tenant_a, acme, charlie):
    with pytest.raises(ValidationError) as same:
        objective(tenant_a, acme, baseline=10, target=10)
    assert "target" in same.value.message_dict
    with pytest.raises(ValidationError) as stranger:
        objective(tenant_a, acme, owner=charlie)
    assert "owner" in stranger.value.message_dict
    with pytest.raises(ValidationError) as blank:
        objective(tenant_a, acme, title="")
    assert "title" in blank.value.message_dict


def test_deleting_an_objective_keeps_its_milestones(tenant_a, acme):
    hours = objective(tenant_a, acme)
    measure(tenant_a, hours, 30)
    with scope(tenant=tenant_a):
        step = services.milestone_create(
            tenant=tenant_a, account=acme, title="ERP connected", due_on=DAY, objective=hours
        )
        services.objective_delete(objective=hours)
        assert not Measurement.objects.filter(tenant=tenant_a).exists()
        step.refresh_from_db()
    assert step.objective_id is None


def test_milestones_belong_to_one_plan_and_complete_once(tenant_a, acme):
    other = make_account(tenant_a, 2)
    elsewhere = objective(tenant_a, other)
    with scope(tenant=tenant_a):
        with pytest.raises(ValidationError) as wrong_plan:
            services.milestone_create(tenant=tenant_a, account=acme, title="Kick-off", due_on=DAY, objective=elsewhere)
        assert "objective" in wrong_plan.value.message_dict
        step = services.milestone_create(tenant=tenant_a, account=acme, title="Kick-off", due_on=DAY)
        services.milestone_complete(milestone=step, on=DAY)
        services.milestone_complete(milestone=step, on=DAY + dt.timedelta(days=3))
        assert Milestone.objects.get(pk=step.pk).done_on == DAY
        with pytest.raises(ValidationError) as future:
            services.milestone_update(milestone=step, done_on=dt.date.today() + dt.timedelta(days=30))
        assert "done_on" in future.value.message_dict
        services.milestone_delete(milestone=step)
        assert not Milestone.objects.filter(tenant=tenant_a).exists()
