"""How a renewal ends: renewed, expanded, contracted (the next contract follows, with its own renewal)
or churned (the contract ends). Auto-renew contracts renew themselves when nobody cancelled in time."""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services import account_deactivate
from activities.models import TaskSource
from activities.services.tasks import tasks_cancel_for_source
from core import tenant_time, text
from tenancy.models import Tenant, User

from ..models import (
    Checkpoint,
    Contract,
    ContractStatus,
    Lever,
    Outcome,
    OutcomeReason,
    ReasonApplies,
    Renewal,
    RenewalStatus,
)
from ..signals import announce_renewal_closed
from .contracts import account_arr_sync, contract_create

MULTI_YEAR_MONTHS = 24
# The outcomes that need a reason, and the tenant's reasons that may be given for each.
REASON_APPLIES: dict[str, str] = {Outcome.CHURNED: ReasonApplies.CHURN, Outcome.CONTRACTED: ReasonApplies.CONTRACTION}


def _outcome_for(new_arr: Decimal, arr: Decimal) -> str:
    if new_arr > arr:
        return Outcome.EXPANDED
    if new_arr < arr:
        return Outcome.CONTRACTED
    return Outcome.RENEWED


def _check_reason(reason: OutcomeReason | None, renewal: Renewal, outcome: str) -> dict:
    needed = REASON_APPLIES.get(outcome)
    if needed is None:
        return {}
    word = "churn" if outcome == Outcome.CHURNED else "contraction"
    if reason is None:
        return {"reason": f"Say why: a {word} needs a reason from the list."}
    if reason.tenant_id != renewal.tenant_id or reason.applies_to not in (needed, ReasonApplies.BOTH):
        return {"reason": f"“{reason}” is not one of this tenant's {word} reasons."}
    return {}


def _validate(renewal: Renewal, outcome: str | None, new_arr, term_months, levers, reason) -> tuple[str, dict]:
    errors: dict[str, str] = {}
    unknown = [lever for lever in levers if lever not in Lever.values]
    if unknown:
        errors["levers"] = f"Unknown levers: {', '.join(map(str, unknown))}."
    if outcome == Outcome.CHURNED:
        if new_arr not in (None, 0, Decimal(0)):
            errors["new_arr"] = "A churned renewal has no new ARR."
        errors.update(_check_reason(reason, renewal, outcome))
        return outcome, errors
    if outcome not in (None, "", *Outcome.values):
        errors["outcome"] = f"Unknown outcome {outcome!r}."
        return outcome or "", errors
    if new_arr is None or Decimal(new_arr) < 0 or (Decimal(new_arr) == 0 and renewal.arr > 0):
        errors["new_arr"] = "Give the new ARR of the renewed contract (to record a loss, choose churned)."
        return outcome or "", errors
    derived = _outcome_for(Decimal(new_arr), renewal.arr)
    if outcome and outcome != derived:
        errors["outcome"] = (
            f"{Outcome(outcome).label} does not fit a new ARR of {text.money(new_arr, renewal.tenant)} against "
            f"{text.money(renewal.arr, renewal.tenant)} up for renewal: that is {Outcome(derived).label.lower()}."
        )
    if term_months is not None and int(term_months) < 1:
        errors["term_months"] = "A term is at least one month."
    elif Lever.MULTI_YEAR in levers and int(term_months or renewal.contract.term_months) < MULTI_YEAR_MONTHS:
        errors["levers"] = f"A multi-year term needs {MULTI_YEAR_MONTHS} months or more."
    errors.update(_check_reason(reason, renewal, derived))
    return derived, errors


