"""Contracts and their amendments. A contract, once known, opens its renewal; every change of ARR is a
dated amendment; the account's ARR is the sum of its active contracts."""

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from accounts.models import Account, Segment
from accounts.services import account_update
from core import tenant_time, text
from tenancy.models import Tenant, User

from ..models import AmendmentKind, Contract, ContractAmendment, ContractStatus, Renewal, RenewalStatus
from ..signals import announce_contract_created
from .forecast import renewal_refresh_forecast
from .runway import renewal_open
from .settings import renewal_settings

UPDATABLE = {"reference", "auto_renew", "notice_days"}
# Amendments that can only take ARR away, and those that can only add it.
DECREASES = {AmendmentKind.SEATS_REMOVED, AmendmentKind.PRICE_DECREASE, AmendmentKind.DOWNGRADE}


def term_end(start_on: dt.date, term_months: int) -> dt.date:
    """The last day of a term of `term_months` from `start_on`: a year from 1 Jan ends on 31 Dec."""
    return start_on + relativedelta(months=term_months) - dt.timedelta(days=1)


def _months_between(start_on: dt.date, end_on: dt.date) -> int:
    delta = relativedelta(end_on + dt.timedelta(days=1), start_on)
    return max(1, delta.years * 12 + delta.months + (1 if delta.days >= 15 else 0))


def account_arr_sync(*, account: Account, by: User | None = None) -> Account:
    """The account's ARR becomes the sum of its active contracts (as amended), and the account knows it: its
    ARR is no longer typed by hand."""
    total = Contract.objects.filter(tenant=account.tenant, account=account, status=ContractStatus.ACTIVE).aggregate(
        total=Sum("current_arr")
    )["total"] or Decimal(0)
    # Marked even when the sum equals the ARR typed before: a first contract may match it exactly.
    if Decimal(account.arr) != total or not account.arr_from_contracts:
        account_update(account=account, by=by, arr=total, arr_from_contracts=True)
    return account


@transaction.atomic
def contract_create(
    *,
    tenant: Tenant,
    account: Account,
    start_on: dt.date,
    arr: Decimal,
    end_on: dt.date | None = None,
    term_months: int = 12,
    seats: int = 0,
    auto_renew: bool | None = None,
    notice_days: int | None = None,
    reference: str = "",
    by: User | None = None,
    today: dt.date | None = None,
    renews: Contract | None = None,
) -> Contract:
    """A contract of `account`, and its renewal opened `today` (the day the contract became known) with the
    segment's runway. Auto-renew and the notice period default from the tenant's settings."""
    if account.tenant_id != tenant.pk:
        raise ValidationError({"account": "No such account in this tenant."})
    settings = renewal_settings(tenant=tenant)
    if term_months is None or int(term_months) < 1:
        raise ValidationError({"term_months": "A term is at least one month."})
    if end_on is None:
        end_on = term_end(start_on, int(term_months))
    elif end_on < start_on:
        raise ValidationError(
            {"end_on": f"The contract ends ({text.day(end_on)}) before it starts ({text.day(start_on)})."}
        )
    else:
        term_months = _months_between(start_on, end_on)
    if auto_renew is None:
        auto_renew = account.segment == Segment.PRODUCT_LED and settings.product_led_auto_renew
    contract = Contract(
        tenant=tenant,
        account=account,
        reference=(reference or "").strip(),
        start_on=start_on,
        end_on=end_on,
        term_months=term_months,
        arr=Decimal(arr),
        current_arr=Decimal(arr),
        seats=seats or 0,
        current_seats=seats or 0,
        auto_renew=auto_renew,
        notice_days=settings.default_notice_days if notice_days is None else notice_days,
        renews=renews,
        created_by=by,
    )
    contract.full_clean(exclude=["tenant", "account", "renews", "created_by"], validate_constraints=False)
    contract.save()
    renewal_open(contract=contract, today=today or tenant_time.today(tenant), by=by)
    account_arr_sync(account=account, by=by)
    announce_contract_created(contract)
    return contract


def contract_update(*, contract: Contract, by: User | None, **fields) -> Contract:
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise TypeError(f"contract_update() got unexpected fields {sorted(unknown)}")
    for name, value in fields.items():
        setattr(contract, name, value.strip() if isinstance(value, str) else value)
    contract.full_clean(exclude=["tenant", "account", "renews", "created_by"], validate_constraints=False)
    contract.save(update_fields=[*fields])
    return contract


