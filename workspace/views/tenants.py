"""The tenants a person belongs to (none yet, switch, create one) and the admin's overview and tenant settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.web import member_required
from tenancy import selectors, services
from tenancy.middleware import SESSION_TENANT_KEY
from tenancy.models import ApiKeyKind, Role
from tenancy.permissions import Capability

from ..forms.tenants import TenantCreateForm, TenantForm


@login_required
def no_tenant(request: HttpRequest) -> HttpResponse:
    if request.membership is not None:
        return redirect("dashboard:home")
    return render(request, "workspace/no_tenant.html")


@require_POST
@member_required()
def tenant_switch(request: HttpRequest) -> HttpResponse:
    try:
        membership = services.user_switch_tenant(user=request.user, tenant_id=int(request.POST.get("tenant_id", 0)))
    except (ValueError, ValidationError):
        messages.error(request, "You are not a member of that tenant.")
        return redirect("dashboard:home")
    request.session[SESSION_TENANT_KEY] = membership.tenant_id
    messages.success(request, f"Switched to {membership.tenant.name}.")
    return redirect("dashboard:home")


@member_required()
def tenant_list(request: HttpRequest) -> HttpResponse:
    memberships = selectors.membership_list_for_user(user=request.user)
    may_create = request.user.is_superuser or any(m.role == Role.ADMIN for m in memberships)
    form = TenantCreateForm(request.POST or None) if may_create else None
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied("Only an admin of a tenant may create another tenant.")
        if form.is_valid():
            tenant = services.tenant_create(admin=request.user, **form.cleaned_data)
            request.session[SESSION_TENANT_KEY] = tenant.pk
            messages.success(request, f"Created {tenant.name}; you are its admin.")
            return redirect("tenancy:admin_home")
    return render(request, "workspace/tenant_list.html", {"memberships": memberships, "form": form})


@member_required(Capability.CONFIGURE)
def admin_home(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    return render(
        request,
        "workspace/admin_home.html",
        {
            "member_count": selectors.membership_list(tenant=tenant).filter(is_active=True).count(),
            "write_key_count": selectors.api_key_list(tenant=tenant, kind=ApiKeyKind.WRITE_KEY)
            .filter(revoked_at__isnull=True)
            .count(),
            "token_count": selectors.api_key_list(tenant=tenant, kind=ApiKeyKind.PERSONAL)
            .filter(revoked_at__isnull=True)
            .count(),
        },
    )


@member_required(Capability.CONFIGURE)
def tenant_settings(request: HttpRequest) -> HttpResponse:
    form = TenantForm(request.POST or None, instance=request.tenant)
    if request.method == "POST" and form.is_valid():
        services.tenant_update(tenant=request.tenant, **form.cleaned_data)
        messages.success(request, "Tenant settings saved.")
        return redirect("tenancy:tenant_settings")
    return render(request, "workspace/tenant_settings.html", {"form": form})
