"""Building renewals fixtures through the services the product uses. Each helper enters the tenant's
scope itself; dates are relative to the tenant's today unless given."""

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django_scopes import scope

from accounts.services import tiers_create_defaults
from core import tenant_time
from renewals import services
from renewals.models import AmendmentKind, Checkpoint, Contract, Outcome, OutcomeReason, ReasonApplies, Renewal

from ..accounts.builders import make_account

__all__ = [
    "build_book",
    "checkpoints_of",
    "close",
    "contract",
    "contract_for",
    "make_account",
    "reason_for",
    "reload_contract",
    "reload_renewal",
    "renewal_of",
    "today_of",
]


def today_of(tenant) -> dt.date:
    return tenant_time.today(tenant)


def contract_for(
    tenant,
    account,
    *,
    days_to_end: int = 90,
    arr=50_000,
    term_months: int = 12,
    known_days_before_end: int | None = None,
    **kw,
) -> Contract:
    """A contract of `account` ending `days_to_end` days from today, `term_months` long (ending on the given
    day), entered into postsale `known_days_before_end` days before its end (default: on its start date,
    or today when that is in the future)."""
    today = today_of(tenant)
    end_on = today + dt.timedelta(days=days_to_end)
    start_on = end_on + dt.timedelta(days=1) - relativedelta(months=term_months)
    if known_days_before_end is not None:
        known = end_on - dt.timedelta(days=known_days_before_end)
    else:
        known = min(start_on, today)
    with scope(tenant=tenant):
        return services.contract_create(
            tenant=tenant,
            account=account,
            start_on=start_on,
            end_on=end_on,
            arr=Decimal(arr),
            today=kw.pop("today", known),
            **kw,
        )


def renewal_of(tenant, contract: Contract) -> Renewal:
    with scope(tenant=tenant):
        return Renewal.objects.select_related("contract", "account").get(tenant=tenant, contract=contract)


def reload_renewal(tenant, renewal: Renewal) -> Renewal:
    with scope(tenant=tenant):
        return Renewal.objects.select_related("contract", "account").get(tenant=tenant, pk=renewal.pk)


def reload_contract(tenant, contract: Contract) -> Contract:
    with scope(tenant=tenant):
        return Contract.objects.select_related("account").get(tenant=tenant, pk=contract.pk)


def checkpoints_of(tenant, renewal: Renewal) -> list[Checkpoint]:
    with scope(tenant=tenant):
        return list(
            Checkpoint.objects.filter(tenant=tenant, renewal=renewal)
            .select_related("task", "task__owner", "task__closed_by")
            .order_by("position")
        )


def reason_for(tenant, applies_to) -> OutcomeReason:
    """The tenant's first outcome reason for a churn or a contraction (the seed's, made on first use)."""
    with scope(tenant=tenant):
        return services.outcome_reasons(tenant=tenant, applies_to=applies_to)[0]


def contract(tenant, account, start_on: dt.date, arr, *, end_on: dt.date | None = None) -> Contract:
    """A contract from a given day (one term long unless `end_on` says), entered into postsale that day;
    contract_for counts from today instead."""
    with scope(tenant=tenant):
        return services.contract_create(
            tenant=tenant, account=account, start_on=start_on, end_on=end_on, arr=Decimal(arr), today=start_on
        )


def close(tenant, contract: Contract, new_arr=None, *, on: dt.date = dt.date(2025, 12, 15)) -> Renewal:
    """Decide the contract's renewal on `on`: churned without `new_arr`, else renewed at it (with a reason
    when that is less)."""
    with scope(tenant=tenant):
        renewal = Renewal.objects.get(tenant=tenant, contract=contract)
        if new_arr is None:
            return services.renewal_close(
                renewal=renewal,
                outcome=Outcome.CHURNED,
                by=None,
                reason=reason_for(tenant, ReasonApplies.CHURN),
                closed_on=on,
            )
        reason = reason_for(tenant, ReasonApplies.CONTRACTION) if Decimal(new_arr) < renewal.arr else None
        return services.renewal_close(
            renewal=renewal, outcome=None, by=None, new_arr=Decimal(new_arr), reason=reason, closed_on=on
        )


