"""Campaign imports: upload a CSV of sends planned in another tool, follow its progress, see the rows that
were skipped and why; a sample CSV shows the columns."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.imports.jobs import MAX_STORED_ERRORS
from core.web import get_or_404, member_required, rejected_rows_download, upload_start
from tenancy.permissions import Capability, membership_can

from .. import selectors
from ..forms.imports import CalendarImportForm
from ..models import CalendarImport
from ..services import import_rows
from ..services import imports as import_services

IMPORTS_PER_PAGE = 20


def _import(request: HttpRequest, import_id: int) -> CalendarImport:
    return get_or_404(selectors.calendar_import_get, tenant=request.tenant, import_id=import_id)


@require_http_methods(["GET", "POST"])
@member_required()
def import_list(request: HttpRequest) -> HttpResponse:
    may_import = membership_can(request.membership, Capability.MANAGE)
    form = CalendarImportForm(request.POST or None, request.FILES or None) if may_import else None
    if request.method == "POST":
        calendar_import, queued = upload_start(
            request,
            form,
            lambda data: import_services.calendar_import_create(
                tenant=request.tenant, uploaded_file=data["file"], team=data["team"], by=request.user
            ),
        )
        if calendar_import is not None:
            if queued:
                messages.success(request, f"Importing {calendar_import.original_name}: the progress shows below.")
            return redirect("communications:import_detail", import_id=calendar_import.pk)
    imports = selectors.calendar_import_list(tenant=request.tenant)
    page = Paginator(imports, IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "communications/imports/list.html",
        {
            "section": "communications",
            "form": form,
            "page": page,
            "may_import": may_import,
            "columns": import_rows.COLUMNS,
        },
    )


def _status_context(calendar_import: CalendarImport) -> dict:
    return {
        "job": calendar_import,
        "finished": calendar_import.is_finished,
        "progress": calendar_import.progress_pct,
        "max_errors": MAX_STORED_ERRORS,
    }


@require_GET
@member_required()
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    calendar_import = _import(request, import_id)
    return render(
        request,
        "communications/imports/detail.html",
        {"section": "communications", **_status_context(calendar_import)},
    )


@require_GET
@member_required()
def import_progress(request: HttpRequest, import_id: int) -> HttpResponse:
    """The status block alone, for the detail page's htmx poll."""
    return render(request, "communications/imports/_status.html", _status_context(_import(request, import_id)))


@require_GET
@member_required()
def import_rejected_csv(request: HttpRequest, import_id: int) -> FileResponse:
    """The skipped rows with their reasons, to fix and import again."""
    return rejected_rows_download(_import(request, import_id))


@require_GET
@member_required()
def import_sample(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(import_rows.sample_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="campaign-import-sample.csv"'
    return response
