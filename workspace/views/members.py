"""The tenant's people, for its admin: the list (with the open invitations), invite, edit, remove."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.web import apply_errors, get_or_404, member_required
from tenancy import selectors, services
from tenancy.models import Membership
from tenancy.permissions import Capability

from ..forms.members import MembershipForm, MembershipInviteForm

MEMBERS_PER_PAGE = 50


@member_required(Capability.CONFIGURE)
def member_list(request: HttpRequest) -> HttpResponse:
    members = selectors.membership_list(tenant=request.tenant)
    query = request.GET.get("q", "").strip()
    if query:
        members = members.filter(Q(user__email__icontains=query) | Q(user__full_name__icontains=query))
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    # Only the address: whoever is behind it is nobody here until they accept.
    open_invitations = selectors.invitation_list(tenant=request.tenant, open_only=True)
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
            invitation = services.invitation_create(tenant=request.tenant, by=request.user, **form.cleaned_data)
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
