"""Contracts, runways, checkpoints, outcomes and auto-renewal, through the services."""

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_scopes import scope, scopes_disabled

from accounts import services as account_services
from accounts.models import Account, AccountStatus
from renewals import services
from renewals.models import (
    AmendmentKind,
    Checkpoint,
    CheckpointStatus,
    Contract,
    ContractStatus,
    Lever,
    Outcome,
    OutcomeReason,
    RenewalStatus,
    RunwayStep,
)
from renewals.signals import renewal_closed
from tenancy.models import OutboxEvent

from .builders import checkpoints_of, contract_for, make_account, reload_contract, reload_renewal, renewal_of, today_of

pytestmark = pytest.mark.django_db


def days_before(checkpoints) -> list[int]:
    return [c.days_before for c in checkpoints]


def reason(tenant, label: str) -> OutcomeReason:
    with scope(tenant=tenant):
        services.outcome_reasons(tenant=tenant)
        return OutcomeReason.objects.get(tenant=tenant, label=label)


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("enterprise", [180, 120, 90, 60, 30]),
        ("mid_market", [120, 90, 60, 30]),
        ("smb", [60, 30]),
        ("product_led", [30, 14]),
    ],
)
def test_each_segment_gets_the_seeds_runway_planned_back_from_the_end(tenant_a, segment, expected):
    account = make_account(tenant_a, 1, segment=segment)
    contract = contract_for(tenant_a, account, days_to_end=400)
    renewal = renewal_of(tenant_a, contract)
    checkpoints = checkpoints_of(tenant_a, renewal)

    assert days_before(checkpoints) == expected
    for checkpoint in checkpoints:
        assert checkpoint.planned_on == contract.end_on - dt.timedelta(days=checkpoint.days_before)
        assert checkpoint.due_on == checkpoint.planned_on
    assert renewal.due_on == contract.end_on
    assert renewal.runway_days == expected[0]
    assert not renewal.is_late_start


def test_checkpoints_are_tasks_of_the_account_owner(tenant_a, bob):
    account = make_account(tenant_a, 1, segment="smb", owner=bob)
    renewal = renewal_of(tenant_a, contract_for(tenant_a, account, days_to_end=200))

    assert renewal.owner == bob
    assert {c.owner_id for c in checkpoints_of(tenant_a, renewal)} == {bob.pk}
    assert {c.status for c in checkpoints_of(tenant_a, renewal)} == {CheckpointStatus.OPEN}


def test_a_contract_known_45_days_before_its_end_compresses_the_past_checkpoints(tenant_a):
    account = make_account(tenant_a, 1, segment="enterprise")
    contract = contract_for(tenant_a, account, days_to_end=45, known_days_before_end=45)
    renewal = renewal_of(tenant_a, contract)
    checkpoints = checkpoints_of(tenant_a, renewal)
    known = contract.end_on - dt.timedelta(days=45)

    assert renewal.is_late_start
    assert renewal.runway_started_on == known
    assert days_before(checkpoints) == [180, 120, 90, 60, 30]
    # Nothing planned in the past: T-180 .. T-60 are spread from the day it became known up to T-30,
    # which keeps its own date; the order of the runway holds.
    assert all(c.due_on >= known for c in checkpoints)
    assert [c.due_on for c in checkpoints] == sorted(c.due_on for c in checkpoints)
    assert checkpoints[0].due_on == known
    assert [c.is_compressed for c in checkpoints] == [True, True, True, True, False]
    assert checkpoints[-1].due_on == contract.end_on - dt.timedelta(days=30)
    assert checkpoints[3].due_on < checkpoints[-1].due_on


def test_a_contract_entered_after_its_last_checkpoint_squeezes_everything_before_the_end(tenant_a):
    account = make_account(tenant_a, 1, segment="smb")
    contract = contract_for(tenant_a, account, days_to_end=10, known_days_before_end=10)
    checkpoints = checkpoints_of(tenant_a, renewal_of(tenant_a, contract))
    known = contract.end_on - dt.timedelta(days=10)

    assert [c.due_on for c in checkpoints] == [known, known + dt.timedelta(days=5)]
    assert all(c.due_on <= contract.end_on for c in checkpoints)


