"""The expansion pipeline: create, update, move through the stages (lost says why, won lands on the contract
once, reopening clears the close), and opportunities raised by health's expansion signals, once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from health.models import HealthSignal, Severity, SignalKind, SignalStatus
from health.services.detection import Wanted, signals_sync
from renewals import services
from renewals.models import (
    AmendmentKind,
    ContractAmendment,
    ExpansionOpportunity,
    OpportunityKind,
    OpportunitySource,
    OpportunityStage,
)

from .builders import contract_for, make_account, reload_contract, today_of

pytestmark = pytest.mark.django_db

SATURATED = "Seats at Account 001 are 92% used (46 of 50), with advanced features in use."
LOCKED = "3 people at Account 001 tried Audit log, a feature of a higher tier."


@pytest.fixture
def acme(tenant_a, bob):
    return make_account(tenant_a, 1, owner=bob, acv=50_000)


def create(tenant, account, **fields) -> ExpansionOpportunity:
    fields = {"title": "20 more seats for support", "kind": OpportunityKind.SEATS, "value": Decimal(12_000), **fields}
    with scope(tenant=tenant):
        return services.opportunity_create(tenant=tenant, account=account, by=None, **fields)


def move(tenant, opportunity, stage, **kw) -> ExpansionOpportunity:
    with scope(tenant=tenant):
        return services.opportunity_move(opportunity=opportunity, stage=stage, by=kw.pop("by", None), **kw)


def amendments(tenant, contract) -> list[ContractAmendment]:
    with scope(tenant=tenant):
        return list(ContractAmendment.objects.filter(tenant=tenant, contract=contract))


def announce(tenant, account, *wanted: tuple[str, str], capture) -> list[HealthSignal]:
    """The nightly run's signals for the account (kind, message), announced on commit."""
    with scope(tenant=tenant), capture(execute=True):
        signals_sync(
            tenant=tenant,
            account_ids=[account.pk],
            wanted=[Wanted(account.pk, kind, "account", Severity.OPPORTUNITY, message) for kind, message in wanted],
            today=today_of(tenant),
            cooldown_days={},
        )
    with scope(tenant=tenant):
        return list(HealthSignal.objects.filter(tenant=tenant, account=account).order_by("id"))


def opportunities(tenant, account) -> list[ExpansionOpportunity]:
    with scope(tenant=tenant):
        return list(ExpansionOpportunity.objects.filter(tenant=tenant, account=account).order_by("id"))


def test_create_defaults_owner_and_day_and_validates(tenant_a, acme, bob, charlie, tenant_b):
    made = create(tenant_a, acme)
    assert (made.owner, made.identified_on, made.stage, made.source) == (
        bob,
        today_of(tenant_a),
        OpportunityStage.IDENTIFIED,
        OpportunitySource.MANUAL,
    )
    with pytest.raises(ValidationError) as refused:
        create(tenant_a, acme, value=Decimal(-1), owner=charlie, title=" ")
    assert set(refused.value.message_dict) == {"value", "owner", "title"}
    assert refused.value.message_dict["owner"] == [f"{charlie} is not a CSM, leader or admin of Tenant Alpha."]
    other = make_account(tenant_b, 1)
    with pytest.raises(ValidationError) as refused:
        create(tenant_a, other)
    assert refused.value.message_dict == {"account": ["Unknown account."]}


def test_update_hands_off_to_sales_and_back(tenant_a, acme, alice):
    made = create(tenant_a, acme)
    with scope(tenant=tenant_a):
        services.opportunity_update(opportunity=made, by=alice, handed_to_sales=True, value=Decimal(15_000))
    assert (made.handed_to_sales, made.handed_to_sales_on, made.value) == (True, today_of(tenant_a), Decimal(15_000))
    with scope(tenant=tenant_a):
        services.opportunity_update(opportunity=made, by=alice, handed_to_sales=False, owner=alice)
        made.refresh_from_db()
    assert (made.handed_to_sales, made.handed_to_sales_on, made.owner) == (False, None, alice)
    with scope(tenant=tenant_a), pytest.raises(TypeError):
        services.opportunity_update(opportunity=made, by=alice, stage=OpportunityStage.WON)


def test_lost_needs_a_reason_and_reopening_clears_the_close(tenant_a, acme):
    made = create(tenant_a, acme)
    with pytest.raises(ValidationError) as refused:
        move(tenant_a, made, OpportunityStage.LOST)
    assert list(refused.value.message_dict) == ["lost_reason"]
    on = today_of(tenant_a)
    move(tenant_a, made, OpportunityStage.LOST, lost_reason="No budget this year", on=on)
    assert (made.stage, made.closed_on, made.lost_reason) == (OpportunityStage.LOST, on, "No budget this year")
    move(tenant_a, made, OpportunityStage.QUALIFIED)
    with scope(tenant=tenant_a):
        made.refresh_from_db()
    assert (made.stage, made.closed_on, made.lost_reason, made.is_open) == (OpportunityStage.QUALIFIED, None, "", True)


