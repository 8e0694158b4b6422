"""What admins configure for the book: tiers, the economics policy, custom fields."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.web import apply_errors, get_or_404, member_required
from tenancy.permissions import Capability

from .. import selectors, services
from ..forms.configuration import CustomFieldForm, ServiceModelPolicyForm, ServiceTierForm
from ..models import CustomFieldDefinition, ServiceTier


def _save_tier(request: HttpRequest, form: ServiceTierForm, title: str) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        tier = form.save(commit=False)
        tier.tenant = request.tenant
        try:
            tier, moved = services.tier_save(tier=tier, by=request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, f"Saved {tier.name}; {moved} account(s) moved to the tier their ACV now calls for."
            )
            return redirect("accounts:tier_list")
    return render(request, "accounts/tiers/form.html", {"form": form, "title": title})


@member_required(Capability.CONFIGURE)
def tier_create(request: HttpRequest) -> HttpResponse:
    return _save_tier(
        request, ServiceTierForm(request.POST or None, instance=ServiceTier(tenant=request.tenant)), "New tier"
    )


@member_required(Capability.CONFIGURE)
def tier_edit(request: HttpRequest, tier_id: int) -> HttpResponse:
    tier = get_or_404(selectors.tier_get, tenant=request.tenant, tier_id=tier_id)
    return _save_tier(request, ServiceTierForm(request.POST or None, instance=tier), f"Edit {tier.name}")


@member_required(Capability.CONFIGURE)
def service_model_policy(request: HttpRequest) -> HttpResponse:
    policy = services.service_model_settings(tenant=request.tenant)
    initial = {f: getattr(policy, f) for f in ("cost_share_min_pct", "cost_share_max_pct", "at_risk_upgrade_days")}
    form = ServiceModelPolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.service_model_settings_update(settings=policy, **form.cleaned_data)
        messages.success(request, "Saved the economics policy.")
        return redirect("accounts:tier_list")
    return render(request, "accounts/tiers/policy.html", {"form": form})


@member_required(Capability.CONFIGURE)
def custom_field_list(request: HttpRequest) -> HttpResponse:
    definitions = selectors.custom_field_definitions(tenant=request.tenant)
    return render(request, "accounts/custom_fields/list.html", {"definitions": definitions})


@member_required(Capability.CONFIGURE)
def custom_field_create(request: HttpRequest) -> HttpResponse:
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.custom_field_define(tenant=request.tenant, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Added the custom field {definition.label} ({definition.key}).")
            return redirect("accounts:custom_field_list")
    return render(request, "accounts/custom_fields/form.html", {"form": form, "title": "New custom field"})


def _definition(request: HttpRequest, custom_field_id: int) -> CustomFieldDefinition:
    return get_or_404(selectors.custom_field_get, tenant=request.tenant, custom_field_id=custom_field_id)


@member_required(Capability.CONFIGURE)
def custom_field_edit(request: HttpRequest, custom_field_id: int) -> HttpResponse:
    definition = _definition(request, custom_field_id)
    initial = {
        "label": definition.label,
        "key": definition.key,
        "field_type": definition.field_type,
        "choices": "\n".join(definition.choices),
        "required": definition.required,
        "help_text": definition.help_text,
        "position": definition.position,
    }
    form = CustomFieldForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.custom_field_update(definition=definition, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Saved {definition.label}.")
            return redirect("accounts:custom_field_list")
    return render(
        request,
        "accounts/custom_fields/form.html",
        {"form": form, "title": f"Edit {definition.label}", "definition": definition},
    )


@require_POST
@member_required(Capability.CONFIGURE)
def custom_field_delete(request: HttpRequest, custom_field_id: int) -> HttpResponse:
    definition = _definition(request, custom_field_id)
    services.custom_field_delete(definition=definition)
    messages.success(request, f"Deleted {definition.label}; accounts keep no value for it any more.")
    return redirect("accounts:custom_field_list")