def test_runway_settings_shape_new_renewals_only(tenant_a):
    account = make_account(tenant_a, 1, segment="smb")
    first = renewal_of(tenant_a, contract_for(tenant_a, account, days_to_end=300))
    with scope(tenant=tenant_a):
        step = RunwayStep(tenant=tenant_a, segment="smb", days_before=90, title="Usage and value report")
        services.runway_step_save(step=step)
        with pytest.raises(ValidationError) as clash:
            services.runway_step_save(step=RunwayStep(tenant=tenant_a, segment="smb", days_before=90, title="Again"))
    second = renewal_of(tenant_a, contract_for(tenant_a, account, days_to_end=330))

    assert "already has a step at T-90" in str(clash.value)
    assert days_before(checkpoints_of(tenant_a, first)) == [60, 30]
    assert days_before(checkpoints_of(tenant_a, second)) == [90, 60, 30]


def test_checkpoint_done_and_skipped_keep_who_and_why(tenant_a, bob):
    account = make_account(tenant_a, 1, segment="smb", owner=bob)
    renewal = renewal_of(tenant_a, contract_for(tenant_a, account, days_to_end=200))
    first, second = checkpoints_of(tenant_a, renewal)
    with scope(tenant=tenant_a):
        services.checkpoint_complete(checkpoint=first, by=bob, note="Sent the value report")
        with pytest.raises(ValidationError) as no_reason:
            services.checkpoint_complete(checkpoint=second, by=bob, status=CheckpointStatus.SKIPPED)
        services.checkpoint_complete(checkpoint=second, by=bob, status=CheckpointStatus.SKIPPED, note="Signed early")
        first.refresh_from_db()
        second.refresh_from_db()

    assert "Say why" in str(no_reason.value)
    assert (first.status, first.completed_by, first.note) == (CheckpointStatus.DONE, bob, "Sent the value report")
    assert (second.status, second.note) == (CheckpointStatus.SKIPPED, "Signed early")
    assert first.completed_at is not None


def test_assigning_a_renewal_moves_its_open_checkpoints(tenant_a, alice, bob):
    account = make_account(tenant_a, 1, segment="smb", owner=bob)
    renewal = renewal_of(tenant_a, contract_for(tenant_a, account, days_to_end=200))
    done, still_open = checkpoints_of(tenant_a, renewal)
    with scope(tenant=tenant_a):
        services.checkpoint_complete(checkpoint=done, by=bob)
        services.renewal_assign(renewal=renewal, owner=alice, by=alice)

    assert reload_renewal(tenant_a, renewal).owner == alice
    owners = {c.pk: c.owner_id for c in checkpoints_of(tenant_a, renewal)}
    assert owners == {done.pk: bob.pk, still_open.pk: alice.pk}


def test_account_arr_is_the_sum_of_its_active_contracts_and_follows_amendments(tenant_a):
    account = make_account(tenant_a, 1, acv=10_000)
    contract_for(tenant_a, account, days_to_end=100, arr=30_000)
    second = contract_for(tenant_a, account, days_to_end=200, arr=20_000)
    with scope(tenant=tenant_a):
        assert Account.objects.get(pk=account.pk).arr == Decimal(50_000)
        services.contract_amend(
            contract=second,
            kind=AmendmentKind.SEATS_ADDED,
            effective_on=today_of(tenant_a),
            arr_change=Decimal(5_000),
            seats_change=10,
        )
        assert Account.objects.get(pk=account.pk).arr == Decimal(55_000)
    second = reload_contract(tenant_a, second)
    assert (second.arr, second.current_arr, second.current_seats) == (Decimal(20_000), Decimal(25_000), 10)
    assert renewal_of(tenant_a, second).arr == Decimal(25_000)


