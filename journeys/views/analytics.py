"""Journey analytics pages: the leader's figures and charts, and the same figures as CSV. Any member reads them."""

import csv

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import Segment, ServiceTier
from core import tenant_time
from core.imports.safety import safe_cell
from core.text import day
from core.web import member_required
from tenancy.models import Membership

from ..selectors.analytics import (
    DIMENSIONS,
    AnalyticsFilters,
    analytics_chart_data,
    analytics_csv_rows,
    analytics_filters,
    journey_analytics,
)


class AnalyticsFilterForm(forms.Form):
    # The page's own filter (its two views read it), so it lives next to them.
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    segment = forms.ChoiceField(choices=[("", "All segments"), *Segment.choices], required=False)
    tier = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Service tier")
    csm = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="CSM")
    dimension = forms.ChoiceField(choices=list(DIMENSIONS.items()), required=False, label="Break down by")

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        tiers = ServiceTier.objects.filter(tenant=tenant).order_by("rank", "name").values_list("pk", "name")
        self.fields["tier"].choices = [("", "All tiers"), *tiers]
        members = Membership.objects.filter(tenant=tenant, is_active=True).select_related("user")
        people = sorted(((m.user_id, str(m.user)) for m in members), key=lambda p: p[1].lower())
        self.fields["csm"].choices = [("", "Every CSM"), *people]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", f"The period ends ({day(end)}) before it starts ({day(start)}).")
        return data


def _filters(request: HttpRequest) -> tuple[AnalyticsFilterForm, AnalyticsFilters, str]:
    form = AnalyticsFilterForm(request.GET or None, tenant=request.tenant)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = analytics_filters(
        tenant=request.tenant,
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        segment=data.get("segment") or "",
        tier_id=data.get("tier"),
        csm_id=data.get("csm"),
    )
    return form, filters, data.get("dimension") or "segment"


@require_GET
@member_required()
def analytics(request: HttpRequest) -> HttpResponse:
    form, filters, dimension = _filters(request)
    report = journey_analytics(tenant=request.tenant, filters=filters)
    query = request.GET.copy()
    return render(
        request,
        "journeys/analytics/index.html",
        {
            "section": "journeys",
            "form": form,
            "report": report,
            "dimension": dimension,
            "dimension_label": DIMENSIONS[dimension],
            "breakdown": report.breakdown(dimension),
            "chart": analytics_chart_data(report),
            "query": query.urlencode(),
        },
    )


@require_GET
@member_required()
def analytics_export(request: HttpRequest) -> HttpResponse:
    """The figures as CSV: a few hundred rows at most (stages x dimension values), so no streaming."""
    _, filters, _ = _filters(request)
    report = journey_analytics(tenant=request.tenant, filters=filters)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    today = tenant_time.today(request.tenant)
    filename = f"journey-analytics-{request.tenant.slug}-{today:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in analytics_csv_rows(report):
        writer.writerow([safe_cell(cell) for cell in row])
    return response
