"""The approvals queue: bulk sends waiting for a leader or an admin, with their recipient counts, approved or
rejected with a note (every decision is recorded by communications.services)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.web import get_or_404, member_required, safe_next
from tenancy.permissions import Capability, membership_can, require

from .. import selectors, services
from ..forms.approvals import DecisionForm
from ..selectors.personalisation import entry_title
from ..services.conflicts import entries_conflicts
from .calendar import decorate
from .entries import outcome_sentence

APPROVALS_SHOWN = 100


@require_GET
@member_required()
def approval_list(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    pending = list(selectors.approvals_pending(tenant=tenant)[:APPROVALS_SHOWN])
    decorate(pending, entries_conflicts(tenant=tenant, entries=pending) if pending else {}, tenant=tenant)
    decided = list(selectors.approvals_decided(tenant=tenant))
    selectors.entries_titled(tenant=tenant, entries=[approval.entry for approval in decided])
    return render(
        request,
        "communications/approvals/index.html",
        {
            "pending": pending,
            "decided": decided,
            "may_decide": membership_can(request.membership, Capability.MANAGE),
            "threshold": services.communication_settings(tenant=tenant).bulk_threshold,
            "nav_active": "approvals",
            "section": "communications",
        },
    )


def _decide(request: HttpRequest, entry_id: int, approve: bool) -> HttpResponse:
    entry = get_or_404(selectors.entry_get, tenant=request.tenant, entry_id=entry_id)
    require(request, Capability.MANAGE, entry)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if approve:
            entry = services.entry_approve(entry=entry, by=request.user, note=note)
        else:
            entry = services.entry_reject(entry=entry, by=request.user, note=note)
    except ValidationError as error:
        messages.error(request, f"{entry_title(entry)}: {' '.join(error.messages)}")
    else:
        if approve:
            messages.success(
                request,
                f"Approved {entry_title(entry)} for {entry.account.name}. {outcome_sentence(entry, request.tenant)}",
            )
        else:
            messages.success(
                request, f"Rejected {entry_title(entry)} for {entry.account.name}: back to its owner as a draft."
            )
    return redirect(safe_next(request) or "communications:approvals")


@require_POST
@member_required(Capability.MANAGE)
def entry_approve(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _decide(request, entry_id, approve=True)


@require_POST
@member_required(Capability.MANAGE)
def entry_reject(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _decide(request, entry_id, approve=False)
