"""Whether a playbook worked: its runs, the tasks they made and how fast those were done, and the chosen
outcome measure for the accounts it acted on beside those that matched while it was off; a group too small
to compare says so in words. Constant queries, whatever the number of runs."""

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scope

from activities.models import Task, TaskSource, TaskStatus
from activities.services.tasks import task_close
from core import tenant_time
from playbooks.models import RunStatus
from playbooks.selectors.effectiveness import playbook_effectiveness
from playbooks.services.playbooks import playbook_enable
from renewals.services import pipeline

from ..renewals.builders import close, contract_for, make_account
from .builders import bands, playbook_make, runs_fired

pytestmark = pytest.mark.django_db


def accounts(tenant, first: int, count: int, owner) -> list:
    return [make_account(tenant, n, segment="enterprise", owner=owner) for n in range(first, first + count)]


def measured(tenant, playbook):
    with scope(tenant=tenant):
        return playbook_effectiveness(tenant=tenant, playbook=playbook, today=tenant_time.today(tenant))


def enable(tenant, playbook):
    with scope(tenant=tenant):
        return playbook_enable(tenant=tenant, playbook=playbook)


def test_health_recovery_beside_the_accounts_matched_while_it_was_off(
    tenant_a, alice, bob, django_assert_max_num_queries
):
    playbook = playbook_make(tenant_a, by=alice)
    compared = accounts(tenant_a, 1, 10, bob)
    runs_fired(tenant_a, playbook, compared, days_ago=100)
    playbook = enable(tenant_a, playbook)
    acted = accounts(tenant_a, 11, 12, bob)
    runs_fired(tenant_a, playbook, acted, days_ago=100)
    for n, account in enumerate(acted):
        # 8 back to yellow 20 days after the run, 2 green after 55 days, 2 still red.
        later = {80: "yellow"} if n < 8 else {45: "green"} if n < 10 else {}
        bands(tenant_a, account, {100: "red", 99: "red", **later})
    for n, account in enumerate(compared):
        bands(tenant_a, account, {100: "red", **({50: "yellow"} if n < 2 else {})})
    with scope(tenant=tenant_a):
        made = list(Task.objects.filter(tenant=tenant_a, source=TaskSource.PLAYBOOK_RUN).order_by("pk"))
        for task in made[:3]:
            task_close(tenant=tenant_a, task=task, status=TaskStatus.DONE, by=bob, note="Called them")

    with django_assert_max_num_queries(5):
        report = measured(tenant_a, playbook)

    assert report.runs_total == 22
    assert [(status, count) for status, _label, count in report.runs_by_status] == [
        (RunStatus.DONE, 12),
        (RunStatus.HELD, 10),
    ]
    assert (report.tasks_made, report.tasks_done, report.tasks_open) == (12, 3, 9)
    assert report.median_hours_to_done is not None and report.median_hours_to_done < 1
    assert report.median_to_done == "0 hours"
    assert (report.acted.accounts, report.compared.accounts) == (12, 10)
    assert report.comparable and report.acted.sentence == ""
    assert [(row.label, row.count, row.of) for row in report.acted.rows] == [
        ("Yellow or green within 30 days", 8, 12),
        ("Yellow or green within 60 days", 10, 12),
        ("Yellow or green within 90 days", 10, 12),
    ]
    assert [(row.count, row.of, row.percent) for row in report.compared.rows] == [(0, 10, 0), (2, 10, 20), (2, 10, 20)]


def test_a_group_of_fewer_than_ten_accounts_is_too_small_to_compare(tenant_a, alice, bob):
    playbook = enable(tenant_a, playbook_make(tenant_a, by=alice))
    acted = accounts(tenant_a, 1, 3, bob)
    runs_fired(tenant_a, playbook, acted, days_ago=40)
    for account in acted:
        bands(tenant_a, account, {40: "red", 30: "green"})

    report = measured(tenant_a, playbook)

    assert not report.comparable
    assert "too small to compare" in report.sentence
    assert report.acted.sentence == "Only 3 accounts: too few to compare (at least 10 are needed)."
    assert report.compared.sentence == "No accounts yet."
    # Only the 30-day horizon has passed for runs 40 days old.
    assert [(row.count, row.of) for row in report.acted.rows] == [(3, 3), (0, 0), (0, 0)]


def test_renewal_outcomes_decided_after_the_run(tenant_a, alice, bob):
    playbook = enable(tenant_a, playbook_make(tenant_a, by=alice, outcome_measure="renewal_outcome"))
    acted = accounts(tenant_a, 1, 10, bob)
    contracts = [contract_for(tenant_a, account, days_to_end=20, arr=10_000) for account in acted]
    today = tenant_time.today(tenant_a)
    # One decided before the run does not count: the run could not have changed it.
    early = make_account(tenant_a, 99, segment="enterprise", owner=bob)
    close(tenant_a, contract_for(tenant_a, early, days_to_end=20, arr=10_000), on=today - dt.timedelta(days=60))
    runs_fired(tenant_a, playbook, [*acted, early], days_ago=30)
    for n, contract in enumerate(contracts[:9]):
        close(tenant_a, contract, None if n < 3 else 10_000, on=today - dt.timedelta(days=5))

    report = measured(tenant_a, playbook)

    assert report.acted.accounts == 11
    assert [(row.label, row.count, row.of) for row in report.acted.rows] == [
        ("Renewal decided since the run", 9, 11),
        ("Renewed or expanded", 6, 9),
        ("Contracted", 0, 9),
        ("Churned", 3, 9),
    ]


def test_expansion_counts_opportunities_opened_and_won_after_the_run(tenant_a, alice, bob):
    playbook = enable(tenant_a, playbook_make(tenant_a, by=alice, outcome_measure="expansion"))
    acted = accounts(tenant_a, 1, 4, bob)
    runs_fired(tenant_a, playbook, acted, days_ago=30)
    today = tenant_time.today(tenant_a)
    with scope(tenant=tenant_a):
        for n, account in enumerate(acted[:2]):
            opportunity = pipeline.opportunity_create(
                tenant=tenant_a,
                account=account,
                by=bob,
                title="More seats",
                kind="seats",
                value=Decimal(5_000),
                identified_on=today - dt.timedelta(days=10),
            )
            if n == 0:
                pipeline.opportunity_move(opportunity=opportunity, stage="won", by=bob, add_to_contract=False)

    report = measured(tenant_a, playbook)

    rows = {row.label: row for row in report.acted.rows}
    assert (rows["Opportunity opened within 90 days"].count, rows["Opportunity opened within 90 days"].of) == (2, 4)
    assert rows["Opportunity won"].count == 1
    assert rows["ARR won"].amount == 5_000
