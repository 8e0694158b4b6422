"""The expansion pipeline: the board by stage with its metrics, the same opportunities as a list, one
opportunity, and the forms that create, edit and move one."""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import selectors as account_selectors
from core import tenant_time
from core.text import day, money
from core.web import (
    OWNER_ME,
    apply_errors,
    get_or_404,
    list_params,
    member_required,
    owner_filtered,
    query_without,
    safe_next,
)
from tenancy.models import Role
from tenancy.permissions import Capability, may_assign_to, membership_can, require

from .. import services
from ..forms.pipeline import (
    OpportunityEditForm,
    OpportunityForm,
    OpportunityMoveForm,
    PipelineFilterForm,
)
from ..models import ExpansionOpportunity, OpportunityStage
from ..selectors import pipeline as selectors
from ..selectors.metrics import pipeline_metrics

OPPORTUNITIES_PER_PAGE = 25
MOVE_PARTIAL = "renewals/pipeline/_move_form.html"


def _filtered(request: HttpRequest, params: QueryDict, *, today: dt.date, with_stage: bool):
    form = PipelineFilterForm(params, tenant=request.tenant)
    data, owner_value, owner_id = owner_filtered(request, form)
    closed_within = data.get("closed_within") if with_stage else None
    opportunities = selectors.opportunities_filtered(
        tenant=request.tenant,
        owner_id=owner_id,
        kind=data.get("kind") or "",
        source=data.get("source") or "",
        segment=data.get("segment") or "",
        search=data.get("q") or "",
        stage=(data.get("stage") or "") if with_stage else "",
        closed_since=today - dt.timedelta(days=closed_within) if closed_within is not None else None,
    )
    return form, opportunities, owner_id, owner_value == OWNER_ME


def _opportunity(request: HttpRequest, opportunity_id: int) -> ExpansionOpportunity:
    return get_or_404(selectors.opportunity_get, tenant=request.tenant, opportunity_id=opportunity_id)


@require_GET
@member_required()
def pipeline(request: HttpRequest) -> HttpResponse:
    today = tenant_time.today(request.tenant)
    params = list_params(request)
    for name in ("stage", "closed_within"):
        params.pop(name, None)
    form, opportunities, owner_id, mine = _filtered(request, params, today=today, with_stage=False)
    columns = selectors.pipeline_columns(opportunities=opportunities, today=today)
    owner = None
    if owner_id is not None:
        owner = (
            request.user
            if owner_id == request.user.pk
            else account_selectors.assignable_owner(tenant=request.tenant, user_id=owner_id)
        )
    return render(
        request,
        "renewals/pipeline/board.html",
        {
            "form": form,
            "columns": columns,
            # Won and lost over the same window as the board's closed columns.
            "metrics": pipeline_metrics(
                tenant=request.tenant,
                owner=owner,
                start=today - dt.timedelta(days=selectors.CLOSED_WINDOW_DAYS),
                end=today + dt.timedelta(days=1),
            ),
            "query": query_without(params),
            "mine": mine,
            "total": sum(c.total for c in columns),
            "closed_window": selectors.CLOSED_WINDOW_DAYS,
            "may_create": membership_can(request.membership, Capability.EDIT),
            "section": "renewals",
        },
    )


@require_GET
@member_required()
def opportunity_list(request: HttpRequest) -> HttpResponse:
    today = tenant_time.today(request.tenant)
    params = list_params(request)
    form, opportunities, _owner_id, mine = _filtered(request, params, today=today, with_stage=True)
    page = Paginator(selectors.opportunities_sorted(opportunities), OPPORTUNITIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "renewals/pipeline/list.html",
        {"form": form, "page": page, "query": query_without(params), "mine": mine, "section": "renewals"},
    )


def _move_form(opportunity: ExpansionOpportunity, data=None, stage: str = "") -> OpportunityMoveForm:
    return OpportunityMoveForm(data, initial={"stage": stage or opportunity.stage})


def _move_context(request: HttpRequest, opportunity: ExpansionOpportunity, form: OpportunityMoveForm) -> dict:
    stage = (form.data.get("stage") if form.is_bound else form.initial.get("stage")) or opportunity.stage
    return {
        "opportunity": opportunity,
        "move_form": form,
        "move_stage": stage,
        "next": safe_next(request),
    }


