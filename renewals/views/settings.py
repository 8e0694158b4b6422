"""Renewal settings: the runway steps per segment, the churn and contraction reasons, and the rules.

Everyone may read them (a CSM should know when their runway starts); only an admin changes them.
Open renewals keep the runway they were given; new ones follow the settings.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Segment
from core.web import apply_errors, get_or_404, member_required
from tenancy.permissions import Capability, membership_can

from .. import selectors, services
from ..forms.settings import OutcomeReasonForm, RenewalSettingsForm, RunwayStepForm
from ..models import OutcomeReason, RunwayStep


@require_GET
@member_required()
def renewal_settings(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    steps = services.runway_steps(tenant=tenant, include_inactive=True)
    return render(
        request,
        "renewals/settings/index.html",
        {
            "grid": selectors.runway_grid(steps),
            "reasons": services.outcome_reasons(tenant=tenant, include_inactive=True),
            "rules": services.renewal_settings(tenant=tenant),
            "may_configure": membership_can(request.membership, Capability.CONFIGURE),
            "section": "renewals",
        },
    )


def _form_page(request: HttpRequest, form, title: str, *, delete_url: str = "") -> HttpResponse:
    return render(
        request,
        "renewals/settings/form.html",
        {"form": form, "title": title, "delete_url": delete_url, "section": "renewals"},
    )


def _save_step(request: HttpRequest, form: RunwayStepForm, done: str) -> HttpResponse | None:
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        step = services.runway_step_save(step=form.instance)
    except ValidationError as error:
        apply_errors(form, error)
        return None
    messages.success(request, f"{done} {step}; new renewals of {step.get_segment_display()} accounts follow it.")
    return redirect("renewals:settings")


@require_http_methods(["GET", "POST"])
@member_required(Capability.CONFIGURE)
def runway_step_new(request: HttpRequest) -> HttpResponse:
    # The seed's runways first: a step added to an empty list would keep them from ever being made.
    services.runway_steps(tenant=request.tenant)
    segment = request.GET.get("segment") if request.GET.get("segment") in Segment.values else Segment.ENTERPRISE
    form = RunwayStepForm(
        request.POST or None, instance=RunwayStep(tenant=request.tenant), initial={"segment": segment}
    )
    return _save_step(request, form, "Added") or _form_page(request, form, "New runway step")


def _step(request: HttpRequest, runway_step_id: int) -> RunwayStep:
    return get_or_404(selectors.runway_step_get, tenant=request.tenant, runway_step_id=runway_step_id)


@require_http_methods(["GET", "POST"])
@member_required(Capability.CONFIGURE)
def runway_step_edit(request: HttpRequest, runway_step_id: int) -> HttpResponse:
    step = _step(request, runway_step_id)
    title = str(step)
    form = RunwayStepForm(request.POST or None, instance=step)
    return _save_step(request, form, "Saved") or _form_page(request, form, title)


@require_POST
@member_required(Capability.CONFIGURE)
def runway_step_active(request: HttpRequest, runway_step_id: int) -> HttpResponse:
    step = _step(request, runway_step_id)
    step.is_active = request.POST.get("is_active") == "1"
    try:
        services.runway_step_save(step=step)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        state = "back in use" if step.is_active else "out of use: new renewals skip it"
        messages.success(request, f"{step} is {state}.")
    return redirect("renewals:settings")


@require_POST
@member_required(Capability.CONFIGURE)
def runway_step_delete(request: HttpRequest, runway_step_id: int) -> HttpResponse:
    step = _step(request, runway_step_id)
    label = str(step)
    services.runway_step_delete(step=step)
    messages.success(request, f"Deleted {label}; open renewals keep the checkpoints they were given.")
    return redirect("renewals:settings")


def _reason(request: HttpRequest, outcome_reason_id: int) -> OutcomeReason:
    return get_or_404(selectors.outcome_reason_get, tenant=request.tenant, outcome_reason_id=outcome_reason_id)


def _save_reason(request: HttpRequest, form: OutcomeReasonForm, done: str) -> HttpResponse | None:
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        reason = services.outcome_reason_save(reason=form.instance)
    except ValidationError as error:
        apply_errors(form, error)
        return None
    messages.success(request, f"{done} the reason {reason.label!r} ({reason.get_applies_to_display().lower()}).")
    return redirect("renewals:settings")


@require_http_methods(["GET", "POST"])
@member_required(Capability.CONFIGURE)
def outcome_reason_new(request: HttpRequest) -> HttpResponse:
    services.outcome_reasons(tenant=request.tenant)  # the seed's list first, as for runway steps
    form = OutcomeReasonForm(request.POST or None, instance=OutcomeReason(tenant=request.tenant))
    return _save_reason(request, form, "Added") or _form_page(request, form, "New churn or contraction reason")


@require_http_methods(["GET", "POST"])
@member_required(Capability.CONFIGURE)
def outcome_reason_edit(request: HttpRequest, outcome_reason_id: int) -> HttpResponse:
    reason = _reason(request, outcome_reason_id)
    title = f"Reason: {reason.label}"
    form = OutcomeReasonForm(request.POST or None, instance=reason)
    return _save_reason(request, form, "Saved") or _form_page(request, form, title)


@require_POST
@member_required(Capability.CONFIGURE)
def outcome_reason_active(request: HttpRequest, outcome_reason_id: int) -> HttpResponse:
    reason = _reason(request, outcome_reason_id)
    reason.is_active = request.POST.get("is_active") == "1"
    services.outcome_reason_save(reason=reason)
    state = "back in use" if reason.is_active else "out of use: closed renewals keep it, new outcomes cannot choose it"
    messages.success(request, f"{reason.label!r} is {state}.")
    return redirect("renewals:settings")


@require_http_methods(["GET", "POST"])
@member_required(Capability.CONFIGURE)
def renewal_rules_edit(request: HttpRequest) -> HttpResponse:
    current = services.renewal_settings(tenant=request.tenant)
    form = RenewalSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.renewal_settings_update(tenant=request.tenant, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Saved the renewal rules: overrides the data disagrees with are flagged inside "
                f"{form.cleaned_data['review_window_days']} days of the end.",
            )
            return redirect("renewals:settings")
    return _form_page(request, form, "Renewal rules")
