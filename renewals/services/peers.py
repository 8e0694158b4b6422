"""Reads renewals offers its peers (communications' blackouts, cadences and merge fields, health's backtest),
so they need not import its models."""

import datetime as dt

from django.db.models import Q

from tenancy.models import Tenant

from ..models import Outcome, Renewal, RenewalStatus


def accounts_next_renewal(*, tenant: Tenant, account_ids) -> dict[int, dt.date]:
    """Per account, the due date of its next open renewal."""
    found: dict[int, dt.date] = {}
    rows = (
        Renewal.objects.filter(tenant=tenant, account_id__in=list(account_ids), status=RenewalStatus.OPEN)
        .order_by("due_on", "id")
        .values_list("account_id", "due_on")
    )
    for account_id, due_on in rows:
        found.setdefault(account_id, due_on)
    return found


def accounts_in_renewal_negotiation(
    *, tenant: Tenant, account_ids, on: dt.date, window_days: int
) -> dict[int, dt.date]:
    """Per account negotiating a renewal on `on` (an open renewal due within `window_days`, or overdue and
    still open), the renewal's due date."""
    return {
        account_id: due_on
        for account_id, due_on in accounts_next_renewal(tenant=tenant, account_ids=account_ids).items()
        if (due_on - on).days <= window_days
    }


def renewal_outcomes(*, tenant: Tenant, until: dt.date) -> list[tuple[int, bool, dt.date]]:
    """Every decided renewal up to `until`: (account, churned, the day it was decided), oldest first.

    The day is the renewal date (the contract's end), or the day it was closed when that came first: a
    renewal signed a month early was decided then, and a churn recorded late still happened at the end."""
    rows = (
        Renewal.objects.filter(tenant=tenant, status=RenewalStatus.CLOSED, closed_on__isnull=False)
        .filter(Q(due_on__lte=until) | Q(closed_on__lte=until))
        .exclude(outcome="")
        .values_list("account_id", "outcome", "due_on", "closed_on")
    )
    decided = [
        (account_id, outcome == Outcome.CHURNED, min(due_on, closed_on))
        for account_id, outcome, due_on, closed_on in rows
    ]
    return sorted(decided, key=lambda o: (o[2], o[0]))
