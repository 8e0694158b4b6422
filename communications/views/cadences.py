"""The cadence pages: the cadences, one cadence with its steps (admins edit them), the enrolments, enrolling
an account by hand and exiting an enrolment with a reason."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from accounts.models import Account
from core import tenant_time
from core.text import day, plural
from core.web import apply_errors, get_or_404, member_required, query_without, safe_next
from tenancy.permissions import Capability, membership_can, require

from .. import selectors
from ..forms.cadences import CadenceForm, CadenceStepForm, EnrolForm, EnrollmentFilterForm, ExitForm, merge_field_help
from ..models import Cadence, CadenceStep, EnrollmentStatus
from ..services import cadences as service
from ..services import enrollment_end

ENROLLMENTS_PER_PAGE = 50
DETAIL_TEMPLATE = "communications/cadences/detail.html"
SECTION = "communications"


def _cadence(request: HttpRequest, cadence_id: int) -> Cadence:
    return get_or_404(selectors.cadence_get, tenant=request.tenant, cadence_id=cadence_id)


def _step(request: HttpRequest, step_id: int) -> CadenceStep:
    return get_or_404(selectors.cadence_step_get, tenant=request.tenant, step_id=step_id)


@require_GET
@member_required()
def cadence_list(request: HttpRequest) -> HttpResponse:
    service.cadences_ensure_defaults(tenant=request.tenant)
    return render(
        request,
        "communications/cadences/list.html",
        {
            "cadences": list(selectors.cadences_list(tenant=request.tenant)),
            "may_configure": membership_can(request.membership, Capability.CONFIGURE),
            "section": SECTION,
        },
    )


def _detail(request: HttpRequest, cadence: Cadence, *, status: int = 200, **forms) -> HttpResponse:
    may_configure = membership_can(request.membership, Capability.CONFIGURE)
    context = {
        "cadence": cadence,
        "steps": list(selectors.cadence_steps(tenant=request.tenant, cadence=cadence)),
        "active_count": cadence.enrollments.filter(status=EnrollmentStatus.ACTIVE).count(),
        "may_configure": may_configure,
        "merge_fields": merge_field_help(),
        "section": SECTION,
    }
    if may_configure:
        context["cadence_form"] = forms.get("cadence_form") or CadenceForm(instance=cadence, prefix="cadence")
        # Its initial hour, channel and team are the model's defaults.
        context["step_form"] = forms.get("step_form") or CadenceStepForm(prefix="step")
    context["open_form"] = next(iter(forms), "")
    return render(request, DETAIL_TEMPLATE, context, status=status)


@require_http_methods(["GET", "POST"])
@member_required()
def cadence_detail(request: HttpRequest, cadence_id: int) -> HttpResponse:
    cadence = _cadence(request, cadence_id)
    if request.method == "GET":
        return _detail(request, cadence)
    require(request, Capability.CONFIGURE)
    form = CadenceForm(request.POST, instance=cadence, prefix="cadence")
    if form.is_valid():
        try:
            service.cadence_save(tenant=request.tenant, cadence=cadence, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            state = "in use" if cadence.is_active else "switched off: nothing enrols accounts in it"
            messages.success(request, f"Saved {cadence.name}; it is {state}.")
            return redirect(cadence.get_absolute_url())
    return _detail(request, cadence, status=400, cadence_form=form)


@require_POST
@member_required(Capability.CONFIGURE)
def cadence_step_new(request: HttpRequest, cadence_id: int) -> HttpResponse:
    cadence = _cadence(request, cadence_id)
    form = CadenceStepForm(request.POST, prefix="step")
    if form.is_valid():
        try:
            step = service.cadence_step_save(cadence=cadence, **form.service_fields())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Added day {step.offset_days:+} “{step.subject}” to {cadence.name}; "
                "accounts enrolled from now on get it.",
            )
            return redirect(cadence.get_absolute_url())
    return _detail(request, cadence, status=400, step_form=form)


@require_http_methods(["GET", "POST"])
@member_required()
def cadence_step_edit(request: HttpRequest, step_id: int) -> HttpResponse:
    step = _step(request, step_id)
    require(request, Capability.CONFIGURE)
    cadence = step.cadence
    form = CadenceStepForm(request.POST or None, instance=step)
    if request.method == "POST" and form.is_valid():
        try:
            service.cadence_step_save(cadence=cadence, step=step, **form.service_fields())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Saved day {step.offset_days:+} of {cadence.name}. Entries already planned from it are unchanged.",
            )
            return redirect(cadence.get_absolute_url())
    return render(
        request,
        "communications/cadences/step_form.html",
        {"form": form, "step": step, "cadence": cadence, "merge_fields": merge_field_help(), "section": SECTION},
        status=400 if form.errors else 200,
    )


@require_POST
@member_required(Capability.CONFIGURE)
def cadence_step_delete(request: HttpRequest, step_id: int) -> HttpResponse:
    step = _step(request, step_id)
    cadence = step.cadence
    service.cadence_step_delete(step=step)
    messages.success(
        request,
        f"Removed day {step.offset_days:+} “{step.subject}” from {cadence.name}; messages already planned from it stay "
        "on the calendar.",
    )
    return redirect(cadence.get_absolute_url())


@require_GET
@member_required()
def enrollment_list(request: HttpRequest) -> HttpResponse:
    cadences = list(Cadence.objects.filter(tenant=request.tenant).order_by("name"))
    form = EnrollmentFilterForm(request.GET, cadences=cadences)
    data = form.cleaned_data if form.is_valid() else {}
    # Another tenant's id finds nothing here: the filter then shows every account's enrolments.
    account = Account.objects.filter(tenant=request.tenant, pk=data["account"]).first() if data.get("account") else None
    rows = selectors.enrollments_filtered(
        tenant=request.tenant,
        cadence_id=int(data["cadence"]) if data.get("cadence") else None,
        status=data.get("status") or "",
        account_id=account.pk if account else None,
    )
    page = Paginator(rows, ENROLLMENTS_PER_PAGE).get_page(request.GET.get("page"))
    # Exit and Enrol show only where they would open: viewers and other CSMs' accounts get no dead link.
    for enrollment in page.object_list:
        enrollment.may_exit = membership_can(request.membership, Capability.EDIT, enrollment)
    return render(
        request,
        "communications/cadences/enrollments.html",
        {
            "form": form,
            "page": page,
            "account": account,
            "may_enrol": account is not None and membership_can(request.membership, Capability.EDIT, account),
            "query": query_without(request.GET),
            "section": SECTION,
        },
    )


@require_http_methods(["GET", "POST"])
@member_required()
def enrol(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_or_404(account_selectors.account_get, tenant=request.tenant, account_id=account_id)
    require(request, Capability.EDIT, account)
    service.cadences_ensure_defaults(tenant=request.tenant)
    today = tenant_time.today(request.tenant)
    form = EnrolForm(request.POST or None, tenant=request.tenant, initial={"anchor_on": today})
    if request.method == "POST" and form.is_valid():
        cadence = form.cleaned_data["cadence"]
        started = timezone.now()
        try:
            enrollment = service.enrollment_enrol(
                cadence=cadence, account=account, anchor_on=form.cleaned_data["anchor_on"], by=request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if enrollment.enrolled_at < started:  # the active enrolment by hand that was there
                messages.info(
                    request,
                    f"{account.name} is already in {cadence.name} by hand, from {day(enrollment.anchor_on)}: "
                    "exit that enrolment first to start again.",
                )
            else:
                planned = enrollment.entries.count()
                messages.success(
                    request,
                    f"Enrolled {account.name} in {cadence.name} from {day(enrollment.anchor_on)}: "
                    f"{plural(planned, 'message')} planned on the calendar"
                    + ("." if planned else "; every step was already past."),
                )
            return redirect(safe_next(request) or f"{reverse('communications:enrollments')}?account={account.pk}")
    return render(
        request,
        "communications/cadences/enrol.html",
        {"form": form, "account": account, "next": safe_next(request), "section": SECTION},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@member_required()
def enrollment_exit(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = get_or_404(selectors.enrollment_get, tenant=request.tenant, enrollment_id=enrollment_id)
    require(request, Capability.EDIT, enrollment)
    form = ExitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrollment_end.enrollment_exit(enrollment=enrollment, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"{enrollment.account.name} left {enrollment.cadence.name}; its messages not sent yet are cancelled.",
            )
            return redirect(safe_next(request) or reverse("communications:enrollments"))
    planned = selectors.enrollments_filtered(tenant=request.tenant).get(pk=enrollment.pk).planned_count
    return render(
        request,
        "communications/cadences/exit.html",
        {"form": form, "enrollment": enrollment, "planned": planned, "section": SECTION},
        status=400 if form.errors else 200,
    )
