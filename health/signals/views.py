"""Signal pages: an account's timeline (a card on the account page, or a page of its own) and the import."""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from accounts import selectors as account_selectors
from tenancy.permissions import Capability, membership_can, require
from tenancy.shortcuts import get_or_404, member_required

from . import imports, selectors
from .forms import SignalImportForm
from .kinds import KINDS

TIMELINE_ITEMS = 50
MAX_ERRORS_SHOWN = 500


@require_GET
@member_required(Capability.VIEW)
def account_timeline(request: HttpRequest, account_id: int) -> HttpResponse:
    """For htmx (the account page's card) the newest items; otherwise the whole timeline, a page at a time."""
    account = get_or_404(account_selectors.account_get, tenant=request.tenant, account_id=account_id)
    if request.htmx:
        items = selectors.account_timeline(tenant=request.tenant, account=account, limit=TIMELINE_ITEMS)
        response = render(request, "health/signals/_timeline.html", {"account": account, "items": items})
    else:
        timeline = selectors.AccountTimeline(tenant=request.tenant, account=account)
        page = Paginator(timeline, TIMELINE_ITEMS).get_page(request.GET.get("page"))
        response = render(request, "health/signals/timeline.html", {"account": account, "page": page})
    # One URL, two shapes: a cache must not hand the card to a browser that asked for the page.
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
@member_required(Capability.VIEW)
def signal_import(request: HttpRequest) -> HttpResponse:
    may_import = membership_can(request.membership, Capability.MANAGE)
    form = SignalImportForm(request.POST or None, request.FILES or None) if may_import else None
    outcome = None
    if request.method == "POST":
        require(request, Capability.MANAGE)
        if form.is_valid():
            try:
                outcome = imports.signal_import(
                    tenant=request.tenant,
                    kind=KINDS[form.cleaned_data["kind"]],
                    uploaded_file=form.cleaned_data["file"],
                    mode=form.cleaned_data["mode"],
                )
            except ValidationError as error:
                form.add_error("file", error.messages)
    columns = [(kind, imports.COLUMNS[kind.key]) for kind in KINDS.values()]
    context = {
        "form": form,
        "may_import": may_import,
        "outcome": outcome,
        "columns": columns,
        "max_errors": MAX_ERRORS_SHOWN,
    }
    return render(request, "health/signals/import.html", context)
