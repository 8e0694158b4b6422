"""The demo's forecast overrides and expansion pipeline, written through the services after the contracts.

Overrides: owners who know more than the data, some early in the runway, some inside the review window
where the data disagrees (flagged for the leader; one already acknowledged). The pipeline: one identified
opportunity per open expansion or locked-feature signal, and manual ones in every stage, the won ones
adding the amendments the contract history planned (so the accounts' ARR comes out as the accounts demo set it).
"""

import datetime as dt
from decimal import Decimal

from accounts.models import Account, AccountStatus
from demo.tenancy import DemoPeople
from health.models import HealthSignal
from renewals import services
from renewals.models import ExpansionOpportunity, Forecast, OpportunityKind, OpportunityStage, Renewal, RenewalStatus

EARLY_OVERRIDES = {
    # suggested -> (override, reason)
    Forecast.AT_RISK: (Forecast.BEST_CASE, "Exec sponsor engaged again after the QBR; the usage dip was a migration."),
    Forecast.BEST_CASE: (Forecast.COMMIT, "The customer asked for the renewal quote early and has budget approved."),
    Forecast.COMMIT: (Forecast.AT_RISK, "Our champion told us in confidence she leaves in the spring."),
}
LATE_OVERRIDES = {
    Forecast.AT_RISK: (
        Forecast.COMMIT,
        "Verbal commit from the sponsor on last week's call; procurement has the paperwork.",
    ),
    Forecast.BEST_CASE: (Forecast.COMMIT, "Signature promised for this month; legal reviewed the order form."),
    Forecast.COMMIT: (Forecast.AT_RISK, "Procurement froze all renewals until the new CFO starts."),
}
MANUAL = [
    # (title, kind, share of ARR, stage, handed to sales, lost reason)
    ("Rollout to the APAC offices", OpportunityKind.SEATS, "0.25", OpportunityStage.IDENTIFIED, False, ""),
    ("Data warehouse connector", OpportunityKind.CROSS_SELL, "0.1", OpportunityStage.IDENTIFIED, False, ""),
    (
        "Embedded dashboards for their customers",
        OpportunityKind.CROSS_SELL,
        "0.3",
        OpportunityStage.QUALIFIED,
        True,
        "",
    ),
    ("Upgrade to the Scale plan", OpportunityKind.TIER_UPGRADE, "0.2", OpportunityStage.QUALIFIED, False, ""),
    ("Marketing team seats", OpportunityKind.SEATS, "0.15", OpportunityStage.PROPOSED, False, ""),
    (
        "Enterprise plan with SSO and audit logs",
        OpportunityKind.TIER_UPGRADE,
        "0.35",
        OpportunityStage.PROPOSED,
        True,
        "",
    ),
    ("Usage tier for the IoT data", OpportunityKind.USAGE, "0.1", OpportunityStage.PROPOSED, False, ""),
    (
        "Forecasting module",
        OpportunityKind.CROSS_SELL,
        "0.15",
        OpportunityStage.LOST,
        False,
        "No budget until next fiscal year",
    ),
    (
        "Seats for the Berlin office",
        OpportunityKind.SEATS,
        "0.1",
        OpportunityStage.LOST,
        False,
        "Office closed in the restructuring",
    ),
    (
        "Premium support",
        OpportunityKind.CROSS_SELL,
        "0.05",
        OpportunityStage.LOST,
        True,
        "Went with their reseller's support package",
    ),
]
PATH = [OpportunityStage.QUALIFIED, OpportunityStage.PROPOSED]


