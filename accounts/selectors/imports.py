"""Reads of import jobs (every kind's: health's record import reads its own through these) for the pages,
always within the tenant; the columns an import can fill, and a preview of the first rows."""

from collections.abc import Iterable

from django.db.models import QuerySet

from core.imports.reading import read_head
from tenancy.models import Tenant

from ..imports.mapping import TargetField, target_fields
from ..models import ACCOUNT_IMPORT_KINDS, ImportJob, ImportMapping
from .custom_fields import custom_field_definitions

PREVIEW_ROWS = 5


def import_job_list(*, tenant: Tenant, kinds: Iterable[str] = ACCOUNT_IMPORT_KINDS) -> QuerySet[ImportJob]:
    """The jobs of `kinds`, newest first: the account import's by default, as each app's pages show their own."""
    return (
        ImportJob.objects.filter(tenant=tenant, kind__in=list(kinds))
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def import_job_get(*, tenant: Tenant, import_job_id: int, kinds: Iterable[str] = ACCOUNT_IMPORT_KINDS) -> ImportJob:
    return import_job_list(tenant=tenant, kinds=kinds).get(pk=import_job_id)


def import_targets(*, tenant: Tenant, kind: str) -> list[TargetField]:
    return target_fields(kind=kind, custom_fields=custom_field_definitions(tenant=tenant))


def import_mapping_saved(*, tenant: Tenant, kind: str) -> dict[str, str]:
    saved = ImportMapping.objects.filter(tenant=tenant, kind=kind).first()
    return saved.mapping if saved else {}


def import_job_preview(
    *, job: ImportJob, targets: list[TargetField], mapping: dict[str, str], rows: int = PREVIEW_ROWS
) -> list[tuple[int, list[str]]]:
    """The first rows as the mapping reads them: (line, one cell per target, empty where unmapped)."""
    with job.file.open("rb") as stored:
        # The head only: the page asks on every change of a column, and must not read 50 MB each time.
        table = read_head(stored.read(), rows=rows + 50)
    preview = []
    for position in range(min(rows, len(table))):
        record = table.frame.iloc[position]
        cells = [record[mapping[t.key]].strip() if mapping.get(t.key) in table.headers else "" for t in targets]
        preview.append((table.lines[position], cells))
    return preview
