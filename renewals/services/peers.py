"""Reads renewals offers its peers (communications' blackouts, cadences and merge fields), so they need not
import its models."""

import datetime as dt

from tenancy.models import Tenant

from ..models import Renewal, RenewalStatus


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
