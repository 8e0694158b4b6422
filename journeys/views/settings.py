"""Journey settings: each stage's exit criteria and the days a stage is expected to take per segment.

Everyone may read them (a CSM should know what "done" means); only an admin changes them. A
change can move a track's status, so every change refreshes the tenant's track statuses.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Segment
from core.web import apply_errors, get_or_404, member_required
from tenancy.permissions import Capability, membership_can

from .. import selectors, services
from ..forms.settings import ExitCriterionForm, ExpectationsForm
from ..models import ExitCriterion, Stage
from ..selectors.criteria import RULES


def _refreshed(request: HttpRequest) -> int:
    return services.tracks_refresh_status(tenant=request.tenant)


def _criterion(request: HttpRequest, criterion_id: int) -> ExitCriterion:
    return get_or_404(selectors.exit_criterion_get, tenant=request.tenant, criterion_id=criterion_id)


@require_GET
@member_required()
def journey_settings(request: HttpRequest) -> HttpResponse:
    criteria = selectors.exit_criterion_list(tenant=request.tenant)
    may_configure = membership_can(request.membership, Capability.CONFIGURE)
    return render(
        request,
        "journeys/settings/index.html",
        {
            "stages": [(stage, label, criteria[stage]) for stage, label in Stage.choices],
            "rules": {key: label for key, (label, _) in RULES.items()},
            "expectations": ExpectationsForm(bounds=services.expectations_for(tenant=request.tenant)),
            "segments": Segment.choices,
            "may_configure": may_configure,
            "section": "journeys",
        },
    )


def _criterion_form_page(request: HttpRequest, form: ExitCriterionForm, title: str, criterion=None) -> HttpResponse:
    return render(
        request,
        "journeys/settings/criterion_form.html",
        {"form": form, "title": title, "criterion": criterion, "section": "journeys"},
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.CONFIGURE)
def criterion_create(request: HttpRequest) -> HttpResponse:
    initial = {"stage": request.GET.get("stage") or Stage.ONBOARDING, "is_active": True}
    form = ExitCriterionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        is_active = data.pop("is_active")
        try:
            criterion = services.exit_criterion_create(tenant=request.tenant, **data)
            if not is_active:
                services.exit_criterion_update(criterion=criterion, is_active=False)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            count = _refreshed(request)
            messages.success(
                request,
                f"Added {criterion.label!r} to {criterion.get_stage_display()}; {count} track statuses refreshed.",
            )
            return redirect("journeys:journey_settings")
    return _criterion_form_page(request, form, "New exit criterion")


@require_http_methods(["GET", "POST"])
@member_required(Capability.CONFIGURE)
def criterion_edit(request: HttpRequest, criterion_id: int) -> HttpResponse:
    criterion = _criterion(request, criterion_id)
    initial = {
        name: getattr(criterion, name) for name in ("label", "kind", "rule", "threshold", "help_text", "is_active")
    }
    form = ExitCriterionForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.exit_criterion_update(criterion=criterion, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            count = _refreshed(request)
            messages.success(request, f"Saved {criterion.label!r}; {count} track statuses refreshed.")
            return redirect("journeys:journey_settings")
    title = f"{criterion.get_stage_display()}: {criterion.label}"
    return _criterion_form_page(request, form, title, criterion)


@require_POST
@member_required(Capability.CONFIGURE)
def criterion_delete(request: HttpRequest, criterion_id: int) -> HttpResponse:
    criterion = _criterion(request, criterion_id)
    label, stage = criterion.label, criterion.get_stage_display()
    services.exit_criterion_delete(criterion=criterion)
    count = _refreshed(request)
    messages.success(
        request,
        f"Removed {label!r} from {stage}; transitions already recorded keep it. {count} track statuses refreshed.",
    )
    return redirect("journeys:journey_settings")


@require_http_methods(["GET", "POST"])
@member_required(Capability.CONFIGURE)
def expectations_edit(request: HttpRequest) -> HttpResponse:
    bounds = services.expectations_for(tenant=request.tenant)
    form = ExpectationsForm(request.POST or None, bounds=bounds)
    if request.method == "POST" and form.is_valid():
        changed = 0
        with transaction.atomic():
            for stage, segment, low, high in form.cells():
                if bounds.get((stage, segment)) == (low, high):
                    continue
                try:
                    services.stage_expectation_update(
                        tenant=request.tenant, stage=stage, segment=segment, min_days=low, max_days=high
                    )
                except ValidationError as error:
                    form.add_error(f"max_{stage}_{segment}", error.messages)
                else:
                    changed += 1
            # All of the grid or none of it: a half-saved grid is hard to reason about.
            if form.errors:
                transaction.set_rollback(True)
        if not form.errors:
            count = _refreshed(request)
            messages.success(request, f"Saved {changed} expected durations; {count} track statuses refreshed.")
            return redirect("journeys:journey_settings")
    return render(
        request,
        "journeys/settings/expectations.html",
        {"expectations": form, "segments": Segment.choices, "section": "journeys"},
    )
