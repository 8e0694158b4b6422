"""Success plan pages: an account's plan (a page, and a partial the account journey embeds), the
forms that change it, and the book's objectives for leaders."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors as account_selectors
from accounts.models import Account
from core import tenant_time
from core.text import day
from core.web import apply_errors, get_or_404, member_required, safe_next
from tenancy.permissions import Capability, membership_can, require

from ..forms.plans import MeasurementForm, MilestoneForm, ObjectiveFilterForm, ObjectiveForm
from ..selectors import plans as selectors
from ..services import plans as services

OBJECTIVES_PER_PAGE = 50
FORM_TEMPLATE = "journeys/plans/form.html"


def _account(request: HttpRequest, account_id: int) -> Account:
    return get_or_404(account_selectors.account_get, tenant=request.tenant, account_id=account_id)


def _back(request: HttpRequest, account: Account) -> HttpResponse:
    """Back where the form was opened (the plan page or the account journey that embeds it)."""
    return redirect(safe_next(request) or reverse("journeys:success_plan", kwargs={"account_id": account.pk}))


def _here(request: HttpRequest) -> str:
    # Loaded by htmx, the page the person sees is the one that embedded the partial.
    if request.htmx and request.htmx.current_url_abs_path:
        return request.htmx.current_url_abs_path
    return request.get_full_path()


def _form_page(request: HttpRequest, account: Account, form, title: str, **extra) -> HttpResponse:
    context = {
        "form": form,
        "account": account,
        "title": title,
        # Shown as the Cancel link and posted back: only one of our pages, never a javascript: URL.
        "next": safe_next(request),
    }
    return render(request, FORM_TEMPLATE, context | extra)


@require_GET
@member_required()
def success_plan(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    plan = selectors.success_plan(tenant=request.tenant, account=account)
    context = {
        "account": account,
        "plan": plan,
        "may_edit": membership_can(request.membership, Capability.EDIT, account),
        "here": _here(request),
        "embedded": bool(request.htmx),
        "section": "journeys",
    }
    template = "journeys/plans/_plan.html" if request.htmx else "journeys/plans/account.html"
    return render(request, template, context)


@member_required(Capability.EDIT)
def objective_create(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    require(request, Capability.EDIT, account)
    form = ObjectiveForm(request.POST or None, tenant=request.tenant, initial={"owner": account.owner_id})
    if request.method == "POST" and form.is_valid():
        try:
            objective = services.objective_create(tenant=request.tenant, account=account, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Added the objective “{objective.title}” to {account.name}'s success plan.")
            return _back(request, account)
    return _form_page(request, account, form, "New objective")


@member_required(Capability.EDIT)
def objective_edit(request: HttpRequest, objective_id: int) -> HttpResponse:
    objective = get_or_404(selectors.objective_get, tenant=request.tenant, objective_id=objective_id)
    account = objective.account
    require(request, Capability.EDIT, account)
    form = ObjectiveForm.for_objective(objective, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objective_update(objective=objective, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Saved the objective “{objective.title}”.")
            return _back(request, account)
    measured = objective.measurements.count()
    return _form_page(
        request,
        account,
        form,
        f"Edit “{objective.title}”",
        objective=objective,
        delete_url=reverse("journeys:objective_delete", kwargs={"objective_id": objective.pk}),
        delete_label=f"Delete this objective and its {measured} measurement{pluralize(measured)}",
        delete_help="Its milestones stay on the plan, no longer tied to an objective.",
    )


@require_POST
@member_required(Capability.EDIT)
def objective_delete(request: HttpRequest, objective_id: int) -> HttpResponse:
    objective = get_or_404(selectors.objective_get, tenant=request.tenant, objective_id=objective_id)
    account = objective.account
    require(request, Capability.EDIT, account)
    services.objective_delete(objective=objective)
    messages.success(request, f"Removed the objective “{objective.title}” and its measurements.")
    return _back(request, account)


@member_required(Capability.EDIT)
def measurement_create(request: HttpRequest, objective_id: int) -> HttpResponse:
    objective = get_or_404(selectors.objective_get, tenant=request.tenant, objective_id=objective_id)
    account = objective.account
    require(request, Capability.EDIT, account)
    form = MeasurementForm(request.POST or None, initial={"measured_on": tenant_time.today(request.tenant)})
    if request.method == "POST" and form.is_valid():
        try:
            measurement = services.measurement_record(objective=objective, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            unit = f" {objective.unit}" if objective.unit else ""
            messages.success(
                request,
                f"Recorded {objective.metric}: {measurement.value}{unit} on {day(measurement.measured_on)}.",
            )
            return _back(request, account)
    return _form_page(request, account, form, f"Record {objective.metric}", objective=objective)


@require_POST
@member_required(Capability.EDIT)
def measurement_delete(request: HttpRequest, measurement_id: int) -> HttpResponse:
    measurement = get_or_404(selectors.measurement_get, tenant=request.tenant, measurement_id=measurement_id)
    objective = measurement.objective
    require(request, Capability.EDIT, objective.account)
    services.measurement_delete(measurement=measurement)
    messages.success(request, f"Deleted the {objective.metric} measurement of {day(measurement.measured_on)}.")
    return _back(request, objective.account)


@member_required(Capability.EDIT)
def milestone_create(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    require(request, Capability.EDIT, account)
    form = MilestoneForm(request.POST or None, account=account, initial={"objective": request.GET.get("objective")})
    if request.method == "POST" and form.is_valid():
        try:
            milestone = services.milestone_create(tenant=request.tenant, account=account, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Added the milestone “{milestone.title}”.")
            return _back(request, account)
    return _form_page(request, account, form, "New milestone")


@member_required(Capability.EDIT)
def milestone_edit(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = get_or_404(selectors.milestone_get, tenant=request.tenant, milestone_id=milestone_id)
    account = milestone.account
    require(request, Capability.EDIT, account)
    form = MilestoneForm.for_milestone(milestone, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_update(milestone=milestone, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Saved the milestone “{milestone.title}”.")
            return _back(request, account)
    return _form_page(
        request,
        account,
        form,
        f"Edit “{milestone.title}”",
        milestone=milestone,
        delete_url=reverse("journeys:milestone_delete", kwargs={"milestone_id": milestone.pk}),
        delete_label="Delete this milestone",
    )


@require_POST
@member_required(Capability.EDIT)
def milestone_done(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = get_or_404(selectors.milestone_get, tenant=request.tenant, milestone_id=milestone_id)
    require(request, Capability.EDIT, milestone.account)
    services.milestone_complete(milestone=milestone, on=tenant_time.today(request.tenant))
    messages.success(request, f"Marked “{milestone.title}” done on {day(milestone.done_on)}.")
    return _back(request, milestone.account)


@require_POST
@member_required(Capability.EDIT)
def milestone_delete(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = get_or_404(selectors.milestone_get, tenant=request.tenant, milestone_id=milestone_id)
    require(request, Capability.EDIT, milestone.account)
    services.milestone_delete(milestone=milestone)
    messages.success(request, f"Removed the milestone “{milestone.title}”.")
    return _back(request, milestone.account)


@require_GET
@member_required()
def objective_list(request: HttpRequest) -> HttpResponse:
    form = ObjectiveFilterForm(request.GET or None, tenant=request.tenant)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    objectives = selectors.objective_book(
        tenant=request.tenant,
        status=data.get("status") or None,
        owner=data.get("owner"),
        csm=data.get("csm"),
        due_within=data.get("due_within"),
        overdue=bool(data.get("overdue")),
    )
    page = Paginator(objectives, OBJECTIVES_PER_PAGE).get_page(request.GET.get("page"))
    today = tenant_time.today(request.tenant)
    rows = [
        selectors.PlannedObjective(objective, [], selectors.objective_is_overdue(objective, today=today))
        for objective in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query.urlencode(),
        "filtered": bool(data and any(data.values())),
        "section": "journeys",
    }
    return render(request, "journeys/plans/list.html", context)
