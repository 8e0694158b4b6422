"""Record pages: an account's timeline (a card on the account page, or a page of its own), the import and its jobs."""

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from accounts import selectors as account_selectors
from accounts.models import ImportJob
from core.imports.jobs import MAX_STORED_ERRORS
from core.web import get_or_404, member_required, rejected_rows_download, upload_start
from tenancy.permissions import Capability, membership_can

from ..forms.records import RecordImportForm
from ..models.record_kinds import KINDS
from ..selectors import records as selectors
from ..services import record_imports
from ..services.record_import_checks import COLUMNS

TIMELINE_ITEMS = 50
JOBS_PER_PAGE = 20


@require_GET
@member_required(Capability.VIEW)
def account_timeline(request: HttpRequest, account_id: int) -> HttpResponse:
    """For htmx (the account page's card) the newest items; otherwise the whole timeline, a page at a time."""
    account = get_or_404(account_selectors.account_get, tenant=request.tenant, account_id=account_id)
    if request.htmx:
        items = selectors.account_timeline(tenant=request.tenant, account=account, limit=TIMELINE_ITEMS)
        response = render(request, "health/records/_timeline.html", {"account": account, "items": items})
    else:
        timeline = selectors.AccountTimeline(tenant=request.tenant, account=account)
        page = Paginator(timeline, TIMELINE_ITEMS).get_page(request.GET.get("page"))
        response = render(request, "health/records/timeline.html", {"account": account, "page": page})
    # One URL, two shapes: a cache must not hand the card to a browser that asked for the page.
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
@member_required(Capability.VIEW)
def record_import(request: HttpRequest) -> HttpResponse:
    """The upload (checked up to its header and first rows, then run in the background) and the past imports."""
    may_import = membership_can(request.membership, Capability.MANAGE)
    form = RecordImportForm(request.POST or None, request.FILES or None) if may_import else None
    if request.method == "POST":
        job, _queued = upload_start(
            request,
            form,
            lambda data: record_imports.record_import_create(
                tenant=request.tenant, kind=data["kind"], mode=data["mode"], uploaded_file=data["file"], by=request.user
            ),
        )
        if job is not None:
            return redirect("health:signal_import_job", record_import_id=job.pk)
    jobs = record_imports.record_import_list(tenant=request.tenant)
    context = {
        "form": form,
        "may_import": may_import,
        "page": Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page")),
        "columns": [(kind, COLUMNS[kind.key]) for kind in KINDS.values()],
    }
    return render(request, "health/records/import.html", context)


def _job(request: HttpRequest, record_import_id: int) -> ImportJob:
    return get_or_404(record_imports.record_import_get, tenant=request.tenant, record_import_id=record_import_id)


def _status(job: ImportJob) -> dict:
    """What accounts/imports/_status.html (every import's progress and outcome) needs besides the job."""
    return {
        "max_errors": MAX_STORED_ERRORS,
        # The run counts its progress while it checks the rows; the write that follows is one transaction.
        "progress_counts_checks": True,
        "links": {
            "progress": reverse("health:signal_import_progress", args=[job.pk]),
            "rejected": reverse("health:signal_import_rejected", args=[job.pk]),
            "done": reverse("health:index"),
            "done_label": "Go to health",
            "again": reverse("health:signal_import"),
        },
    }


@require_GET
@member_required(Capability.VIEW)
def record_import_job(request: HttpRequest, record_import_id: int) -> HttpResponse:
    job = _job(request, record_import_id)
    context = {"job": job, "ignored_columns": record_imports.ignored_columns(job), **_status(job)}
    return render(request, "health/records/import_job.html", context)


@require_GET
@member_required(Capability.VIEW)
def record_import_progress(request: HttpRequest, record_import_id: int) -> HttpResponse:
    job = _job(request, record_import_id)
    return render(request, "accounts/imports/_status.html", {"job": job, **_status(job)})


@require_GET
@member_required(Capability.VIEW)
def record_import_rejected(request: HttpRequest, record_import_id: int) -> FileResponse:
    return rejected_rows_download(_job(request, record_import_id))
