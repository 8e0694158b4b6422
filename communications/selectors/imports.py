"""Reads of campaign imports: the list and one import (its progress: core.imports.jobs.ImportJobBase)."""

from tenancy.models import Tenant

from ..models import CalendarImport


def calendar_import_list(*, tenant: Tenant):
    return CalendarImport.objects.filter(tenant=tenant).select_related("created_by").order_by("-created_at", "-id")


def calendar_import_get(*, tenant: Tenant, import_id: int) -> CalendarImport:
    return calendar_import_list(tenant=tenant).get(pk=import_id)
