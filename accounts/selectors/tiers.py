"""Reads of the service model: tiers and their history, what each tier carries and costs against the
policy (the tier report, accounts served outside it), and each CSM's workload."""

from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from tenancy.models import Tenant

from ..economics import TierLoad, acv_band_in_policy, cost_per_customer, cost_share_pct
from ..models import Account, AccountStatus, ServiceModelSettings, ServiceTier, TierChange
from .book import ZERO, account_list, assignable_owners


def service_tiers(*, tenant: Tenant) -> list[ServiceTier]:
    """The tenant's tiers, cheapest first (by the ACV they start at)."""
    return list(ServiceTier.objects.filter(tenant=tenant).order_by("acv_min"))


def service_model_policy(*, tenant: Tenant) -> ServiceModelSettings:
    """The tenant's economics policy as it stands: its saved settings, or the defaults until an admin saves
    some (read only: accounts.services.service_model_settings makes the row for those who change it)."""
    return ServiceModelSettings.objects.filter(tenant=tenant).first() or ServiceModelSettings(tenant=tenant)


def tier_list(*, tenant: Tenant) -> QuerySet[ServiceTier]:
    return ServiceTier.objects.filter(tenant=tenant)


def tier_history(*, tenant: Tenant, account: Account) -> QuerySet[TierChange]:
    return TierChange.objects.filter(tenant=tenant, account=account).select_related("from_tier", "to_tier", "actor")


def tier_get(*, tenant: Tenant, tier_id: int) -> ServiceTier:
    return ServiceTier.objects.get(tenant=tenant, pk=tier_id)


def tier_change_list(*, tenant: Tenant) -> QuerySet[TierChange]:
    """Every move between tiers in the tenant, newest first, with what a row shows in one query."""
    return TierChange.objects.filter(tenant=tenant).select_related("from_tier", "to_tier", "actor")


def tier_loads(*, tenant: Tenant) -> list[TierLoad]:
    """Every tier with its active accounts, ARR and ACV, in one query."""
    tiers = (
        ServiceTier.objects.filter(tenant=tenant)
        .annotate(
            n=Count("accounts", filter=Q(accounts__status=AccountStatus.ACTIVE)),
            arr_sum=Coalesce(Sum("accounts__arr", filter=Q(accounts__status=AccountStatus.ACTIVE)), ZERO),
            acv_sum=Coalesce(Sum("accounts__acv", filter=Q(accounts__status=AccountStatus.ACTIVE)), ZERO),
        )
        .order_by("-rank")
    )
    return [TierLoad(tier=t, accounts=t.n, arr=t.arr_sum, acv=t.acv_sum) for t in tiers]


def accounts_by_cost_flag(*, tenant: Tenant, flag: str) -> QuerySet[Account]:
    """Active accounts whose cost to serve falls outside the policy, as a database filter:
    over-serviced below each tier's lowest healthy ACV, under-invested above its highest."""
    policy = service_model_policy(tenant=tenant)
    condition = Q(pk__in=[])
    for tier in service_tiers(tenant=tenant):
        lowest, highest = acv_band_in_policy(tier, policy)
        if flag == "over_serviced":
            condition |= Q(service_tier=tier, acv__gt=0, acv__lt=lowest)
        elif highest is not None:
            condition |= Q(service_tier=tier, acv__gt=highest)
    return account_list(tenant=tenant).filter(condition, status=AccountStatus.ACTIVE)


def tier_report(*, tenant: Tenant) -> list[dict]:
    """Per tier: accounts, revenue, cost per customer and in total, its share of ACV, and flagged accounts."""
    policy = service_model_policy(tenant=tenant)
    over = dict(
        accounts_by_cost_flag(tenant=tenant, flag="over_serviced").values_list("service_tier").annotate(n=Count("pk"))
    )
    under = dict(
        accounts_by_cost_flag(tenant=tenant, flag="under_invested").values_list("service_tier").annotate(n=Count("pk"))
    )
    report = []
    for load in tier_loads(tenant=tenant):
        per_customer = cost_per_customer(load.tier)
        total = per_customer * load.accounts
        lowest, highest = acv_band_in_policy(load.tier, policy)
        report.append(
            {
                "tier": load.tier,
                "accounts": load.accounts,
                "arr": load.arr,
                "acv": load.acv,
                "cost_per_customer": per_customer,
                "cost_total": total,
                "share_pct": cost_share_pct(total, load.acv),
                "healthy_acv_from": lowest,
                "healthy_acv_to": highest,
                "over_serviced": over.get(load.tier.pk, 0),
                "under_invested": under.get(load.tier.pk, 0),
            }
        )
    return report


def csm_workload(*, tenant: Tenant) -> list[dict]:
    """Each owner's active accounts per tier, and how full their book is against the tiers' targets.

    A mixed book is weighed tier by tier: 6 high-touch accounts (target 8-15, planned 12)
    and 25 low-touch ones (40-80, planned 50) make a book at 100% of plan. It is
    overloaded when it is over 100% even at the tiers' highest targets, and
    under-loaded when it is under 100% even at their lowest.
    """
    tiers = {t.pk: t for t in service_tiers(tenant=tenant)}
    counts = (
        Account.objects.filter(tenant=tenant, status=AccountStatus.ACTIVE, owner__isnull=False)
        .values("owner", "service_tier")
        .annotate(n=Count("pk"))
    )
    owners = {u.pk: u for u in assignable_owners(tenant=tenant)}
    rows: dict[int, dict] = {}
    for row in counts:
        owner, tier = owners.get(row["owner"]), tiers.get(row["service_tier"])
        if owner is None:
            continue
        entry = rows.setdefault(
            owner.pk, {"owner": owner, "total": 0, "tiers": [], "at_plan": ZERO, "at_most": ZERO, "at_least": ZERO}
        )
        entry["total"] += row["n"]
        if tier is None:
            continue
        entry["tiers"].append({"tier": tier, "accounts": row["n"]})
        entry["at_plan"] += Decimal(row["n"]) / tier.accounts_per_csm_planned
        entry["at_most"] += Decimal(row["n"]) / max(tier.accounts_per_csm_max, 1)
        entry["at_least"] += Decimal(row["n"]) / max(tier.accounts_per_csm_min, 1)
    for entry in rows.values():
        entry["tiers"].sort(key=lambda t: -t["tier"].rank)
        entry["utilisation_pct"] = int((entry["at_plan"] * 100).quantize(Decimal(1)))
        entry["state"] = "over" if entry["at_most"] > 1 else "under" if entry["at_least"] < 1 else "ok"
    return sorted(rows.values(), key=lambda e: str(e["owner"]))