def test_a_first_contract_at_the_arr_typed_before_still_makes_contracts_keep_it(tenant_a):
    account = make_account(tenant_a, 1, acv=40_000)
    contract = contract_for(tenant_a, account, days_to_end=100, arr=40_000)
    with scope(tenant=tenant_a):
        account = Account.objects.get(tenant=tenant_a, pk=account.pk)
        assert (account.arr, account.arr_from_contracts) == (Decimal(40_000), True)
        with pytest.raises(ValidationError) as by_hand:
            account_services.account_update(account=account, by=None, arr=Decimal(45_000))
        assert "change it with a contract amendment" in by_hand.value.message_dict["arr"][0]
        services.contract_amend(
            contract=contract,
            kind=AmendmentKind.PRICE_INCREASE,
            effective_on=today_of(tenant_a),
            arr_change=Decimal(5_000),
        )
        account = Account.objects.get(tenant=tenant_a, pk=account.pk)
    assert (account.arr, account.arr_from_contracts) == (Decimal(45_000), True)


def test_the_migration_marks_the_accounts_that_have_contracts_in_every_tenant(tenant_a, tenant_b):
    migration = importlib.import_module("renewals.migrations.0002_account_arr_from_contracts")
    with_contract, without = make_account(tenant_a, 1), make_account(tenant_a, 2)
    ended, elsewhere = make_account(tenant_a, 3), make_account(tenant_b, 1)
    contract_for(tenant_a, with_contract, arr=30_000)
    contract_for(tenant_b, elsewhere, arr=10_000)
    gone = contract_for(tenant_a, ended, days_to_end=-3, arr=20_000)
    with scope(tenant=tenant_a):
        services.renewal_close(
            renewal=renewal_of(tenant_a, gone),
            outcome=Outcome.CHURNED,
            by=None,
            reason=reason(tenant_a, "Value not proven"),
        )
    with scopes_disabled():
        # As the accounts were before the flag existed.
        Account.objects.update(arr_from_contracts=False)
    # The models as the migration sees them, outside any tenant scope, as `migrate` runs it.
    historical = MigrationLoader(connection).project_state(("renewals", migration.__name__.rsplit(".", 1)[1])).apps
    migration.mark_accounts_with_contracts(historical, None)
    with scopes_disabled():
        marked = dict(Account.objects.values_list("pk", "arr_from_contracts"))
    assert marked == {with_contract.pk: True, without.pk: False, ended.pk: True, elsewhere.pk: True}


@pytest.mark.parametrize(
    ("kind", "arr_change", "field", "message"),
    [
        (AmendmentKind.SEATS_REMOVED, 1_000, "arr_change", "negative amount"),
        (AmendmentKind.SEATS_ADDED, -1_000, "arr_change", "positive amount"),
        (AmendmentKind.PRICE_DECREASE, -90_000, "arr_change", "below zero"),
        (AmendmentKind.UPGRADE, 0, "arr_change", "changes the ARR, the seats, or both"),
    ],
)
def test_amendments_that_make_no_sense_are_refused_with_the_reason(tenant_a, kind, arr_change, field, message):
    contract = contract_for(tenant_a, make_account(tenant_a, 1), arr=50_000)
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        services.contract_amend(contract=contract, kind=kind, effective_on=today_of(tenant_a), arr_change=arr_change)

    assert field in refused.value.message_dict
    assert message in refused.value.message_dict[field][0]


def test_an_amendment_outside_the_term_is_refused(tenant_a):
    contract = contract_for(tenant_a, make_account(tenant_a, 1), days_to_end=30)
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        services.contract_amend(
            contract=contract,
            kind=AmendmentKind.SEATS_ADDED,
            effective_on=contract.end_on + dt.timedelta(days=1),
            arr_change=100,
        )
    assert "outside its term" in refused.value.message_dict["effective_on"][0]


def test_end_before_start_is_refused(tenant_a):
    account = make_account(tenant_a, 1)
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        services.contract_create(
            tenant=tenant_a, account=account, start_on=dt.date(2027, 1, 1), end_on=dt.date(2026, 12, 1), arr=1
        )
    assert "before it starts" in refused.value.message_dict["end_on"][0]