def test_won_adds_one_amendment_to_the_contract_ending_last(tenant_a, acme, bob):
    earlier = contract_for(tenant_a, acme, days_to_end=60, arr=20_000)
    later = contract_for(tenant_a, acme, days_to_end=300, arr=30_000)
    made = create(tenant_a, acme, kind=OpportunityKind.TIER_UPGRADE, value=Decimal(9_000))
    won_on = today_of(tenant_a)
    move(tenant_a, made, OpportunityStage.WON, by=bob)
    assert (made.stage, made.closed_on) == (OpportunityStage.WON, won_on)
    (amendment,) = amendments(tenant_a, later)
    assert (amendment.kind, amendment.arr_change, amendment.opportunity_id, amendment.effective_on) == (
        AmendmentKind.UPGRADE,
        Decimal(9_000),
        made.pk,
        won_on,
    )
    assert amendments(tenant_a, earlier) == []
    assert reload_contract(tenant_a, later).current_arr == Decimal(39_000)

    # Back to proposed and won again: still one amendment, the ARR counted once.
    move(tenant_a, made, OpportunityStage.PROPOSED)
    move(tenant_a, made, OpportunityStage.WON)
    assert len(amendments(tenant_a, later)) == 1
    assert reload_contract(tenant_a, later).current_arr == Decimal(39_000)


def test_won_without_an_active_contract_or_with_add_to_contract_off(tenant_a, acme):
    made = create(tenant_a, acme)
    move(tenant_a, made, OpportunityStage.WON)
    assert made.stage == OpportunityStage.WON
    contract = contract_for(tenant_a, acme, days_to_end=100)
    second = create(tenant_a, acme, title="Usage overage", kind=OpportunityKind.USAGE)
    move(tenant_a, second, OpportunityStage.WON, add_to_contract=False)
    assert amendments(tenant_a, contract) == []
    week_ago = today_of(tenant_a) - dt.timedelta(days=7)
    third = create(tenant_a, acme, title="Analytics add-on", kind=OpportunityKind.CROSS_SELL, identified_on=week_ago)
    with pytest.raises(ValidationError) as refused:
        move(tenant_a, third, OpportunityStage.WON, on=week_ago - dt.timedelta(days=1))
    assert list(refused.value.message_dict) == ["on"]
    move(tenant_a, third, OpportunityStage.WON, on=today_of(tenant_a) - dt.timedelta(days=1))
    assert [(a.kind, a.opportunity_id) for a in amendments(tenant_a, contract)] == [
        (AmendmentKind.CROSS_SELL, third.pk)
    ]


def test_an_expansion_signal_raises_one_opportunity_valued_from_the_arr(
    tenant_a, acme, bob, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    (signal,) = announce(tenant_a, acme, (SignalKind.EXPANSION, SATURATED), capture=capture)
    (made,) = opportunities(tenant_a, acme)
    # 20% of the account's 50,000 ARR (the default estimate).
    assert (made.kind, made.source, made.value, made.owner, made.health_signal_id) == (
        OpportunityKind.SEATS,
        OpportunitySource.SEAT_SATURATION,
        Decimal("10000.00"),
        bob,
        signal.pk,
    )
    assert made.title == SATURATED.rstrip(".")
    assert made.note == f"{SATURATED} Value estimated at 20% of the account's ARR."

    # The nightly run refreshes the signal with a new figure: still one.
    announce(tenant_a, acme, (SignalKind.EXPANSION, SATURATED.replace("92%", "94%")), capture=capture)
    # The same signal announced again (a redelivery): still one.
    with scope(tenant=tenant_a):
        assert services.opportunity_from_signal(health_signal=signal) is None
    assert len(opportunities(tenant_a, acme)) == 1


def test_no_second_opportunity_while_one_from_the_same_source_is_open(
    tenant_a, acme, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    with scope(tenant=tenant_a):
        services.renewal_settings_update(tenant=tenant_a, expansion_estimate_pct=10)
    announce(tenant_a, acme, (SignalKind.EXPANSION, SATURATED), capture=capture)
    # Resolved, then raised anew (a new signal row) while the first opportunity is still open: none.
    announce(tenant_a, acme, capture=capture)
    announce(tenant_a, acme, (SignalKind.EXPANSION, SATURATED), (SignalKind.LOCKED_FEATURE, LOCKED), capture=capture)
    made = opportunities(tenant_a, acme)
    assert [(o.source, o.value) for o in made] == [
        (OpportunitySource.SEAT_SATURATION, Decimal("5000.00")),
        (OpportunitySource.LOCKED_FEATURE, Decimal("5000.00")),
    ]
    assert made[1].kind == OpportunityKind.TIER_UPGRADE

    # Once the first is closed, the next saturation signal raises a new one.
    move(tenant_a, made[0], OpportunityStage.LOST, lost_reason="Bought seats through the reseller")
    announce(tenant_a, acme, (SignalKind.LOCKED_FEATURE, LOCKED), capture=capture)
    (newest,) = announce(
        tenant_a, acme, (SignalKind.EXPANSION, SATURATED), (SignalKind.LOCKED_FEATURE, LOCKED), capture=capture
    )[-1:]
    assert newest.status == SignalStatus.OPEN
    sources = [o.source for o in opportunities(tenant_a, acme)]
    assert sources == [
        OpportunitySource.SEAT_SATURATION,
        OpportunitySource.LOCKED_FEATURE,
        OpportunitySource.SEAT_SATURATION,
    ]


def test_other_signal_kinds_raise_no_opportunity(tenant_a, acme, django_capture_on_commit_callbacks):
    (signal,) = announce(
        tenant_a,
        acme,
        (SignalKind.LATE_PAYMENT, "Invoice INV-7 is 12 days late."),
        capture=django_capture_on_commit_callbacks,
    )
    with scope(tenant=tenant_a):
        assert services.opportunity_from_signal(health_signal=signal) is None
    assert opportunities(tenant_a, acme) == []