@require_GET
@member_required()
def opportunity_detail(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = _opportunity(request, opportunity_id)
    may_edit = membership_can(request.membership, Capability.EDIT, opportunity)
    context = {
        "opportunity": opportunity,
        "account": opportunity.account,
        "signal": opportunity.health_signal,
        "amendment": selectors.opportunity_amendment(tenant=request.tenant, opportunity=opportunity),
        "may_edit": may_edit,
        "section": "renewals",
    }
    if may_edit:
        context |= _move_context(request, opportunity, _move_form(opportunity))
    return render(request, "renewals/pipeline/detail.html", context)


def _owner_allowed(request: HttpRequest, form, owner) -> bool:
    # Giving the work to someone else is a reassignment: leaders and admins decide it.
    if owner is not None and not may_assign_to(request.membership, owner):
        form.add_error("owner", "Only a CS leader or an admin may give an opportunity to someone else.")
        return False
    return True


@require_http_methods(["GET", "POST"])
@member_required(Capability.EDIT)
def opportunity_new(request: HttpRequest) -> HttpResponse:
    initial = {"owner": request.user.pk}
    account = None
    if account_id := request.GET.get("account"):
        account = get_or_404(account_selectors.account_get, tenant=request.tenant, account_id=account_id)
        require(request, Capability.EDIT, account)
        initial["account"] = account.pk
    # A CSM picks among the accounts they own; leaders and admins among all.
    own_only = request.user if request.membership.role == Role.CSM else None
    form = OpportunityForm(request.POST or None, tenant=request.tenant, account_owner=own_only, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        require(request, Capability.EDIT, data["account"])
        if _owner_allowed(request, form, data["owner"]):
            try:
                opportunity = services.opportunity_create(tenant=request.tenant, by=request.user, **data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request, f"Added “{opportunity.title}” for {opportunity.account.name} to the pipeline, identified."
                )
                return redirect(opportunity.get_absolute_url())
    return render(
        request,
        "renewals/pipeline/form.html",
        {"form": form, "account": account, "title": "New expansion opportunity", "section": "renewals"},
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.EDIT)
def opportunity_edit(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = _opportunity(request, opportunity_id)
    require(request, Capability.EDIT, opportunity)
    form = OpportunityEditForm.for_opportunity(opportunity, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        owner_changed = (data["owner"].pk if data["owner"] else None) != opportunity.owner_id
        if not owner_changed or _owner_allowed(request, form, data["owner"]):
            try:
                services.opportunity_update(opportunity=opportunity, by=request.user, **data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Saved “{opportunity.title}”.")
                return redirect(opportunity.get_absolute_url())
    return render(
        request,
        "renewals/pipeline/form.html",
        {
            "form": form,
            "account": opportunity.account,
            "opportunity": opportunity,
            "title": f"Edit “{opportunity.title}”",
            "section": "renewals",
        },
    )


def _moved_message(opportunity: ExpansionOpportunity, amendment) -> str:
    text = f"“{opportunity.title}” moved to {opportunity.get_stage_display().lower()}"
    if opportunity.stage == OpportunityStage.LOST:
        return f"{text}: {opportunity.lost_reason}."
    if amendment is not None:
        return (
            f"{text}; {opportunity.account.name}'s contract gains "
            f"{money(amendment.arr_change, opportunity.tenant)} ARR from {day(amendment.effective_on)}."
        )
    return f"{text}."


@require_http_methods(["GET", "POST"])
@member_required(Capability.EDIT)
def opportunity_move(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    """The move form: GET (htmx, when the stage changes) shows the fields the chosen stage needs; POST moves."""
    opportunity = _opportunity(request, opportunity_id)
    require(request, Capability.EDIT, opportunity)
    if request.method == "GET":
        form = _move_form(opportunity, stage=request.GET.get("stage", ""))
    else:
        form = OpportunityMoveForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.opportunity_move(
                    opportunity=opportunity,
                    stage=data["stage"],
                    by=request.user,
                    lost_reason=data.get("lost_reason") or "",
                    add_to_contract=bool(data.get("add_to_contract")),
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                amendment = selectors.opportunity_amendment(tenant=request.tenant, opportunity=opportunity)
                messages.success(request, _moved_message(opportunity, amendment))
                target = safe_next(request) or opportunity.get_absolute_url()
                if request.htmx:
                    # The stage shows all over the page (badges, dates, the amendment): load it again.
                    response = HttpResponse()
                    response["HX-Redirect"] = target
                    return response
                return redirect(target)
    context = _move_context(request, opportunity, form) | {"section": "renewals"}
    if request.htmx:
        return render(request, MOVE_PARTIAL, context)
    return render(request, "renewals/pipeline/move.html", context | {"account": opportunity.account})
