"""An invitation: the admin sends its link again or withdraws it; the invited person accepts it."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.web import apply_errors, get_or_404, member_required
from tenancy import selectors, services
from tenancy.middleware import SESSION_TENANT_KEY
from tenancy.models import InvitationStatus, Membership
from tenancy.permissions import Capability

from ..forms.invitations import InvitationAcceptForm


@require_POST
@member_required(Capability.CONFIGURE)
def invitation_resend(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_or_404(selectors.invitation_get, tenant=request.tenant, invitation_id=invitation_id)
    try:
        services.invitation_resend(invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Sent {invitation.email} a new link; the earlier one no longer works.")
    return redirect("tenancy:member_list")


@require_POST
@member_required(Capability.CONFIGURE)
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_or_404(selectors.invitation_get, tenant=request.tenant, invitation_id=invitation_id)
    try:
        services.invitation_revoke(invitation=invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Withdrew the invitation of {invitation.email}; its link no longer works.")
    return redirect("tenancy:member_list")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the signed link is the credential. A signed-in person accepts as themselves (only as the
    invited address); someone without an account chooses their name and password."""
    invitation = selectors.invitation_for_link(token)
    if invitation is None:
        raise Http404("This invitation link is not valid: it may have been replaced by a newer one.")
    context = {"invitation": invitation, "tenant_invited": invitation.tenant}
    user = request.user if request.user.is_authenticated else None
    problem = selectors.invitation_refusal(invitation, user=user)
    if problem:
        # Gone for everyone (used, withdrawn, expired), or only not for the one signed in.
        status = 403 if invitation.status == InvitationStatus.PENDING else 410
        return render(request, "workspace/invitation_accept.html", {**context, "problem": problem}, status=status)
    if user is not None:
        if request.method == "POST":
            try:
                return _joined(request, services.invitation_accept(invitation=invitation, user=user))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        return render(request, "workspace/invitation_accept.html", context)
    if selectors.invitation_has_account(invitation):
        return render(request, "workspace/invitation_accept.html", {**context, "sign_in": True})
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.invitation_accept_as_new_person(
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