def test_term_months_give_the_end_and_product_led_auto_renews_by_default(tenant_a):
    account = make_account(tenant_a, 1, segment="product_led")
    with scope(tenant=tenant_a):
        contract = services.contract_create(
            tenant=tenant_a, account=account, start_on=dt.date(2027, 1, 1), term_months=12, arr=1_200
        )
        other = services.contract_create(
            tenant=tenant_a, account=make_account(tenant_a, 2, segment="smb"), start_on=dt.date(2027, 1, 1), arr=1
        )
    assert contract.end_on == dt.date(2027, 12, 31)
    assert contract.auto_renew and contract.notice_days == 30
    assert not other.auto_renew


def test_renewed_at_a_higher_arr_is_an_expansion_with_the_next_contract_and_its_runway(
    tenant_a, alice, django_capture_on_commit_callbacks
):
    account = make_account(tenant_a, 1, segment="mid_market")
    contract = contract_for(tenant_a, account, days_to_end=20, arr=40_000)
    renewal = renewal_of(tenant_a, contract)
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        services.renewal_close(
            renewal=renewal,
            outcome=None,
            by=alice,
            new_arr=Decimal(46_000),
            term_months=24,
            levers=[Lever.MULTI_YEAR],
            note="Two years at 10% off",
        )
    with scopes_disabled():
        announced = [
            (e.payload["renewal_id"], e.payload["outcome"], e.dispatched_at is not None)
            for e in OutboxEvent.objects.filter(tenant=tenant_a, name=renewal_closed.name)
        ]
    renewal = reload_renewal(tenant_a, renewal)
    new = reload_contract(tenant_a, renewal.new_contract)

    assert (renewal.status, renewal.outcome, renewal.outcome_arr) == (
        RenewalStatus.CLOSED,
        Outcome.EXPANDED,
        Decimal(46_000),
    )
    assert renewal.levers == [Lever.MULTI_YEAR] and renewal.closed_by == alice
    assert reload_contract(tenant_a, contract).status == ContractStatus.RENEWED
    assert new.renews_id == contract.pk and new.start_on == contract.end_on + dt.timedelta(days=1)
    assert new.term_months == 24 and new.end_on == services.term_end(new.start_on, 24)
    assert days_before(checkpoints_of(tenant_a, renewal_of(tenant_a, new))) == [120, 90, 60, 30]
    with scope(tenant=tenant_a):
        assert Account.objects.get(pk=account.pk).arr == Decimal(46_000)
    assert announced == [(renewal.pk, Outcome.EXPANDED, True)]
    # The closed runway leaves nobody a task.
    left = checkpoints_of(tenant_a, renewal)
    assert {c.status for c in left} == {CheckpointStatus.SKIPPED}
    assert "Not needed: the renewal closed (expanded)" in left[0].note


def test_the_outcome_must_fit_the_new_arr_and_a_contraction_needs_a_reason(tenant_a):
    renewal = renewal_of(tenant_a, contract_for(tenant_a, make_account(tenant_a, 1), arr=40_000))
    with scope(tenant=tenant_a):
        with pytest.raises(ValidationError) as misfit:
            services.renewal_close(renewal=renewal, outcome=Outcome.EXPANDED, by=None, new_arr=Decimal(30_000))
        with pytest.raises(ValidationError) as no_reason:
            services.renewal_close(renewal=renewal, outcome=Outcome.CONTRACTED, by=None, new_arr=Decimal(30_000))
        with pytest.raises(ValidationError) as short:
            services.renewal_close(renewal=renewal, outcome=None, by=None, new_arr=40_000, levers=[Lever.MULTI_YEAR])
        services.renewal_close(
            renewal=renewal,
            outcome=None,
            by=None,
            new_arr=Decimal(30_000),
            reason=reason(tenant_a, "Low adoption: fewer seats needed"),
        )

    assert "that is contracted" in misfit.value.message_dict["outcome"][0]
    assert "contraction needs a reason" in no_reason.value.message_dict["reason"][0]
    assert "24 months or more" in short.value.message_dict["levers"][0]
    closed = reload_renewal(tenant_a, renewal)
    assert closed.outcome == Outcome.CONTRACTED and closed.outcome_reason.label.startswith("Low adoption")


