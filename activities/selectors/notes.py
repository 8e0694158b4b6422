"""Reads of the touches logged on accounts."""

from django.db.models import QuerySet

from tenancy.models import Tenant

from ..models import Note


def account_notes(*, tenant: Tenant, account_id: int) -> QuerySet[Note]:
    return Note.objects.filter(tenant=tenant, account_id=account_id).select_related("author", "task")


def note_list(*, tenant: Tenant) -> QuerySet[Note]:
    return Note.objects.filter(tenant=tenant).select_related("author", "account", "task")
