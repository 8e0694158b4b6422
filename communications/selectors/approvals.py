"""The approvals queue: bulk sends waiting for a decision, and the latest decisions."""

from django.db.models import Prefetch, QuerySet

from tenancy.models import Tenant

from ..models import Approval, ApprovalDecision, CalendarEntry, EntryStatus
from .entries import entry_list


def approvals_pending(*, tenant: Tenant) -> QuerySet[CalendarEntry]:
    """Bulk sends waiting for a leader or an admin, the earliest due first, with who asked."""
    requests = Approval.objects.filter(tenant=tenant, decision=ApprovalDecision.REQUESTED).select_related("by")
    return (
        entry_list(tenant=tenant)
        .filter(status=EntryStatus.PENDING_APPROVAL)
        .prefetch_related(Prefetch("approvals", queryset=requests, to_attr="requests"))
        .order_by("scheduled_at", "id")
    )


def approvals_decided(*, tenant: Tenant, limit: int = 20) -> list[Approval]:
    return list(
        Approval.objects.filter(tenant=tenant)
        .exclude(decision=ApprovalDecision.REQUESTED)
        .select_related("entry__account", "by")
        .order_by("-at", "-id")[:limit]
    )