def test_churn_ends_the_contract_and_the_account_on_its_end_date(tenant_a):
    account = make_account(tenant_a, 1)
    contract = contract_for(tenant_a, account, days_to_end=-3, arr=40_000)
    renewal = renewal_of(tenant_a, contract)
    with scope(tenant=tenant_a):
        with pytest.raises(ValidationError) as no_reason:
            services.renewal_close(renewal=renewal, outcome=Outcome.CHURNED, by=None)
        with pytest.raises(ValidationError) as wrong_kind:
            services.renewal_close(
                renewal=renewal,
                outcome=Outcome.CHURNED,
                by=None,
                reason=reason(tenant_a, "Low adoption: fewer seats needed"),
            )
        services.renewal_close(
            renewal=renewal, outcome=Outcome.CHURNED, by=None, reason=reason(tenant_a, "Replaced by a competitor")
        )
        with pytest.raises(ValidationError) as twice:
            services.renewal_close(renewal=renewal, outcome=Outcome.CHURNED, by=None)
        account = Account.objects.get(pk=account.pk)

    assert "churn needs a reason" in no_reason.value.message_dict["reason"][0]
    assert "not one of this tenant's churn reasons" in wrong_kind.value.message_dict["reason"][0]
    assert "was closed on" in str(twice.value)
    assert reload_contract(tenant_a, contract).status == ContractStatus.ENDED
    assert reload_renewal(tenant_a, renewal).outcome_arr == 0
    assert (account.status, account.churned_on, account.arr) == (AccountStatus.CHURNED, contract.end_on, 0)


def test_churning_one_of_two_contracts_keeps_the_account(tenant_a):
    account = make_account(tenant_a, 1)
    first = contract_for(tenant_a, account, days_to_end=5, arr=10_000)
    contract_for(tenant_a, account, days_to_end=200, arr=30_000)
    with scope(tenant=tenant_a):
        services.renewal_close(
            renewal=renewal_of(tenant_a, first),
            outcome=Outcome.CHURNED,
            by=None,
            reason=reason(tenant_a, "Value not proven"),
        )
        account = Account.objects.get(pk=account.pk)
    assert (account.status, account.arr) == (AccountStatus.ACTIVE, Decimal(30_000))


def test_auto_renew_renews_on_the_end_date_unless_cancelled_by_the_notice_date(tenant_a):
    today = today_of(tenant_a)
    silent = contract_for(tenant_a, make_account(tenant_a, 1), days_to_end=0, arr=1_200, auto_renew=True)
    cancelled = contract_for(tenant_a, make_account(tenant_a, 2), days_to_end=0, arr=900, auto_renew=True)
    later = contract_for(tenant_a, make_account(tenant_a, 3), days_to_end=1, arr=700, auto_renew=True)
    manual = contract_for(tenant_a, make_account(tenant_a, 4), days_to_end=-1, arr=500, auto_renew=False)
    with scope(tenant=tenant_a):
        services.contract_cancel(contract=cancelled, cancelled_on=cancelled.notice_on, note="Moving to a competitor")
        with pytest.raises(ValidationError) as too_late:
            services.contract_cancel(contract=later, cancelled_on=today)
        renewed = services.contracts_auto_renew(tenant=tenant_a, today=today)
        again = services.contracts_auto_renew(tenant=tenant_a, today=today)

    assert "renews itself on" in too_late.value.message_dict["cancelled_on"][0]
    assert (renewed, again) == (1, 0)
    closed = reload_renewal(tenant_a, renewal_of(tenant_a, silent))
    assert (closed.outcome, closed.outcome_arr, closed.closed_on) == (Outcome.RENEWED, Decimal(1_200), silent.end_on)
    assert "Renewed automatically" in closed.outcome_note
    assert closed.new_contract.auto_renew and closed.new_contract.start_on == today + dt.timedelta(days=1)
    for untouched in (cancelled, later, manual):
        assert reload_renewal(tenant_a, renewal_of(tenant_a, untouched)).status == RenewalStatus.OPEN
    with scope(tenant=tenant_a):
        assert Contract.objects.filter(tenant=tenant_a).count() == 5
        assert Checkpoint.objects.filter(tenant=tenant_a, renewal__contract=closed.new_contract).count() == 4
