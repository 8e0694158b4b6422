"""The master calendar (month, week and list views of every team's touchpoints, for the tenant, a CSM's
accounts or one account, with filters and each entry's conflicts) and the account page's card."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import selectors as account_selectors
from accounts.models import Account
from core import tenant_time
from core.web import get_or_404, member_required, query_without
from tenancy.models import Role
from tenancy.permissions import Capability, membership_can

from .. import selectors
from ..forms.calendar import CalendarFilterForm
from ..models import Channel, MessageType
from ..selectors import LIST, MONTH, SCOPE_ACCOUNT, SCOPE_ALL, SCOPE_MINE, VIEWS, WEEK
from ..services.conflicts import entries_conflicts

ENTRIES_PER_PAGE = 50
CHANNEL_ICONS = {
    Channel.EMAIL: "✉",
    Channel.IN_APP: "▣",
    Channel.CALL: "☎",
    Channel.WEBINAR: "▶",
    Channel.SMS: "✆",
    Channel.COMMUNITY: "☷",
}
TYPE_COLOURS = {
    MessageType.TRANSACTIONAL: "secondary",
    MessageType.EDUCATIONAL: "info",
    MessageType.RELATIONSHIP: "success",
    MessageType.PROMOTIONAL: "warning",
    MessageType.OPERATIONAL: "primary",
}


def _params(request: HttpRequest, account: Account | None) -> QueryDict:
    """The query, with a CSM's default scope (their accounts) and the account of an account calendar."""
    params = request.GET.copy()
    if account is not None:
        params["scope"] = SCOPE_ACCOUNT
        params["account"] = str(account.pk)
    elif params.get("scope") not in (SCOPE_ALL, SCOPE_MINE):
        params["scope"] = SCOPE_MINE if request.membership.role == Role.CSM else SCOPE_ALL
        params.pop("account", None)
    return params


def decorate(entries: list, conflicts: dict, *, tenant) -> list:
    """What a chip or a row shows beside the entry's own fields, and its title (the subject with the
    account's merge fields filled in, for all entries at once)."""
    selectors.entries_titled(tenant=tenant, entries=entries)
    for entry in entries:
        entry.conflicts = conflicts.get(entry.pk, [])
        entry.icon = CHANNEL_ICONS.get(entry.channel, "•")
        entry.colour = TYPE_COLOURS.get(entry.message_type, "secondary")
    return entries


def _conflicts(request: HttpRequest, entries: list) -> dict:
    return entries_conflicts(tenant=request.tenant, entries=entries) if entries else {}


def calendar_page(request: HttpRequest, account: Account | None = None) -> HttpResponse:
    tenant = request.tenant
    params = _params(request, account)
    form = CalendarFilterForm(params)
    data = form.values()
    view = data.get("view") if data.get("view") in VIEWS else MONTH
    today = tenant_time.today(tenant)
    anchor = data.get("date") or today
    period = selectors.calendar_period(tenant=tenant, view=view, anchor=anchor)
    scope = SCOPE_ACCOUNT if account is not None else data.get("scope") or SCOPE_ALL
    entries = selectors.calendar_entries(
        tenant=tenant,
        start=period.start,
        end=period.end,
        account_owner=request.user if scope == SCOPE_MINE else None,
        account=account,
        team=data.get("team") or "",
        message_type=data.get("message_type") or "",
        channel=data.get("channel") or "",
        status=data.get("status") or "",
    )
    page = None
    if view == LIST:
        page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
        shown = list(page.object_list)
    else:
        shown = list(entries)
    # One call for every entry shown: the service answers in a bounded number of queries.
    decorate(shown, _conflicts(request, shown), tenant=tenant)
    days = selectors.entries_by_day(shown, tenant=tenant, first=period.first, last=period.last)
    weeks = [list(days.items())[i : i + 7] for i in range(0, len(days), 7)] if view == MONTH else []
    return render(
        request,
        "communications/calendar/index.html",
        {
            "form": form,
            "view": view,
            "views": [(MONTH, "Month"), (WEEK, "Week"), (LIST, "List")],
            "period": period,
            "scope": scope,
            "account": account,
            "entries": shown,
            "page": page,
            "days": list(days.items()),
            "weeks": weeks,
            "month_number": anchor.month,
            "today": today,
            "counts": selectors.status_counts(shown),
            "conflict_count": sum(1 for e in shown if e.conflicts),
            "base_url": request.path,
            "view_query": query_without(params, "view"),
            "date_query": query_without(params, "date"),
            "scope_query": query_without(params, "scope", "account"),
            "page_query": query_without(params),
            "may_create": membership_can(request.membership, Capability.EDIT, account),
            "nav_active": "calendar",
            "section": "communications",
        },
    )


@require_GET
@member_required()
def calendar_index(request: HttpRequest) -> HttpResponse:
    return calendar_page(request)


@require_GET
@member_required()
def account_calendar(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_or_404(account_selectors.account_get, tenant=request.tenant, account_id=account_id)
    return calendar_page(request, account)


@require_GET
@member_required()
def account_card(request: HttpRequest, account_id: int) -> HttpResponse:
    tenant = request.tenant
    account = get_or_404(account_selectors.account_get, tenant=tenant, account_id=account_id)
    card = selectors.account_touchpoints(tenant=tenant, account=account, now=tenant_time.now(tenant))
    decorate(card.upcoming, {}, tenant=tenant)
    if card.last_sent is not None:
        selectors.entries_titled(tenant=tenant, entries=[card.last_sent])
    return render(
        request,
        "communications/account/_card.html",
        {
            "account": account,
            "card": card,
            "more": card.upcoming_count - len(card.upcoming),
            "may_create": membership_can(request.membership, Capability.EDIT, account),
        },
    )
