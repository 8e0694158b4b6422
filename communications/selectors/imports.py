"""Reads of campaign imports: the list, one import and its progress."""

from tenancy.models import Tenant

from ..models import CalendarImport


def calendar_import_list(*, tenant: Tenant):
    return CalendarImport.objects.filter(tenant=tenant).select_related("created_by").order_by("-created_at", "-id")


def calendar_import_get(*, tenant: Tenant, import_id: int) -> CalendarImport:
    return calendar_import_list(tenant=tenant).get(pk=import_id)


def import_progress_pct(calendar_import: CalendarImport) -> int:
    if calendar_import.status == CalendarImport.Status.DONE:
        return 100
    if not calendar_import.total_rows:
        return 0
    return min(100, round(100 * calendar_import.processed_rows / calendar_import.total_rows))
