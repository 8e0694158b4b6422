"""Health model pages: the editor (weights, curves, bands, custom measures, a preview backtest, versions),
the backtest report of the models in effect, and recompute runs with their progress."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRefresh

from accounts.models import Segment
from core.text import day
from core.web import get_or_404, member_required
from tenancy.parsing import parse_id
from tenancy.permissions import Capability
from tenancy.queue import BACKGROUND_UNAVAILABLE, queue_watch

from ..forms.model import HealthModelEditor
from ..models import Band, HealthModel, RunStatus
from ..selectors import scores as selectors
from ..services import backtest, backtest_jobs, runs
from ..services import scores as services

RUNS_SHOWN = 20
BAND_COLOURS = {Band.GREEN: "#198754", Band.YELLOW: "#ffc107", Band.RED: "#dc3545"}


def _segments(current: str) -> list[dict]:
    choices = [("", "All segments"), *Segment.choices]
    return [
        {"value": v, "label": label, "url": reverse("health:model_edit", kwargs={"segment": v}), "active": v == current}
        for v, label in choices
    ]


def _version(request: HttpRequest, segment: str) -> HealthModel | None:
    """An older version to start from (?version=<id>), of this tenant and segment only."""
    wanted = request.GET.get("version")
    if not wanted:
        return None
    if (version_id := parse_id(wanted)) is None:
        raise Http404("No such version.")
    return get_or_404(selectors.health_model_get, tenant=request.tenant, segment=segment, health_model_id=version_id)


@require_http_methods(["GET", "POST"])
@member_required(Capability.CONFIGURE)
def model_edit(request: HttpRequest, segment: str = "") -> HttpResponse:
    tenant = request.tenant
    current = services.health_model_current(tenant=tenant, segment=segment)
    own = current.segment == segment  # False: this segment uses the all-segments model for now
    editor = HealthModelEditor(request.POST or None, model=_version(request, segment) or current)
    preview = preview_job = None
    if request.method == "POST" and editor.is_valid():
        settings = editor.settings()
        try:
            services.health_model_validate(**settings)
            if request.POST.get("action") == "save":
                saved = services.health_model_save(
                    tenant=tenant, segment=segment, note=editor.form.cleaned_data["note"], by=request.user, **settings
                )
                messages.success(request, f"Saved version {saved.version} of the {_label(segment)} model.")
                return redirect("health:model_edit", segment=segment)
        except ValidationError as error:
            editor.add_service_error(error)
        else:
            preview_job = backtest_jobs.backtest_preview_get(tenant=tenant, segment=segment, settings=settings)
            preview = preview_job.result
    return render(
        request,
        "health/model/edit.html",
        {
            "editor": editor,
            "form": editor.form,
            "segment": segment,
            "segment_label": _label(segment),
            "segments": _segments(segment),
            "current": current,
            "own": own,
            "versions": list(selectors.health_model_versions(tenant=tenant, segment=segment)),
            "preview": preview,
            "preview_job": preview_job,
        },
    )


@require_GET
@member_required(Capability.CONFIGURE)
def model_preview(request: HttpRequest) -> HttpResponse:
    """The editor's preview, polled while it is built (?digest=...), then shown in its place."""
    job = backtest_jobs.backtest_preview_poll(tenant=request.tenant, digest=request.GET.get("digest", ""))
    if job.result is None:
        return render(request, "health/model/_preview_progress.html", {"preview_job": job})
    comparison = job.result
    return render(
        request,
        "health/model/_preview.html",
        {"preview": comparison, "segment_label": _label(comparison.segment)},
    )


def _label(segment: str) -> str:
    return Segment(segment).label if segment else "all-segments"


@require_POST
@member_required(Capability.CONFIGURE)
def model_remove(request: HttpRequest, segment: str) -> HttpResponse:
    services.health_model_drop_segment(tenant=request.tenant, segment=segment)
    messages.success(
        request,
        f"{Segment(segment).label} accounts use the all-segments model again from their next recompute; "
        "the segment's versions stay in the history.",
    )
    return redirect("health:model_edit", segment=segment)


@require_GET
@member_required(Capability.MANAGE)
def backtest_report(request: HttpRequest) -> HttpResponse:
    """The report once built; until then its progress, which polls this page (htmx) and reloads it when done."""
    job = backtest_jobs.backtest_report_get(tenant=request.tenant)
    if job.result is None:
        template = "health/model/_backtest_progress.html" if request.htmx else "health/model/backtest.html"
        return render(request, template, {"job": job})
    if request.htmx:
        return HttpResponseClientRefresh()
    report = job.result
    chart = {
        "labels": [Band(b).label for b in backtest.BANDS],
        "datasets": [
            {"label": f"{h.days} days before", "data": [row.rate_pct for row in h.bands]} for h in report.horizons
        ],
    }
    return render(
        request,
        "health/model/backtest.html",
        {"job": job, "report": report, "chart": chart, "early_days": backtest.EARLY_DAYS, "band_colours": BAND_COLOURS},
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.CONFIGURE)
def recompute(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    if request.method == "POST":
        with queue_watch() as watch:
            run = runs.run_start_manual(tenant=tenant, by=request.user)
        if watch.failed:
            messages.warning(request, BACKGROUND_UNAVAILABLE)
        else:
            messages.success(request, f"Recomputing {run.total_accounts} active accounts for {day(run.day)}.")
        return redirect("health:recompute")
    recent = list(runs.recompute_run_list(tenant=tenant)[:RUNS_SHOWN])
    return render(
        request,
        "health/model/recompute.html",
        {"runs": recent, "running": [r for r in recent if r.status == RunStatus.RUNNING]},
    )


@require_GET
@member_required(Capability.CONFIGURE)
def recompute_progress(request: HttpRequest, recompute_run_id: int) -> HttpResponse:
    run = get_or_404(runs.recompute_run_get, tenant=request.tenant, recompute_run_id=recompute_run_id)
    return render(request, "health/model/_recompute_progress.html", {"run": run})