@transaction.atomic
def renewal_close(
    *,
    renewal: Renewal,
    outcome: str | None,
    by: User | None,
    new_arr: Decimal | None = None,
    term_months: int | None = None,
    new_seats: int | None = None,
    reason: OutcomeReason | None = None,
    levers: Iterable[str] = (),
    note: str = "",
    closed_on: dt.date | None = None,
) -> Renewal:
    """Record the outcome. Without an explicit outcome, the new ARR against the ARR up for renewal says
    renewed, expanded or contracted; a contraction or a churn needs a reason from the tenant's list."""
    renewal = (
        Renewal.objects.select_for_update()
        .select_related("contract", "account")
        .get(tenant=renewal.tenant, pk=renewal.pk)
    )
    if renewal.status != RenewalStatus.OPEN:
        when = f" on {text.day(renewal.closed_on)}" if renewal.closed_on is not None else ""
        raise ValidationError(f"This renewal was closed{when}.")
    levers = list(dict.fromkeys(levers or ()))
    outcome, errors = _validate(renewal, outcome, new_arr, term_months, levers, reason)
    if errors:
        raise ValidationError(errors)
    contract = renewal.contract
    closed_on = closed_on or tenant_time.today(renewal.tenant)
    if outcome == Outcome.CHURNED:
        contract.status = ContractStatus.ENDED
        contract.save(update_fields=["status"])
        renewal.outcome_arr = Decimal(0)
    else:
        assert new_arr is not None  # _validate asks for it whenever the renewal is not churned
        contract.status = ContractStatus.RENEWED
        contract.save(update_fields=["status"])
        renewal.new_contract = contract_create(
            tenant=renewal.tenant,
            account=renewal.account,
            start_on=contract.end_on + dt.timedelta(days=1),
            term_months=int(term_months or contract.term_months),
            arr=Decimal(new_arr),
            seats=contract.current_seats if new_seats is None else new_seats,
            auto_renew=contract.auto_renew,
            notice_days=contract.notice_days,
            by=by,
            today=closed_on,
            renews=contract,
        )
        renewal.outcome_arr = Decimal(new_arr)
    renewal.status = RenewalStatus.CLOSED
    renewal.outcome = outcome
    renewal.outcome_reason = reason if outcome in (Outcome.CHURNED, Outcome.CONTRACTED) else None
    renewal.levers = levers
    renewal.outcome_note = (note or "").strip()
    renewal.closed_on = closed_on
    renewal.closed_by = by
    renewal.needs_review = False
    renewal.save()
    # The runway is over: what was not done is no longer anyone's task.
    tasks_cancel_for_source(
        tenant=renewal.tenant,
        source=TaskSource.RENEWAL_CHECKPOINT,
        source_ids=Checkpoint.objects.filter(tenant=renewal.tenant, renewal=renewal).values_list("pk", flat=True),
        note=f"Not needed: the renewal closed ({Outcome(outcome).label.lower()}) on {text.day(closed_on)}.",
    )
    account_arr_sync(account=renewal.account, by=by)
    if (
        outcome == Outcome.CHURNED
        and not Contract.objects.filter(
            tenant=renewal.tenant, account=renewal.account, status=ContractStatus.ACTIVE
        ).exists()
    ):
        # The last contract ended: the customer is gone as of that day.
        account_deactivate(account=renewal.account, by=by, on=contract.end_on)
    announce_renewal_closed(renewal)
    return renewal


def contracts_auto_renew(*, tenant: Tenant, today: dt.date) -> int:
    """Contracts with auto-renew that nobody cancelled by their notice date renew themselves on their end
    date, for the same term and ARR. Safe to run again: a renewed contract is no longer active."""
    due = (
        Renewal.objects.filter(
            tenant=tenant,
            status=RenewalStatus.OPEN,
            contract__status=ContractStatus.ACTIVE,
            contract__auto_renew=True,
            contract__cancelled_on__isnull=True,
            contract__end_on__lte=today,
        )
        .select_related("contract")
        .order_by("due_on", "id")
    )
    renewed = 0
    for renewal in due:
        contract = renewal.contract
        renewal_close(
            renewal=renewal,
            outcome=Outcome.RENEWED,
            by=None,
            new_arr=contract.current_arr,
            note=f"Renewed automatically: no cancellation by the notice date ({text.day(contract.notice_on)}).",
            closed_on=contract.end_on,
        )
        renewed += 1
    return renewed