def seed_overrides(replay, people: DemoPeople) -> None:
    today, tenant = replay.today, replay.tenant
    open_renewals = list(
        Renewal.objects.filter(tenant=tenant, status=RenewalStatus.OPEN, owner__isnull=False)
        .select_related("owner", "account")
        .order_by("due_on", "pk")
    )
    window = [r for r in open_renewals if 0 <= r.days_left(today) <= 60]
    later = [r for r in open_renewals if 90 <= r.days_left(today) <= 300]
    flagged = []
    for renewal in window[:: max(1, len(window) // 3)][:3]:
        category, reason = LATE_OVERRIDES[renewal.suggested_forecast]
        services.renewal_set_forecast(renewal=renewal, category=category, by=renewal.owner, reason=reason)
        flagged.append(renewal)
        replay.count("overrides")
    if flagged:
        services.renewal_review_acknowledge(
            renewal=flagged[0],
            by=people.leader,
            note="Discussed in the forecast call: the sponsor confirmed in writing.",
        )
    for renewal in replay.rng.sample(later, min(8, len(later))):
        category, reason = EARLY_OVERRIDES[renewal.suggested_forecast]
        services.renewal_set_forecast(renewal=renewal, category=category, by=renewal.owner, reason=reason)
        replay.count("overrides")


def seed_pipeline(replay, people: DemoPeople, won_histories) -> None:
    tenant, today, rng = replay.tenant, replay.today, replay.rng
    signals = HealthSignal.objects.filter(tenant=tenant, status="open", kind__in=["expansion", "locked_feature"])
    for signal in signals.order_by("pk"):
        if services.opportunity_from_signal(health_signal=signal):
            replay.count("signal_opportunities")
    # Some of the raised ones are already being worked.
    raised = list(ExpansionOpportunity.objects.filter(tenant=tenant, health_signal__isnull=False).order_by("pk"))
    for opportunity in raised[:: max(1, len(raised) // 4)][:4]:
        services.opportunity_move(opportunity=opportunity, stage=OpportunityStage.QUALIFIED, by=opportunity.owner)
    taken = {o.account_id for o in raised} | {h.account.pk for h in won_histories}
    candidates = [
        a
        for a in Account.objects.filter(tenant=tenant, status=AccountStatus.ACTIVE, owner__isnull=False)
        .select_related("owner", "tenant")
        .order_by("-arr", "pk")
        if a.pk not in taken
    ]
    for (title, kind, share, stage, handed, lost_reason), account in zip(MANUAL, candidates[3::7], strict=False):
        identified = today - dt.timedelta(days=rng.randint(10, 80))
        opportunity = services.opportunity_create(
            tenant=tenant,
            account=account,
            title=title,
            kind=kind,
            value=(Decimal(account.arr) * Decimal(share)).quantize(Decimal(1)),
            by=account.owner,
            identified_on=identified,
            expected_close_on=today + dt.timedelta(days=rng.randint(20, 120)),
            note=f"Raised by {account.owner.full_name or account.owner.email} in the account review.",
        )
        for step in PATH[
            : {OpportunityStage.QUALIFIED: 1, OpportunityStage.PROPOSED: 2}.get(stage, 1 if lost_reason else 0)
        ]:
            services.opportunity_move(opportunity=opportunity, stage=step, by=account.owner)
        if handed:
            services.opportunity_update(opportunity=opportunity, by=account.owner, handed_to_sales=True)
        if stage == OpportunityStage.LOST:
            services.opportunity_move(
                opportunity=opportunity,
                stage=stage,
                by=account.owner,
                lost_reason=lost_reason,
                on=min(today, identified + dt.timedelta(days=rng.randint(5, 40))),
            )
        replay.count("manual_opportunities")
    for history in won_histories:
        _won(replay, history)


def _won(replay, history) -> None:
    """An expansion won during the term: identified, qualified, proposed, won; its amendment is the one the
    contract history left out of the contract's ARR at signing."""
    account = history.account
    amend = next(a for a in history.amendments if a.won_title)
    identified = max(history.start_on, amend.effective_on - dt.timedelta(days=replay.rng.randint(20, 60)))
    opportunity = services.opportunity_create(
        tenant=replay.tenant,
        account=Account.objects.select_related("tenant").get(tenant=replay.tenant, pk=account.pk),
        title=amend.won_title,
        kind=amend.won_kind,
        value=amend.arr_change,
        by=account.owner,
        identified_on=identified,
        expected_close_on=amend.effective_on,
        note="Came up in the value review.",
    )
    for step in PATH:
        services.opportunity_move(opportunity=opportunity, stage=step, by=account.owner)
    services.opportunity_update(opportunity=opportunity, by=account.owner, handed_to_sales=True)
    services.opportunity_move(
        opportunity=opportunity, stage=OpportunityStage.WON, by=account.owner, on=amend.effective_on
    )
    replay.count("won_opportunities")
