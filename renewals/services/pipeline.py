"""The expansion pipeline: opportunities raised by hand or by health's expansion signals, moved through
their stages; a won one becomes an amendment of the account's active contract, once."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account
from accounts.selectors import assignable_owners
from core import tenant_time
from health.peers import HealthSignal, SignalKind
from tenancy.models import Tenant, User

from ..models import (
    AmendmentKind,
    Contract,
    ContractAmendment,
    ContractStatus,
    ExpansionOpportunity,
    OpportunityKind,
    OpportunitySource,
    OpportunityStage,
)
from .contracts import contract_amend
from .settings import renewal_settings

UPDATABLE = {"title", "kind", "value", "owner", "expected_close_on", "note", "handed_to_sales"}
AMENDMENT_KIND: dict[str, str] = {
    OpportunityKind.SEATS: AmendmentKind.SEATS_ADDED,
    OpportunityKind.TIER_UPGRADE: AmendmentKind.UPGRADE,
    OpportunityKind.CROSS_SELL: AmendmentKind.CROSS_SELL,
    OpportunityKind.USAGE: AmendmentKind.PRICE_INCREASE,
}
# What each expansion signal raises: (kind, source).
FROM_SIGNAL: dict[str, tuple[str, str]] = {
    SignalKind.EXPANSION: (OpportunityKind.SEATS, OpportunitySource.SEAT_SATURATION),
    SignalKind.LOCKED_FEATURE: (OpportunityKind.TIER_UPGRADE, OpportunitySource.LOCKED_FEATURE),
}
CENT = Decimal("0.01")


def _validate(opportunity: ExpansionOpportunity) -> None:
    errors = {}
    opportunity.title = (opportunity.title or "").strip()
    if not opportunity.title:
        errors["title"] = "Give the opportunity a title, e.g. '20 more seats for the support team'."
    if opportunity.kind not in OpportunityKind.values:
        errors["kind"] = f"Unknown kind {opportunity.kind!r}; use one of {', '.join(OpportunityKind.values)}."
    if opportunity.source not in OpportunitySource.values:
        errors["source"] = f"Unknown source {opportunity.source!r}."
    try:
        opportunity.value = Decimal(opportunity.value if opportunity.value is not None else 0)
    except ArithmeticError:
        errors["value"] = f"{opportunity.value!r} is not an amount."
    else:
        if opportunity.value < 0:
            errors["value"] = "The value is the ARR it would add: zero or more."
    owner = opportunity.owner
    if owner is not None and not assignable_owners(tenant=opportunity.tenant).filter(pk=owner.pk).exists():
        errors["owner"] = f"{owner} is not a CSM, leader or admin of {opportunity.tenant.name}."
    if opportunity.expected_close_on and opportunity.expected_close_on < opportunity.identified_on:
        errors["expected_close_on"] = "The expected close date is before the day the opportunity was identified."
    if errors:
        raise ValidationError(errors)


def opportunity_create(
    *,
    tenant: Tenant,
    account: Account,
    title: str,
    kind: str,
    value,
    by: User | None,
    source: str = OpportunitySource.MANUAL,
    owner: User | None = None,
    identified_on: dt.date | None = None,
    expected_close_on: dt.date | None = None,
    note: str = "",
    health_signal: HealthSignal | None = None,
) -> ExpansionOpportunity:
    """A new opportunity, identified; its owner is the account's owner unless said otherwise."""
    if account.tenant_id != tenant.pk:
        raise ValidationError({"account": "Unknown account."})
    if owner is None and account.owner_id is not None:
        # The account's owner, unless they no longer work the book (then nobody, until someone picks it up).
        owner = assignable_owners(tenant=tenant).filter(pk=account.owner_id).first()
    opportunity = ExpansionOpportunity(
        tenant=tenant,
        account=account,
        title=title,
        kind=kind,
        source=source,
        value=value,
        owner=owner,
        identified_on=identified_on or tenant_time.today(tenant),
        expected_close_on=expected_close_on,
        note=(note or "").strip()[:500],
        health_signal=health_signal,
        stage=OpportunityStage.IDENTIFIED,
        stage_changed_at=timezone.now(),
    )
    _validate(opportunity)
    opportunity.save()
    return opportunity


def opportunity_update(*, opportunity: ExpansionOpportunity, by: User | None, **fields) -> ExpansionOpportunity:
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise TypeError(f"opportunity_update() got unexpected fields {sorted(unknown)}")
    handed = fields.pop("handed_to_sales", None)
    for name, value in fields.items():
        setattr(opportunity, name, value.strip() if name in ("title", "note") and isinstance(value, str) else value)
    if handed is not None and bool(handed) != opportunity.handed_to_sales:
        opportunity.handed_to_sales = bool(handed)
        opportunity.handed_to_sales_on = tenant_time.today(opportunity.tenant) if handed else None
    _validate(opportunity)
    opportunity.save()
    return opportunity


