"""ARR of each account on a day, read set-based.

See renewals.selectors.metrics for the definitions. Two queries (contracts in force, their amendments) for any
number of accounts and days.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q

from core import tenant_time
from tenancy.models import Tenant

from ...models import Contract, ContractAmendment, RenewalStatus

ZERO = Decimal(0)


def account_arr_at(
    *, tenant: Tenant, days: Iterable[dt.date], account_ids=None, today: dt.date | None = None
) -> dict[dt.date, dict[int, Decimal]]:
    """ARR per account on each of `days` (accounts without ARR that day left out), in two queries."""
    days = sorted(set(days))
    if not days:
        return {}
    today = today or tenant_time.today(tenant)
    first, last = days[0], days[-1]
    # In force on some day: started by the last one and not ended before the first, or past its end with its
    # renewal still open (it stays in force until the outcome is recorded).
    contracts = Contract.objects.filter(tenant=tenant, start_on__lte=last).filter(
        Q(end_on__gte=first) | Q(renewal__status=RenewalStatus.OPEN, end_on__lt=today)
    )
    if account_ids is not None:
        contracts = contracts.filter(account_id__in=list(account_ids))
    rows = list(contracts.values_list("id", "account_id", "start_on", "end_on", "arr", "renewal__status"))
    changes: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    amendments = ContractAmendment.objects.filter(
        tenant=tenant, contract_id__in=contracts.values("id"), effective_on__lte=last
    ).values_list("contract_id", "effective_on", "arr_change")
    for contract_id, effective_on, arr_change in amendments:
        changes[contract_id].append((effective_on, arr_change))
    result: dict[dt.date, dict[int, Decimal]] = {}
    for day in days:
        totals: dict[int, Decimal] = defaultdict(Decimal)
        for contract_id, account_id, start_on, end_on, arr, renewal_status in rows:
            running_over = renewal_status == RenewalStatus.OPEN and end_on < day <= today
            if start_on <= day and (day <= end_on or running_over):
                totals[account_id] += arr + sum((c for on, c in changes[contract_id] if on <= day), ZERO)
        result[day] = {account_id: arr for account_id, arr in totals.items() if arr > 0}
    return result


def account_arr_on(
    *, tenant: Tenant, on: dt.date, account_ids=None, today: dt.date | None = None
) -> dict[int, Decimal]:
    """ARR per account on the day `on` (accounts without ARR that day left out)."""
    return account_arr_at(tenant=tenant, days=[on], account_ids=account_ids, today=today)[on]
