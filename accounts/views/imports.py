"""Import pages: upload and history, column mapping with a preview, progress and results, rejected rows."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from core.imports.jobs import MAX_STORED_ERRORS
from core.web import apply_errors, get_or_404, member_required, rejected_rows_download, upload_start
from tenancy.permissions import Capability, membership_can, require
from tenancy.queue import BACKGROUND_UNAVAILABLE, queue_watch

from ..forms.imports import ImportMappingForm, ImportUploadForm
from ..models import ImportJob, ImportStatus
from ..selectors import imports as selectors
from ..services import imports as services

JOBS_PER_PAGE = 20


def _job(request: HttpRequest, import_job_id: int) -> ImportJob:
    return get_or_404(selectors.import_job_get, tenant=request.tenant, import_job_id=import_job_id)


def _status(job: ImportJob) -> dict:
    """What accounts/imports/_status.html needs besides the job: this app's pages for it."""
    return {
        "max_errors": MAX_STORED_ERRORS,
        "links": {
            "progress": reverse("accounts:import_progress", args=[job.pk]),
            "rejected": reverse("accounts:import_rejected_csv", args=[job.pk]),
            "done": reverse("accounts:index"),
            "done_label": "Go to the accounts",
            "again": reverse("accounts:import_list"),
        },
    }


@require_http_methods(["GET", "POST"])
@member_required(Capability.VIEW)
def import_list(request: HttpRequest) -> HttpResponse:
    may_import = membership_can(request.membership, Capability.MANAGE)
    form = ImportUploadForm(request.POST or None, request.FILES or None) if may_import else None
    if request.method == "POST":
        # Only stored here: the run is queued once the columns are mapped.
        job, _queued = upload_start(
            request,
            form,
            lambda data: services.import_job_create(
                tenant=request.tenant, kind=data["kind"], uploaded_file=data["file"], by=request.user
            ),
        )
        if job is not None:
            return redirect("accounts:import_detail", import_job_id=job.pk)
    page = Paginator(selectors.import_job_list(tenant=request.tenant), JOBS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/imports/list.html",
        {"form": form, "page": page, "may_import": may_import},
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.VIEW)
def import_detail(request: HttpRequest, import_job_id: int) -> HttpResponse:
    job = _job(request, import_job_id)
    context = {"job": job, "may_import": membership_can(request.membership, Capability.MANAGE), **_status(job)}
    if request.method == "POST":
        require(request, Capability.MANAGE)
        if job.status != ImportStatus.UPLOADED:
            messages.info(request, "This import has been started already.")
            return redirect("accounts:import_detail", import_job_id=job.pk)
    if job.status == ImportStatus.UPLOADED:
        targets = selectors.import_targets(tenant=request.tenant, kind=job.kind)
        # A GET with columns chosen (the page asks on every change) previews that choice.
        chosen = request.POST or (request.GET if any(t.key in request.GET for t in targets) else None)
        form = ImportMappingForm(
            request.POST or None, targets=targets, headers=job.headers, initial={**job.mapping, "mode": job.mode}
        )
        if request.method == "POST" and form.is_valid():
            try:
                with queue_watch() as watch:
                    services.import_job_configure(
                        job=job, mapping=form.mapping(), mode=form.cleaned_data["mode"], by=request.user
                    )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                if watch.failed:
                    messages.warning(request, BACKGROUND_UNAVAILABLE)
                else:
                    messages.success(request, f"Importing {job.original_name}: the progress shows below.")
                return redirect("accounts:import_detail", import_job_id=job.pk)
        mapping = {t.key: chosen.get(t.key, "") for t in targets} if chosen is not None else job.mapping
        shown = [t for t in targets if mapping.get(t.key)]
        context.update(
            form=form,
            targets=shown,
            preview=selectors.import_job_preview(job=job, targets=shown, mapping=mapping),
        )
    return render(request, "accounts/imports/detail.html", context)


@require_GET
@member_required(Capability.VIEW)
def import_progress(request: HttpRequest, import_job_id: int) -> HttpResponse:
    job = _job(request, import_job_id)
    return render(request, "accounts/imports/_status.html", {"job": job, **_status(job)})


@require_GET
@member_required(Capability.VIEW)
def import_rejected_csv(request: HttpRequest, import_job_id: int) -> FileResponse:
    return rejected_rows_download(_job(request, import_job_id))
