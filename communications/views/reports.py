"""The engagement report (open, click and unsubscribe rates by type, cadence and team; the promotional-
over-educational mix) and its CSV. Any member reads it; every figure comes from communications/selectors/reports.py."""

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core import tenant_time
from core.imports.safety import safe_cell
from core.web import member_required

from ..forms.reports import ReportPeriodForm
from ..selectors.reports import DIMENSIONS, MIX_SHOWN, EngagementReport, engagement_report, report_csv_rows


def _report(request: HttpRequest) -> tuple[ReportPeriodForm, EngagementReport]:
    form = ReportPeriodForm(request.GET or None, today=tenant_time.today(request.tenant))
    start, end = form.period()
    return form, engagement_report(tenant=request.tenant, start=start, end=end)


@require_GET
@member_required()
def reports(request: HttpRequest) -> HttpResponse:
    form, report = _report(request)
    return render(
        request,
        "communications/reports/index.html",
        {
            "section": "communications",
            "form": form,
            "report": report,
            "groups": [(DIMENSIONS[name][0], rows) for name, rows in report.groups.items()],
            "mix_shown": report.mix[:MIX_SHOWN],
            "mix_hidden": max(len(report.mix) - MIX_SHOWN, 0),
            "query": request.GET.urlencode(),
        },
    )


@require_GET
@member_required()
def reports_csv(request: HttpRequest) -> HttpResponse:
    _form, report = _report(request)
    # With a BOM, Excel opens the file as UTF-8 and shows accents right.
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write("\ufeff")
    writer = csv.writer(response)
    for row in report_csv_rows(report):
        writer.writerow([safe_cell(cell) for cell in row])
    response["Content-Disposition"] = (
        f'attachment; filename="communications-engagement-{report.start:%Y%m%d}-{report.end:%Y%m%d}.csv"'
    )
    return response