def _require_active(contract: Contract, what: str) -> None:
    if contract.status != ContractStatus.ACTIVE:
        raise ValidationError(f"This contract is {contract.get_status_display().lower()}: it cannot be {what}.")


@transaction.atomic
def contract_amend(
    *,
    contract: Contract,
    kind: str,
    effective_on: dt.date,
    arr_change: Decimal,
    seats_change: int = 0,
    note: str = "",
    by: User | None = None,
    opportunity=None,
) -> ContractAmendment:
    """A dated change of ARR and seats during the term. The contract's ARR (and the renewal's ARR up for
    renewal, and the account's) follow; GRR and NRR count it in the period it takes effect."""
    contract = Contract.objects.select_for_update().get(tenant=contract.tenant, pk=contract.pk)
    _require_active(contract, "amended")
    arr_change, seats_change = Decimal(arr_change), int(seats_change or 0)
    errors = {}
    if kind not in AmendmentKind.values:
        errors["kind"] = f"Unknown amendment kind {kind!r}."
    elif kind in DECREASES and arr_change > 0:
        errors["arr_change"] = f"{AmendmentKind(kind).label} removes ARR: give the change as a negative amount."
    elif kind not in DECREASES and arr_change < 0:
        errors["arr_change"] = f"{AmendmentKind(kind).label} adds ARR: give the change as a positive amount."
    if arr_change == 0 and seats_change == 0:
        errors["arr_change"] = "An amendment changes the ARR, the seats, or both."
    if not contract.start_on <= effective_on <= contract.end_on:
        errors["effective_on"] = (
            f"The contract runs from {text.day(contract.start_on)} to {text.day(contract.end_on)}; "
            f"{text.day(effective_on)} is outside its term."
        )
    if contract.current_arr + arr_change < 0:
        errors["arr_change"] = (
            f"That would take the ARR below zero (it is {text.money(contract.current_arr, contract.tenant)}); "
            "to end the contract, record the customer's cancellation instead."
        )
    if contract.current_seats + seats_change < 0:
        errors["seats_change"] = f"The contract has {contract.current_seats} seats; it cannot lose {-seats_change}."
    if errors:
        raise ValidationError(errors)
    amendment = ContractAmendment.objects.create(
        tenant=contract.tenant,
        contract=contract,
        kind=kind,
        effective_on=effective_on,
        arr_change=arr_change,
        seats_change=seats_change,
        note=(note or "").strip(),
        opportunity=opportunity,
        created_by=by,
    )
    contract.current_arr += arr_change
    contract.current_seats += seats_change
    contract.save(update_fields=["current_arr", "current_seats"])
    Renewal.objects.filter(tenant=contract.tenant, contract=contract, status=RenewalStatus.OPEN).update(
        arr=contract.current_arr
    )
    account_arr_sync(account=contract.account, by=by)
    return amendment


@transaction.atomic
def contract_cancel(*, contract: Contract, cancelled_on: dt.date, note: str = "", by: User | None = None) -> Contract:
    """The customer's notice that they will not renew. An auto-renew contract takes it only until its
    notice date; after that it renews itself."""
    _require_active(contract, "cancelled")
    if contract.cancelled_on:
        raise ValidationError(f"The customer already gave notice on {text.day(contract.cancelled_on)}.")
    if cancelled_on > contract.end_on:
        raise ValidationError({"cancelled_on": f"The contract ended on {text.day(contract.end_on)}."})
    if contract.auto_renew and cancelled_on > contract.notice_on:
        raise ValidationError(
            {
                "cancelled_on": f"The notice date was {text.day(contract.notice_on)} ({contract.notice_days} days "
                f"before the end): this contract renews itself on {text.day(contract.end_on)}."
            }
        )
    contract.cancelled_on = cancelled_on
    contract.cancellation_note = (note or "").strip()
    contract.save(update_fields=["cancelled_on", "cancellation_note"])
    renewal = Renewal.objects.filter(tenant=contract.tenant, contract=contract, status=RenewalStatus.OPEN).first()
    if renewal is not None:
        renewal_refresh_forecast(renewal=renewal, today=tenant_time.today(contract.tenant))
    return contract
