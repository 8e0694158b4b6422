"""The renewals card of the account page: an account's contracts, its next renewal and its opportunities."""

from dataclasses import dataclass

from accounts.models import Account
from tenancy.models import Tenant

from ..models import Checkpoint, Contract, ExpansionOpportunity, OpportunityStage, Renewal, RenewalStatus
from .renewals import renewal_checkpoints, renewal_list


@dataclass
class AccountRenewalsCard:
    contracts: list[Contract]
    renewal: Renewal | None
    checkpoints: list[Checkpoint]
    opportunities: list[ExpansionOpportunity]


def account_renewals_card(*, tenant: Tenant, account: Account) -> AccountRenewalsCard:
    """An account's contracts, its next open renewal with the runway, and its open opportunities."""
    contracts = list(Contract.objects.filter(tenant=tenant, account=account).order_by("-end_on", "-id"))
    renewal = (
        renewal_list(tenant=tenant).filter(account=account, status=RenewalStatus.OPEN).order_by("due_on", "pk").first()
    )
    checkpoints = renewal_checkpoints(tenant=tenant, renewal=renewal) if renewal else []
    opportunities = list(
        ExpansionOpportunity.objects.filter(
            tenant=tenant, account=account, stage__in=OpportunityStage.open_stages()
        ).order_by("expected_close_on", "-identified_on", "id")
    )
    return AccountRenewalsCard(contracts, renewal, checkpoints, opportunities)
