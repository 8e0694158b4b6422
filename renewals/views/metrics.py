"""The retention metrics page (GRR, NRR, logo churn, renewal rate, by group and over time) and its CSV.
Any member reads them; every figure comes from renewals.selectors.metrics."""

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core import tenant_time
from core.imports.safety import safe_cell
from core.web import member_required

from ..forms.metrics import MetricsPeriodForm
from ..selectors.metrics import GROUPINGS, RetentionReport, retention_report

HEADINGS = {"segment": "By segment", "tier": "By service tier", "csm": "By CSM", "cohort": "By signup cohort"}
CSV_COLUMNS = [
    "grouping",
    "group",
    "accounts",
    "starting_arr",
    "churn",
    "contraction",
    "expansion",
    "ending_arr",
    "grr",
    "nrr",
    "churned_accounts",
    "logo_churn_rate",
]


def _report(request: HttpRequest, *, trend: bool) -> tuple[MetricsPeriodForm, RetentionReport]:
    today = tenant_time.today(request.tenant)
    form = MetricsPeriodForm(request.GET or None, today=today)
    period = form.chosen_period()
    report = retention_report(tenant=request.tenant, period=period, today=today, trend_quarters=8 if trend else 0)
    return form, report


@require_GET
@member_required()
def metrics(request: HttpRequest) -> HttpResponse:
    form, report = _report(request, trend=True)
    query = request.GET.copy()
    return render(
        request,
        "renewals/metrics/index.html",
        {
            "section": "renewals",
            "form": form,
            "report": report,
            "groupings": [(name, GROUPINGS[name], HEADINGS[name], report.groups[name]) for name in report.groups],
            "chart": report.chart(),
            "query": query.urlencode(),
        },
    )


def csv_rows(report: RetentionReport) -> list[list]:
    rows = [CSV_COLUMNS]
    groups = [("tenant", [report.total]), *report.groups.items()]
    for name, group_rows in groups:
        for row in group_rows:
            rows.append(
                [
                    name,
                    row.label,
                    row.accounts,
                    row.starting_arr,
                    row.churn,
                    row.contraction,
                    row.expansion,
                    row.ending_arr,
                    row.grr,
                    row.nrr,
                    row.churned_accounts,
                    row.logo_churn_rate,
                ]
            )
    return rows


@require_GET
@member_required()
def metrics_export(request: HttpRequest) -> HttpResponse:
    """The groupings as CSV (a few dozen rows: one per segment, tier, CSM and cohort), so no streaming."""
    form, report = _report(request, trend=False)
    if form.is_bound and not form.is_valid():
        problems = " ".join(error for errors in form.errors.values() for error in errors)
        return HttpResponse(f"No export: {problems}", status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"retention-{request.tenant.slug}-{report.period.slug}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in csv_rows(report):
        writer.writerow([safe_cell(cell) for cell in row])
    return response
