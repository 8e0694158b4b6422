"""Reads of the contracts pages: the filtered, sorted list and one contract with its chain and amendments."""

import datetime as dt

from django.db.models import Q, QuerySet

from accounts.models import Account, AccountStatus
from tenancy.models import Tenant

from ..models import Contract, ContractAmendment

CONTRACT_SORTS = {
    "end": ("end_on", "account__name"),
    "-end": ("-end_on", "account__name"),
    "arr": ("current_arr", "account__name"),
    "-arr": ("-current_arr", "account__name"),
    "account": ("account__name", "end_on"),
    "-account": ("-account__name", "end_on"),
}
DEFAULT_SORT = "end"


def contract_list(*, tenant: Tenant) -> QuerySet[Contract]:
    """Contracts with what a row shows (account, its owner, the renewal), in one query however many."""
    return Contract.objects.filter(tenant=tenant).select_related("account", "account__owner", "renewal")


def contract_get(*, tenant: Tenant, contract_id: int) -> Contract:
    # The chain both ways: the contract it renewed and the one that renewed it.
    return contract_list(tenant=tenant).select_related("renews", "renewed_by").get(pk=contract_id)


def contracts_filtered(
    *,
    tenant: Tenant,
    today: dt.date,
    status: str = "",
    segment: str = "",
    owner_id: int | None = None,
    auto_renew: bool | None = None,
    ending_within: int | None = None,
    search: str = "",
) -> QuerySet[Contract]:
    contracts = contract_list(tenant=tenant)
    if status:
        contracts = contracts.filter(status=status)
    if segment:
        contracts = contracts.filter(account__segment=segment)
    if owner_id is not None:
        contracts = contracts.filter(account__owner_id=owner_id)
    if auto_renew is not None:
        contracts = contracts.filter(auto_renew=auto_renew)
    if ending_within is not None:
        contracts = contracts.filter(end_on__gte=today, end_on__lte=today + dt.timedelta(days=ending_within))
    if term := search.strip():
        contracts = contracts.filter(Q(account__name__icontains=term) | Q(reference__icontains=term))
    return contracts


def contracts_sorted(contracts: QuerySet[Contract], sort: str) -> QuerySet[Contract]:
    return contracts.order_by(*CONTRACT_SORTS.get(sort, CONTRACT_SORTS[DEFAULT_SORT]), "pk")


def contract_amendments(*, tenant: Tenant, contract: Contract) -> QuerySet[ContractAmendment]:
    return ContractAmendment.objects.filter(tenant=tenant, contract=contract).select_related(
        "opportunity", "created_by"
    )


def contract_accounts(*, tenant: Tenant) -> QuerySet[Account]:
    """The accounts a new contract may be for: the tenant's active ones."""
    return Account.objects.filter(tenant=tenant, status=AccountStatus.ACTIVE).select_related("owner").order_by("name")
