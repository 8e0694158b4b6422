"""The renewals card of the account page: contracts, the current renewal's runway and forecast, and open
expansion opportunities. Loaded by htmx after the page, like the health and journey cards."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import selectors as account_selectors
from core import tenant_time
from core.web import get_or_404, member_required
from tenancy.permissions import Capability, membership_can

from .. import selectors


@require_GET
@member_required()
def account_card(request: HttpRequest, account_id: int) -> HttpResponse:
    tenant = request.tenant
    account = get_or_404(account_selectors.account_get, tenant=tenant, account_id=account_id)
    today = tenant_time.today(tenant)
    card = selectors.account_renewals_card(tenant=tenant, account=account)
    for checkpoint in card.checkpoints:
        checkpoint.schedule = (
            selectors.checkpoint_schedule(due_on=checkpoint.due_on, planned_on=checkpoint.planned_on, today=today)
            if checkpoint.status == "open"
            else None
        )
    return render(
        request,
        "renewals/account/_card.html",
        {
            "account": account,
            "card": card,
            "renewal": card.renewal,
            "left": card.renewal.days_left(today) if card.renewal else None,
            "late_start": selectors.late_start_sentence(renewal=card.renewal, checkpoints=card.checkpoints)
            if card.renewal
            else "",
            "today": today,
            "may_edit": membership_can(request.membership, Capability.EDIT, account),
        },
    )
