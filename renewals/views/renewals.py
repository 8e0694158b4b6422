"""The renewals list (windows, filters, the quarter's forecast and the chart) and a renewal's page with its
runway, forecast panel, review flag, owner and outcome. Every change goes through renewals.services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import assignable_owner, assignable_owners
from core import tenant_time
from core.text import day, money
from core.web import OWNER_ME, apply_errors, get_or_404, list_params, member_required, owner_filtered, query_without
from tenancy.models import Tenant
from tenancy.permissions import Capability, may_assign_to, membership_can, require

from .. import selectors, services
from ..forms.forecast import ForecastOverrideForm, ReviewAcknowledgeForm
from ..forms.renewals import DEFAULT_WINDOW, OVERDUE, WINDOWS, AssignForm, OutcomeForm, RenewalFilterForm
from ..models import Forecast, Lever, Renewal, RenewalStatus

RENEWALS_PER_PAGE = 25
FLAGGED_SHOWN = 10


def _owner(request: HttpRequest, owner_id: int | None):
    if owner_id == request.user.pk:
        return request.user
    return assignable_owner(tenant=request.tenant, user_id=owner_id)


@require_GET
@member_required()
def renewal_index(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    today = tenant_time.today(tenant)
    params = list_params(request)
    form = RenewalFilterForm(params, tenant=tenant)
    data, owner_value, owner_id = owner_filtered(request, form)
    window = data.get("window") or DEFAULT_WINDOW
    owner = _owner(request, owner_id)
    segment = data.get("segment") or None
    renewals = selectors.renewals_upcoming(
        tenant=tenant,
        today=today,
        within_days=None if window == OVERDUE else int(window),
        overdue=window == OVERDUE,
        owner=owner,
        segment=segment,
        forecast=data.get("forecast") or None,
        flagged=True if data.get("flagged") else None,
        search=data.get("q") or "",
    )
    sort = data.get("sort") or "due"
    page = Paginator(selectors.renewals_sorted(renewals, sort), RENEWALS_PER_PAGE).get_page(request.GET.get("page"))
    for renewal in page:
        renewal.left = renewal.days_left(today)
        renewal.overdue_days = max(0, -renewal.left)
        renewal.schedule = selectors.checkpoint_schedule(
            due_on=renewal.next_checkpoint_due_on, planned_on=renewal.next_checkpoint_planned_on, today=today
        )
    quarter = data.get("quarter") or "this"
    start, end = selectors.quarter_of(today, offset=1 if quarter == "next" else 0)
    rollup = selectors.forecast_rollup(tenant=tenant, start=start, end=end, owner=owner, segment=segment)
    months = selectors.forecast_by_month(tenant=tenant, today=today, owner=owner, segment=segment)
    may_review = membership_can(request.membership, Capability.MANAGE)
    flagged = list(selectors.renewals_flagged(tenant=tenant)[: FLAGGED_SHOWN + 1]) if may_review else []
    return render(
        request,
        "renewals/renewals/index.html",
        {
            "form": form,
            "page": page,
            "window": window,
            "windows": [*WINDOWS, (OVERDUE, "Overdue")],
            "window_label": dict([*WINDOWS, (OVERDUE, "Overdue")])[window],
            "sort": sort,
            "query": query_without(params, "sort"),
            "window_query": query_without(params, "window"),
            "quarter": quarter,
            "quarter_query": query_without(params, "quarter"),
            "mine": owner_value == OWNER_ME,
            "rollup": rollup,
            "chart": selectors.forecast_chart(months),
            "has_chart_data": any(any(m.arr.values()) for m in months),
            "may_review": may_review,
            "flagged": flagged[:FLAGGED_SHOWN],
            "more_flagged": len(flagged) > FLAGGED_SHOWN,
            "today": today,
            "section": "renewals",
        },
    )


def _renewal(request: HttpRequest, renewal_id: int) -> Renewal:
    return get_or_404(selectors.renewal_get, tenant=request.tenant, renewal_id=renewal_id)


def renewal_page(request: HttpRequest, renewal: Renewal, **forms) -> HttpResponse:
    """The renewal's page; a POST with errors shows it again with its bound form."""
    tenant = request.tenant
    today = tenant_time.today(tenant)
    checkpoints = selectors.renewal_checkpoints(tenant=tenant, renewal=renewal)
    for checkpoint in checkpoints:
        checkpoint.schedule = (
            selectors.checkpoint_schedule(due_on=checkpoint.due_on, planned_on=checkpoint.planned_on, today=today)
            if checkpoint.status == "open"
            else None
        )
    may_edit = membership_can(request.membership, Capability.EDIT, renewal)
    is_open = renewal.status == RenewalStatus.OPEN
    outcome_form = forms.get("outcome_form")
    if outcome_form is None and is_open and may_edit:
        outcome_form = OutcomeForm(tenant=tenant)
    return render(
        request,
        "renewals/renewals/detail.html",
        {
            "renewal": renewal,
            "account": renewal.account,
            "contract": renewal.contract,
            "checkpoints": checkpoints,
            "late_start": selectors.late_start_sentence(renewal=renewal, checkpoints=checkpoints),
            "changes": list(selectors.renewal_forecast_changes(tenant=tenant, renewal=renewal)),
            "left": renewal.days_left(today),
            "today": today,
            "is_open": is_open,
            "may_edit": may_edit,
            "may_review": membership_can(request.membership, Capability.MANAGE),
            "override_form": forms.get("override_form") or ForecastOverrideForm(initial={"category": renewal.forecast}),
            "ack_form": forms.get("ack_form") or ReviewAcknowledgeForm(),
            "assign_form": forms.get("assign_form")
            or (AssignForm(tenant=tenant, initial={"owner": renewal.owner_id}) if may_edit else None),
            "outcome_form": outcome_form,
            "levers": [Lever(value).label for value in renewal.levers if value in Lever.values],
            "suggestion_differs": renewal.suggested_forecast != renewal.forecast,
            "section": "renewals",
        },
    )