def _active_contract(account: Account) -> Contract | None:
    """The account's active contract that ends last: where a won expansion lands."""
    return (
        Contract.objects.filter(tenant_id=account.tenant_id, account=account, status=ContractStatus.ACTIVE)
        .order_by("-end_on", "-id")
        .first()
    )


def _add_to_contract(opportunity: ExpansionOpportunity, *, on: dt.date, by: User | None) -> None:
    # One amendment per opportunity: won, reopened and won again adds nothing more.
    if ContractAmendment.objects.filter(tenant_id=opportunity.tenant_id, opportunity=opportunity).exists():
        return
    contract = _active_contract(opportunity.account)
    if contract is None or opportunity.value <= 0:
        return
    # An expansion won before the contract started, or after it ended, takes effect within its term.
    effective_on = min(max(on, contract.start_on), contract.end_on)
    contract_amend(
        contract=contract,
        kind=AMENDMENT_KIND[opportunity.kind],
        effective_on=effective_on,
        arr_change=opportunity.value,
        note=f"Won: {opportunity.title}"[:300],
        by=by,
        opportunity=opportunity,
    )


@transaction.atomic
def opportunity_move(
    *,
    opportunity: ExpansionOpportunity,
    stage: str,
    by: User | None,
    lost_reason: str = "",
    on: dt.date | None = None,
    add_to_contract: bool = True,
) -> ExpansionOpportunity:
    """Move to a stage. Won and lost close it (lost says why); moving back to an open stage reopens it."""
    if stage not in OpportunityStage.values:
        raise ValidationError({"stage": f"Unknown stage {stage!r}; use one of {', '.join(OpportunityStage.values)}."})
    lost_reason = (lost_reason or "").strip()
    if stage == OpportunityStage.LOST and not lost_reason:
        raise ValidationError({"lost_reason": "Say why it was lost: budget, timing, a competitor, no need..."})
    today = tenant_time.today(opportunity.tenant)
    closed_on = on or today
    if stage in (OpportunityStage.WON, OpportunityStage.LOST) and closed_on < opportunity.identified_on:
        raise ValidationError({"on": "An opportunity cannot close before the day it was identified."})
    if stage == opportunity.stage and stage in OpportunityStage.open_stages():
        return opportunity
    opportunity.stage, opportunity.stage_changed_at = stage, timezone.now()
    if stage in (OpportunityStage.WON, OpportunityStage.LOST):
        opportunity.closed_on = closed_on
        opportunity.lost_reason = lost_reason[:300] if stage == OpportunityStage.LOST else ""
    else:
        opportunity.closed_on, opportunity.lost_reason = None, ""
    opportunity.save(update_fields=["stage", "stage_changed_at", "closed_on", "lost_reason"])
    if stage == OpportunityStage.WON and add_to_contract:
        _add_to_contract(opportunity, on=closed_on, by=by)
    return opportunity


def opportunity_from_signal(*, health_signal: HealthSignal) -> ExpansionOpportunity | None:
    """An identified opportunity for an expansion or locked-feature signal: one per signal, and none while
    the account already has an open one from the same source. Other kinds raise nothing."""
    if health_signal.kind not in FROM_SIGNAL:
        return None
    kind, source = FROM_SIGNAL[health_signal.kind]
    tenant_id = health_signal.tenant_id
    if ExpansionOpportunity.objects.filter(tenant_id=tenant_id, health_signal=health_signal).exists():
        return None
    if ExpansionOpportunity.objects.filter(
        tenant_id=tenant_id,
        account_id=health_signal.account_id,
        source=source,
        stage__in=OpportunityStage.open_stages(),
    ).exists():
        return None
    account = Account.objects.select_related("tenant", "owner").get(tenant_id=tenant_id, pk=health_signal.account_id)
    tenant = account.tenant
    pct = renewal_settings(tenant=tenant).expansion_estimate_pct
    value = (Decimal(account.arr) * pct / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    message = health_signal.message.strip()
    title = message.rstrip(".")
    if len(title) > 160:
        title = title[:157] + "..."
    note = f"{message} Value estimated at {pct}% of the account's ARR."
    try:
        # A savepoint: the same signal announced twice at once must not make two.
        with transaction.atomic():
            return opportunity_create(
                tenant=tenant,
                account=account,
                title=title,
                kind=kind,
                value=value,
                by=None,
                source=source,
                identified_on=health_signal.raised_on,
                note=note,
                health_signal=health_signal,
            )
    except IntegrityError:
        return None
