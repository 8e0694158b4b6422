"""Tiers and their economics, the capacity planner and CSM workload: what the service model costs."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.web import member_required
from tenancy.permissions import Capability, membership_can

from .. import selectors, services
from ..economics import capacity_plan, capacity_totals
from ..forms.planning import CapacityForm

FLAGGED_SHOWN = 25


@member_required()
def tier_list(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    return render(
        request,
        "accounts/tiers/list.html",
        {
            "report": selectors.tier_report(tenant=tenant),
            "policy": services.service_model_settings(tenant=tenant),
            "over_serviced": selectors.accounts_by_cost_flag(tenant=tenant, flag="over_serviced").order_by("acv")[
                :FLAGGED_SHOWN
            ],
            "under_invested": selectors.accounts_by_cost_flag(tenant=tenant, flag="under_invested").order_by("-acv")[
                :FLAGGED_SHOWN
            ],
            "may_configure": membership_can(request.membership, Capability.CONFIGURE),
        },
    )


@member_required()
def capacity_planner(request: HttpRequest) -> HttpResponse:
    loads = selectors.tier_loads(tenant=request.tenant)
    form = CapacityForm(request.GET or None, tiers=[load.tier for load in loads])
    if form.is_bound and form.is_valid():
        growth, horizon, projected = (
            form.cleaned_data["growth_pct"],
            form.cleaned_data["horizon_months"],
            form.projected(),
        )
    else:
        growth, horizon, projected = form.fields["growth_pct"].initial, form.fields["horizon_months"].initial, {}
    rows = capacity_plan(loads, projected=projected, growth_pct=growth, horizon_months=horizon)
    chart = {
        "labels": [row.tier.name for row in rows],
        "csms_today": [row.csms_today for row in rows],
        "csms_projected": [row.csms_projected for row in rows],
        "cost_today": [float(row.cost_today) for row in rows],
        "cost_projected": [float(row.cost_projected) for row in rows],
    }
    return render(
        request,
        "accounts/tiers/capacity.html",
        {
            "form": form,
            "rows": rows,
            "totals": capacity_totals(rows),
            "growth": growth,
            "horizon": horizon,
            # json_script encodes it for the page: encoding it here too made the chart read one string.
            "chart": chart,
            "workload": selectors.csm_workload(tenant=request.tenant),
        },
    )