@require_GET
@member_required()
def renewal_detail(request: HttpRequest, renewal_id: int) -> HttpResponse:
    return renewal_page(request, _renewal(request, renewal_id))


@require_POST
@member_required(Capability.EDIT)
def renewal_forecast(request: HttpRequest, renewal_id: int) -> HttpResponse:
    renewal = _renewal(request, renewal_id)
    require(request, Capability.EDIT, renewal)
    name = renewal.account.name
    if request.POST.get("action") == "follow":
        try:
            renewal = services.renewal_clear_override(renewal=renewal, by=request.user) or renewal
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"{name} follows the data again: {Forecast(renewal.suggested_forecast).label.lower()}."
            )
        return redirect("renewals:renewal", renewal_id=renewal.pk)
    form = ForecastOverrideForm(request.POST)
    if form.is_valid():
        try:
            renewal = services.renewal_set_forecast(
                renewal=renewal,
                category=form.cleaned_data["category"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flag = " Flagged for a leader's review: the data disagrees this late." if renewal.needs_review else ""
            messages.success(
                request,
                f"Renewal of {name} set to {renewal.get_forecast_display().lower()}: {renewal.override_reason}.{flag}",
            )
            return redirect("renewals:renewal", renewal_id=renewal.pk)
    return renewal_page(request, _renewal(request, renewal_id), override_form=form)


@require_POST
@member_required(Capability.MANAGE)
def renewal_review(request: HttpRequest, renewal_id: int) -> HttpResponse:
    renewal = _renewal(request, renewal_id)
    require(request, Capability.MANAGE, renewal)
    form = ReviewAcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.renewal_review_acknowledge(renewal=renewal, by=request.user, note=form.cleaned_data["note"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Review of {renewal.account.name}'s renewal acknowledged: {renewal.get_forecast_display()} stands.",
            )
            return redirect("renewals:renewal", renewal_id=renewal.pk)
    return renewal_page(request, _renewal(request, renewal_id), ack_form=form)


@require_POST
@member_required(Capability.EDIT)
def renewal_assign(request: HttpRequest, renewal_id: int) -> HttpResponse:
    renewal = _renewal(request, renewal_id)
    require(request, Capability.EDIT, renewal)
    form = AssignForm(request.POST, tenant=request.tenant)
    if form.is_valid():
        owner = assignable_owners(tenant=request.tenant).get(pk=form.cleaned_data["owner"])
        if not may_assign_to(request.membership, owner):
            raise PermissionDenied("Only a CS leader or an admin may give a renewal to someone else.")
        try:
            services.renewal_assign(renewal=renewal, owner=owner, by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"Renewal of {renewal.account.name} now owned by {owner}, with its open checkpoints."
            )
            return redirect("renewals:renewal", renewal_id=renewal.pk)
    return renewal_page(request, _renewal(request, renewal_id), assign_form=form)


def _outcome_sentence(renewal: Renewal, tenant: Tenant) -> str:
    sentence = f"Renewal of {renewal.account.name} closed: {renewal.get_outcome_display().lower()}"
    if renewal.outcome_arr is not None and renewal.outcome != "churned":
        sentence += f" at {money(renewal.outcome_arr, tenant)}"
    if renewal.new_contract_id:
        sentence += f"; the next contract runs to {day(renewal.new_contract.end_on)}"
    return sentence + "."


@require_POST
@member_required(Capability.EDIT)
def renewal_outcome(request: HttpRequest, renewal_id: int) -> HttpResponse:
    renewal = _renewal(request, renewal_id)
    require(request, Capability.EDIT, renewal)
    form = OutcomeForm(request.POST, tenant=request.tenant)
    if form.is_valid():
        data = form.cleaned_data
        try:
            closed = services.renewal_close(
                renewal=renewal,
                outcome=data["outcome"],
                by=request.user,
                new_arr=data["new_arr"],
                term_months=data["term_months"],
                new_seats=data["new_seats"],
                reason=form.reason_object(),
                levers=data["levers"],
                note=data["note"],
                closed_on=data["closed_on"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _outcome_sentence(closed, request.tenant))
            return redirect("renewals:renewal", renewal_id=renewal.pk)
    return renewal_page(request, _renewal(request, renewal_id), outcome_form=form)
