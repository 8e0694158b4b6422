"""People, tenants and credentials: the pages of the tenant admin and the user's own tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods, require_POST

from core.web import apply_errors, get_or_404, member_required, safe_next
from tenancy import invitations, selectors, services
from tenancy.middleware import SESSION_TENANT_KEY
from tenancy.models import ApiKey, ApiKeyKind, InvitationStatus, Membership, Role
from tenancy.permissions import Capability, may_revoke_api_key

from .forms import (
    ApiKeyCreateForm,
    InvitationAcceptForm,
    MembershipForm,
    MembershipInviteForm,
    TenantCreateForm,
    TenantForm,
)

MEMBERS_PER_PAGE = 50


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


@member_required(Capability.CONFIGURE)
def member_list(request: HttpRequest) -> HttpResponse:
    members = selectors.membership_list(tenant=request.tenant)
    query = request.GET.get("q", "").strip()
    if query:
        members = members.filter(Q(user__email__icontains=query) | Q(user__full_name__icontains=query))
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    # Only the address: whoever is behind it is nobody here until they accept.
    open_invitations = invitations.invitation_list(tenant=request.tenant, open_only=True)
    pending = list(open_invitations[:MEMBERS_PER_PAGE])
    more = open_invitations.count() - len(pending) if len(pending) == MEMBERS_PER_PAGE else 0
    return render(
        request,
        "workspace/member_list.html",
        {
            "page": page,
            "query": query,
            "invitations": pending,
            "more_invitations": more,
            "invitation_days": settings.INVITATION_MAX_AGE_DAYS,
        },
    )


@member_required(Capability.CONFIGURE)
def member_invite(request: HttpRequest) -> HttpResponse:
    form = MembershipInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitations.invitation_create(tenant=request.tenant, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Invited {invitation.email} as {invitation.get_role_display()}: "
                "they become a member when they accept the emailed link.",
            )
            return redirect("tenancy:member_list")
    return render(request, "workspace/member_form.html", {"form": form, "title": "Invite a member"})


@require_POST
@member_required(Capability.CONFIGURE)
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_or_404(invitations.invitation_get, tenant=request.tenant, invitation_id=invitation_id)
    try:
        invitations.invitation_resend(invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Sent {invitation.email} a new link; the earlier one no longer works.")
    return redirect("tenancy:member_list")


@require_POST
@member_required(Capability.CONFIGURE)
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_or_404(invitations.invitation_get, tenant=request.tenant, invitation_id=invitation_id)
    try:
        invitations.invitation_revoke(invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Withdrew the invitation of {invitation.email}; its link no longer works.")
    return redirect("tenancy:member_list")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the signed link is the credential. A signed-in person accepts as themselves (only as the
    invited address); someone without an account chooses their name and password."""
    invitation = invitations.invitation_for_link(token)
    if invitation is None:
        raise Http404("This invitation link is not valid: it may have been replaced by a newer one.")
    context = {"invitation": invitation, "tenant_invited": invitation.tenant}
    user = request.user if request.user.is_authenticated else None
    problem = invitations.invitation_refusal(invitation, user=user)
    if problem:
        # Gone for everyone (used, withdrawn, expired), or only not for the one signed in.
        status = 403 if invitation.status == InvitationStatus.PENDING else 410
        return render(request, "workspace/invitation_accept.html", {**context, "problem": problem}, status=status)
    if user is not None:
        if request.method == "POST":
            try:
                return _joined(request, invitations.invitation_accept(invitation=invitation, user=user))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        return render(request, "workspace/invitation_accept.html", context)
    if invitations.invitation_has_account(invitation):
        return render(request, "workspace/invitation_accept.html", {**context, "sign_in": True})
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = invitations.invitation_accept_as_new_person(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            return _joined(request, membership)
    return render(request, "workspace/invitation_accept.html", {**context, "form": form})


def _joined(request: HttpRequest, membership: Membership) -> HttpResponse:
    request.session[SESSION_TENANT_KEY] = membership.tenant_id
    messages.success(request, f"Welcome to {membership.tenant.name}: you joined as {membership.get_role_display()}.")
    return redirect("dashboard:home")


@member_required(Capability.CONFIGURE)
def member_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = get_or_404(selectors.membership_get, tenant=request.tenant, membership_id=membership_id)
    form = MembershipForm.for_membership(membership, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(membership=membership, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Saved {membership.user.email}.")
            return redirect("tenancy:member_list")
    return render(
        request, "workspace/member_form.html", {"form": form, "membership": membership, "title": membership.user}
    )


@member_required(Capability.CONFIGURE)
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership: Membership = get_or_404(selectors.membership_get, tenant=request.tenant, membership_id=membership_id)
    if request.method == "POST":
        try:
            services.membership_remove(membership=membership)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Removed {membership.user.email} from {request.tenant.name}.")
        return redirect("tenancy:member_list")
    return render(request, "workspace/member_remove.html", {"membership": membership})


def _key_page(request: HttpRequest, *, kind: ApiKeyKind, keys, template: str, owner=None) -> HttpResponse:
    """List credentials and create one. The new secret is shown in the very response that created it
    and kept nowhere (not in the session, not in a cache): a reload of the list cannot show it again."""
    form = ApiKeyCreateForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        api_key, new_secret = services.api_key_create(
            tenant=request.tenant, kind=kind, name=form.cleaned_data["name"], by=request.user, user=owner
        )
        messages.success(request, f"Created {api_key.name}. Copy the key now: it will not be shown again.")
        form = ApiKeyCreateForm()
    page = Paginator(keys, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    response = render(request, template, {"form": form, "page": page, "new_secret": new_secret})
    if new_secret:
        # Neither the browser nor a proxy may keep a page holding a secret (no-store among them).
        add_never_cache_headers(response)
    return response


@member_required(Capability.CONFIGURE)
def write_key_list(request: HttpRequest) -> HttpResponse:
    keys = selectors.api_key_list(tenant=request.tenant, kind=ApiKeyKind.WRITE_KEY)
    return _key_page(request, kind=ApiKeyKind.WRITE_KEY, keys=keys, template="workspace/write_key_list.html")


@member_required(Capability.CONFIGURE)
def api_token_admin_list(request: HttpRequest) -> HttpResponse:
    keys = selectors.api_key_list(tenant=request.tenant, kind=ApiKeyKind.PERSONAL)
    page = Paginator(keys, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "workspace/api_token_admin_list.html", {"page": page})


@member_required()
def my_tokens(request: HttpRequest) -> HttpResponse:
    keys = selectors.api_key_list(tenant=request.tenant, kind=ApiKeyKind.PERSONAL, user=request.user)
    return _key_page(
        request, kind=ApiKeyKind.PERSONAL, keys=keys, template="workspace/my_tokens.html", owner=request.user
    )


@require_POST
@member_required()
def api_key_revoke(request: HttpRequest, api_key_id: int) -> HttpResponse:
    api_key: ApiKey = get_or_404(selectors.api_key_get, tenant=request.tenant, api_key_id=api_key_id)
    if not may_revoke_api_key(request.membership, api_key):
        raise PermissionDenied("Only a tenant admin may revoke someone else's key.")
    services.api_key_revoke(api_key=api_key)
    messages.success(request, f"Revoked {api_key.name}; it no longer works.")
    return redirect(safe_next(request) or reverse("tenancy:my_tokens"))
