"""The hybrid service model: tiers by ACV, overrides, and a history of every move."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from core import tenant_time
from core.text import day
from tenancy.models import Tenant, User

from ..models import (
    Account,
    Cadence,
    ServiceModelSettings,
    ServiceTier,
    TierChange,
    TierChangeReason,
    TierOverride,
    TouchModel,
)
from ..selectors.tiers import service_tiers
from ..signals import announce_tier_changed

# The defaults of the hybrid model (shared/seeds/002): tier bands, CSM ratios and cadences,
# with the costs of its worked example (CSM 120,000 a year, 600 shared, 200 technology).
DEFAULT_TIERS = [
    {
        "name": "High touch",
        "touch_model": TouchModel.HIGH_TOUCH,
        "rank": 3,
        "acv_min": Decimal(100_000),
        "acv_max": None,
        "accounts_per_csm_min": 8,
        "accounts_per_csm_max": 15,
        "accounts_per_csm_planned": 12,
        "check_in_cadence": Cadence.WEEKLY,
        "qbr_cadence": Cadence.QUARTERLY,
        "csm_cost_per_year": Decimal(150_000),
        "shared_cost_per_customer": Decimal(1_500),
        "technology_cost_per_customer": Decimal(200),
    },
    {
        "name": "Low touch",
        "touch_model": TouchModel.LOW_TOUCH,
        "rank": 2,
        "acv_min": Decimal(10_000),
        "acv_max": Decimal(100_000),
        "accounts_per_csm_min": 40,
        "accounts_per_csm_max": 80,
        "accounts_per_csm_planned": 50,
        "check_in_cadence": Cadence.MONTHLY,
        "qbr_cadence": Cadence.QUARTERLY,
        "csm_cost_per_year": Decimal(120_000),
        "shared_cost_per_customer": Decimal(600),
        "technology_cost_per_customer": Decimal(200),
    },
    {
        "name": "Tech touch",
        "touch_model": TouchModel.TECH_TOUCH,
        "rank": 1,
        "acv_min": Decimal(0),
        "acv_max": Decimal(10_000),
        "accounts_per_csm_min": 500,
        "accounts_per_csm_max": 5_000,
        "accounts_per_csm_planned": 1_000,
        "check_in_cadence": Cadence.AUTOMATED,
        "qbr_cadence": Cadence.NONE,
        "csm_cost_per_year": Decimal(100_000),
        "shared_cost_per_customer": Decimal(50),
        "technology_cost_per_customer": Decimal(100),
    },
]
REASON_FOR_OVERRIDE = {
    TierOverride.STRATEGIC: TierChangeReason.STRATEGIC,
    TierOverride.AT_RISK_UPGRADE: TierChangeReason.AT_RISK_UPGRADE,
    TierOverride.MANUAL: TierChangeReason.MANUAL,
}


def service_model_settings(*, tenant: Tenant) -> ServiceModelSettings:
    settings, _ = ServiceModelSettings.objects.get_or_create(tenant=tenant)
    return settings


def tiers_create_defaults(*, tenant: Tenant) -> list[ServiceTier]:
    """The three tiers of the hybrid model, for a tenant that has none yet."""
    if ServiceTier.objects.filter(tenant=tenant).exists():
        return service_tiers(tenant=tenant)
    return [ServiceTier.objects.create(tenant=tenant, **tier) for tier in DEFAULT_TIERS]


def tier_for_acv(tiers: list[ServiceTier], acv: Decimal) -> ServiceTier | None:
    """The tier whose ACV band holds `acv`; the highest-ranked when bands overlap."""
    matching = [tier for tier in tiers if tier.covers(acv)]
    return max(matching, key=lambda tier: tier.rank, default=None)


def _validate_tier(tier: ServiceTier) -> None:
    tier.full_clean(exclude=["tenant"], validate_unique=False, validate_constraints=False)
    errors = {}
    if tier.acv_max is not None and tier.acv_max <= tier.acv_min:
        errors["acv_max"] = "The upper ACV bound must be above the lower one."
    if tier.accounts_per_csm_max < tier.accounts_per_csm_min:
        errors["accounts_per_csm_max"] = "The most accounts per CSM must be at least the fewest."
    others = ServiceTier.objects.filter(tenant_id=tier.tenant_id).exclude(pk=tier.pk)
    if others.filter(name__iexact=tier.name).exists():
        errors["name"] = f"There is a tier called {tier.name} already."
    if others.filter(rank=tier.rank).exists():
        errors["rank"] = f"Another tier has rank {tier.rank}; ranks order tiers from least to most touch."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def tier_save(*, tier: ServiceTier, by: User | None) -> tuple[ServiceTier, int]:
    """Create or change a tier; accounts that follow the ACV rule move to their new tier.

    Returns the tier and how many accounts moved.
    """
    _validate_tier(tier)
    tier.save()
    moved = tiers_reassign(tenant=tier.tenant, by=by)
    return tier, moved


def _record(
    account: Account, to_tier: ServiceTier | None, reason: str, actor: User | None, note: str = ""
) -> TierChange:
    change = TierChange(
        tenant_id=account.tenant_id,
        account=account,
        from_tier_id=account.service_tier_id,
        to_tier=to_tier,
        reason=reason,
        note=note[:300],
        acv=account.acv,
        actor=actor,
    )
    account.service_tier = to_tier
    return change


def _rule_move(
    account: Account, tiers: list[ServiceTier], previous_acv: Decimal | None
) -> tuple[ServiceTier | None, str] | None:
    """Where the ACV rule puts the account, and why; None when it stays."""
    target = tier_for_acv(tiers, account.acv)
    if account.service_tier_id == (target.pk if target else None):
        return None
    current = next((t for t in tiers if t.pk == account.service_tier_id), None)
    if current is None:
        return target, TierChangeReason.INITIAL
    if target is not None and target.rank < current.rank and previous_acv is not None and account.acv < previous_acv:
        return target, TierChangeReason.CONTRACTION
    return target, TierChangeReason.ACV_RULE


def account_apply_tier_rule(
    *,
    account: Account,
    tiers: list[ServiceTier],
    actor: User | None = None,
    previous_acv: Decimal | None = None,
    reason: str | None = None,
) -> TierChange | None:
    """Put the account in the tier its ACV calls for, unless an override holds it.

    The change is returned unsaved (with the account changed in memory), so bulk
    callers can save many at once; `account_save_tier_change` saves one.
    """
    if account.tier_override:
        return None
    move = _rule_move(account, tiers, previous_acv)
    if move is None:
        return None
    target, rule_reason = move
    return _record(account, target, reason or rule_reason, actor)


def account_save_tier_change(account: Account, change: TierChange | None) -> None:
    if change is None:
        return
    account.save(update_fields=["service_tier", "tier_override", "tier_override_until", "is_strategic", "updated_at"])
    change.save()
    announce_tier_changed(account.tenant, [change])


@transaction.atomic
def account_set_tier_override(
    *,
    account: Account,
    kind: TierOverride,
    by: User | None,
    tier: ServiceTier | None = None,
    until: dt.date | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> TierChange:
    """Hold the account in a tier whatever its ACV says.

    - strategic: stays (in the tier given, or its current one) until removed;
    - at-risk upgrade: a higher tier than the rule's, until an expiry date;
    - manual: any tier, until removed.
    """
    tiers = service_tiers(tenant=account.tenant)
    today = today or tenant_time.today(account.tenant)
    rule_tier = tier_for_acv(tiers, account.acv)
    if kind == TierOverride.STRATEGIC:
        tier = tier or account.service_tier or rule_tier
        until = None
    elif kind == TierOverride.AT_RISK_UPGRADE:
        above = rule_tier.rank if rule_tier else 0
        if tier is None:
            tier = min((t for t in tiers if t.rank > above), key=lambda t: t.rank, default=None)
        if tier is None or tier.rank <= above:
            raise ValidationError({"tier": "An at-risk upgrade must be to a higher tier than the ACV rule gives."})
        if until is None:
            until = today + dt.timedelta(days=service_model_settings(tenant=account.tenant).at_risk_upgrade_days)
        if until <= today:
            raise ValidationError({"until": "The upgrade must end after today."})
    elif kind == TierOverride.MANUAL:
        if tier is None:
            raise ValidationError({"tier": "Choose the tier to hold the account in."})
        until = None
    else:
        raise ValidationError({"kind": "Choose strategic, at-risk upgrade or manual."})
    if tier is not None and tier.tenant_id != account.tenant_id:
        raise ValidationError({"tier": "Unknown tier."})
    account.tier_override, account.tier_override_until = kind, until
    account.is_strategic = kind == TierOverride.STRATEGIC or (account.is_strategic and kind != TierOverride.MANUAL)
    change = _record(account, tier, REASON_FOR_OVERRIDE[kind], by, note)
    account_save_tier_change(account, change)
    return change


@transaction.atomic
def account_remove_tier_override(
    *, account: Account, by: User | None, reason: str = TierChangeReason.OVERRIDE_REMOVED, note: str = ""
) -> TierChange | None:
    """Back to the ACV rule; strategic accounts stop being strategic. Without an override, nothing happens."""
    if not account.tier_override:
        return None
    if account.tier_override == TierOverride.STRATEGIC:
        account.is_strategic = False
    account.tier_override, account.tier_override_until = TierOverride.NONE, None
    target = tier_for_acv(service_tiers(tenant=account.tenant), account.acv)
    change = _record(account, target, reason, by, note)
    account_save_tier_change(account, change)
    return change


def tier_overrides_expire(*, tenant: Tenant, today: dt.date) -> int:
    """End every override whose expiry has passed; returns how many ended."""
    expired = Account.objects.filter(tenant=tenant, tier_override_until__lt=today).exclude(tier_override="")
    count = 0
    for account in expired.select_related("tenant"):
        # Never None here: the filter above matched on it.
        until = account.tier_override_until or today
        account_remove_tier_override(
            account=account,
            by=None,
            reason=TierChangeReason.OVERRIDE_EXPIRED,
            note=f"{account.get_tier_override_display()} ended {day(until)}.",
        )
        count += 1
    return count


def tiers_reassign(*, tenant: Tenant, by: User | None, batch_size: int = 1000) -> int:
    """Apply the ACV rule to every account without an override, after the bands changed."""
    tiers = service_tiers(tenant=tenant)
    moved = 0
    accounts = Account.objects.filter(tenant=tenant, tier_override="").only("id", "tenant_id", "acv", "service_tier_id")
    batch_accounts, batch_changes = [], []
    for account in accounts.iterator(chunk_size=batch_size):
        change = account_apply_tier_rule(account=account, tiers=tiers, actor=by, reason=TierChangeReason.TIERS_CHANGED)
        if change is not None:
            batch_accounts.append(account)
            batch_changes.append(change)
        if len(batch_accounts) >= batch_size:
            moved += _flush(batch_accounts, batch_changes)
    return moved + _flush(batch_accounts, batch_changes)


def _flush(accounts: list[Account], changes: list[TierChange]) -> int:
    count = len(accounts)
    if count:
        Account.objects.bulk_update(accounts, ["service_tier"])
        TierChange.objects.bulk_create(changes)
        announce_tier_changed(accounts[0].tenant, changes)
    accounts.clear()
    changes.clear()
    return count


def service_model_settings_update(
    *,
    settings: ServiceModelSettings,
    cost_share_min_pct: Decimal,
    cost_share_max_pct: Decimal,
    at_risk_upgrade_days: int,
) -> ServiceModelSettings:
    if cost_share_min_pct >= cost_share_max_pct:
        raise ValidationError("The lower bound of the healthy cost share must be below the upper bound.")
    settings.cost_share_min_pct, settings.cost_share_max_pct = cost_share_min_pct, cost_share_max_pct
    settings.at_risk_upgrade_days = at_risk_upgrade_days
    settings.full_clean(exclude=["tenant"], validate_constraints=False)
    settings.save()
    return settings