def build_book(tenant_a, tenant_b, *, alice, bob):
    """The hand-computed Q4 2025 (its figures are in test_metrics_selectors):

    a1 enterprise, alice, high touch, 2024 Q1: 100,000 for 2025, -20,000 seats on 1 Nov, renewed at 80,000.
    a2 enterprise, bob, high touch, 2024 Q2: 60,000 from Jul 2025 to Jun 2026, +15,000 upgrade on 1 Dec.
    a3 smb, alice, tech touch, 2024 Q1: 10,000 for 2025, churned.
    a4 smb, bob, low touch, no signing date: 20,000 from Apr 2025, +4,000 on 1 Jun (before), -5,000 on 15 Dec.
    a5 mid-market: a new logo, 30,000 from 1 Nov 2025 (not in the cohort).
    a6 mid-market, no owner, low touch, 2023 Q4: 40,000 for 2025, renewal still open on 1 Mar 2026.
    a8 smb, alice, tech touch, 2024 Q1: 12,000 for 2025, renewed contracted at 9,000.
    Tenant B's account b1: 1,000,000 for 2025, churned (never in tenant A's figures).
    """
    t = tenant_a
    with scope(tenant=t):
        tiers_create_defaults(tenant=t)
    made = {
        "a1": make_account(t, 1, acv=150_000, segment="enterprise", owner=alice, signed_on=dt.date(2024, 2, 10)),
        "a2": make_account(t, 2, acv=120_000, segment="enterprise", owner=bob, signed_on=dt.date(2024, 5, 1)),
        "a3": make_account(t, 3, acv=5_000, segment="smb", owner=alice, signed_on=dt.date(2024, 2, 20)),
        "a4": make_account(t, 4, acv=20_000, segment="smb", owner=bob),
        "a5": make_account(t, 5, acv=30_000, segment="mid_market", signed_on=dt.date(2025, 10, 20)),
        "a6": make_account(t, 6, acv=40_000, segment="mid_market", signed_on=dt.date(2023, 11, 1)),
        "a8": make_account(t, 8, acv=8_000, segment="smb", owner=alice, signed_on=dt.date(2024, 3, 31)),
    }
    with scope(tenant=t):
        c1 = contract(t, made["a1"], dt.date(2025, 1, 1), 100_000)
        services.contract_amend(
            contract=c1, kind=AmendmentKind.SEATS_REMOVED, effective_on=dt.date(2025, 11, 1), arr_change=-20_000
        )
        close(t, c1, 80_000)
        c2 = contract(t, made["a2"], dt.date(2025, 7, 1), 60_000)
        services.contract_amend(
            contract=c2, kind=AmendmentKind.UPGRADE, effective_on=dt.date(2025, 12, 1), arr_change=15_000
        )
        close(t, contract(t, made["a3"], dt.date(2025, 1, 1), 10_000))
        c4 = contract(t, made["a4"], dt.date(2025, 4, 1), 20_000)
        services.contract_amend(
            contract=c4, kind=AmendmentKind.SEATS_ADDED, effective_on=dt.date(2025, 6, 1), arr_change=4_000
        )
        services.contract_amend(
            contract=c4, kind=AmendmentKind.SEATS_REMOVED, effective_on=dt.date(2025, 12, 15), arr_change=-5_000
        )
        contract(t, made["a5"], dt.date(2025, 11, 1), 30_000)
        contract(t, made["a6"], dt.date(2025, 1, 1), 40_000)
        close(t, contract(t, made["a8"], dt.date(2025, 1, 1), 12_000), 9_000)
    b1 = make_account(tenant_b, 1, acv=1_000_000, segment="smb", signed_on=dt.date(2024, 2, 1))
    with scope(tenant=tenant_b):
        close(tenant_b, contract(tenant_b, b1, dt.date(2025, 1, 1), 1_000_000))
    return made
