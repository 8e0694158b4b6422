"""Unit economics of the service model: cost to serve, its share of ACV, and the capacity it takes.

Pure arithmetic on tiers and counts, so the account page, the tier report, the
capacity planner and the API all give the same numbers.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .models import ServiceModelSettings, ServiceTier

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
OVER_SERVICED = "over_serviced"
UNDER_INVESTED = "under_invested"
FLAG_LABELS = {OVER_SERVICED: "Over-serviced", UNDER_INVESTED: "Under-invested"}


def direct_cost_per_customer(tier: ServiceTier) -> Decimal:
    """The CSM's fully loaded cost spread over the accounts they are planned to carry."""
    return (Decimal(tier.csm_cost_per_year) / tier.accounts_per_csm_planned).quantize(CENT, ROUND_HALF_UP)


def cost_per_customer(tier: ServiceTier) -> Decimal:
    """Direct CSM cost + shared resources + technology, per customer and year."""
    return direct_cost_per_customer(tier) + tier.shared_cost_per_customer + tier.technology_cost_per_customer


def cost_share_pct(cost: Decimal, acv: Decimal) -> Decimal | None:
    """Cost to serve as a percentage of ACV, to one decimal; None without revenue to divide by."""
    if not acv:
        return None
    return (Decimal(cost) * 100 / Decimal(acv)).quantize(TENTH, ROUND_HALF_UP)


def cost_flag(share: Decimal | None, policy: ServiceModelSettings) -> str | None:
    if share is None:
        return None
    if share > policy.cost_share_max_pct:
        return OVER_SERVICED
    if share < policy.cost_share_min_pct:
        return UNDER_INVESTED
    return None


def acv_band_in_policy(tier: ServiceTier, policy: ServiceModelSettings) -> tuple[Decimal, Decimal | None]:
    """The ACVs at which this tier's cost stays inside the policy: below the first an account
    is over-serviced, above the second under-invested (None when no minimum share applies)."""
    cost = cost_per_customer(tier)
    lowest = cost * 100 / policy.cost_share_max_pct if policy.cost_share_max_pct else Decimal(0)
    highest = cost * 100 / policy.cost_share_min_pct if policy.cost_share_min_pct else None
    return lowest, highest


@dataclass(frozen=True)
class AccountEconomics:
    cost_per_year: Decimal
    share_pct: Decimal | None
    flag: str | None

    @property
    def flag_label(self) -> str:
        return FLAG_LABELS.get(self.flag, "")


def account_economics(tier: ServiceTier | None, acv: Decimal, policy: ServiceModelSettings) -> AccountEconomics | None:
    if tier is None:
        return None
    cost = cost_per_customer(tier)
    share = cost_share_pct(cost, acv)
    return AccountEconomics(cost_per_year=cost, share_pct=share, flag=cost_flag(share, policy))


@dataclass(frozen=True)
class TierLoad:
    """What a tier carries today: its accounts and their revenue."""

    tier: ServiceTier
    accounts: int
    arr: Decimal
    acv: Decimal


@dataclass(frozen=True)
class CapacityRow:
    tier: ServiceTier
    accounts_today: int
    accounts_projected: int
    csms_today: int
    csms_projected: int
    cost_today: Decimal
    cost_projected: Decimal
    arr_today: Decimal
    arr_projected: Decimal

    @property
    def share_today(self) -> Decimal | None:
        return cost_share_pct(self.cost_today, self.arr_today)

    @property
    def share_projected(self) -> Decimal | None:
        return cost_share_pct(self.cost_projected, self.arr_projected)


def csms_needed(tier: ServiceTier, accounts: int) -> int:
    # People come whole: 51 accounts at 50 per CSM need two.
    return math.ceil(accounts / tier.accounts_per_csm_planned) if accounts else 0


def tier_cost(tier: ServiceTier, accounts: int) -> Decimal:
    """A year of serving `accounts`: the CSMs it takes, plus shared and technology cost per customer."""
    people = Decimal(csms_needed(tier, accounts)) * tier.csm_cost_per_year
    per_customer = (tier.shared_cost_per_customer + tier.technology_cost_per_customer) * accounts
    return (people + per_customer).quantize(CENT)


def projected_count(today: int, *, growth_pct: Decimal, horizon_months: int) -> int:
    factor = (1 + Decimal(growth_pct) / 100) ** (Decimal(horizon_months) / 12)
    return int((Decimal(today) * factor).quantize(Decimal(1), ROUND_HALF_UP))


def capacity_plan(
    loads: list[TierLoad],
    *,
    projected: dict[int, int] | None = None,
    growth_pct: Decimal = Decimal(0),
    horizon_months: int = 12,
) -> list[CapacityRow]:
    """CSMs, cost and cost share per tier, today and for the projected account counts.

    Projected counts come from `projected` (tier id -> accounts) where given, else
    from today's count grown by `growth_pct` a year over `horizon_months`. Projected
    ARR keeps each tier's ARR per account (or its lowest ACV when it has none today).
    """
    rows = []
    for load in loads:
        tier = load.tier
        future = (projected or {}).get(tier.pk)
        if future is None:
            future = projected_count(load.accounts, growth_pct=growth_pct, horizon_months=horizon_months)
        arr_per_account = load.arr / load.accounts if load.accounts else Decimal(tier.acv_min)
        rows.append(
            CapacityRow(
                tier=tier,
                accounts_today=load.accounts,
                accounts_projected=future,
                csms_today=csms_needed(tier, load.accounts),
                csms_projected=csms_needed(tier, future),
                cost_today=tier_cost(tier, load.accounts),
                cost_projected=tier_cost(tier, future),
                arr_today=Decimal(load.arr).quantize(CENT),
                arr_projected=(arr_per_account * future).quantize(CENT),
            )
        )
    return rows


def capacity_totals(rows: list[CapacityRow]) -> dict:
    totals = {
        "accounts_today": sum(r.accounts_today for r in rows),
        "accounts_projected": sum(r.accounts_projected for r in rows),
        "csms_today": sum(r.csms_today for r in rows),
        "csms_projected": sum(r.csms_projected for r in rows),
        "cost_today": sum((r.cost_today for r in rows), Decimal(0)),
        "cost_projected": sum((r.cost_projected for r in rows), Decimal(0)),
        "arr_today": sum((r.arr_today for r in rows), Decimal(0)),
        "arr_projected": sum((r.arr_projected for r in rows), Decimal(0)),
    }
    totals["share_today"] = cost_share_pct(totals["cost_today"], totals["arr_today"])
    totals["share_projected"] = cost_share_pct(totals["cost_projected"], totals["arr_projected"])
    return totals
