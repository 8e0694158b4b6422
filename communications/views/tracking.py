"""Tracking endpoints a contact's mail client reaches (the open pixel and click redirects, public), and
logging a reply or a meeting by hand."""

import base64

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_scopes import scope

from core.web import apply_errors, get_or_404, member_required
from tenancy.permissions import Capability, membership_can

from .. import selectors
from ..forms.tracking import EngagementLogForm
from ..selectors.personalisation import entry_title
from ..services import tracking

# The smallest transparent GIF: 1x1, one colour.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = "no-store, no-cache, must-revalidate, max-age=0"


@require_GET
def track_open(request: HttpRequest, token: str) -> HttpResponse:
    delivery = selectors.delivery_for_token(token)
    if delivery is None:
        raise Http404("Unknown message.")
    with scope(tenant=delivery.tenant):
        tracking.delivery_record_open(delivery=delivery)
    response = HttpResponse(PIXEL, content_type="image/gif")
    # Every load must reach us, or a second open is never counted.
    response["Cache-Control"] = NO_STORE
    response["Pragma"] = "no-cache"
    response["Expires"] = "0"
    return response


@require_GET
def track_click(request: HttpRequest, token: str) -> HttpResponse:
    delivery = selectors.delivery_for_token(token)
    if delivery is None:
        raise Http404("Unknown message.")
    url, signature = request.GET.get("u", ""), request.GET.get("s", "")
    # Only the signed original link: anything else would make us an open redirect.
    if not url.lower().startswith(("http://", "https://")) or not tracking.click_signature_valid(
        token=delivery.token, url=url, signature=signature
    ):
        return HttpResponseBadRequest(
            "This link was changed after it was sent, so it does not lead anywhere.", content_type="text/plain"
        )
    with scope(tenant=delivery.tenant):
        tracking.delivery_record_click(delivery=delivery, url=url)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = NO_STORE
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "POST"])
@member_required()
def engagement_log(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = get_or_404(selectors.entry_get, tenant=request.tenant, entry_id=entry_id)
    # The entry's owner, or the account's CSM: whoever heard back from the customer.
    may_log = membership_can(request.membership, Capability.EDIT, entry) or membership_can(
        request.membership, Capability.EDIT, entry.account
    )
    form = EngagementLogForm(request.POST or None, tenant=request.tenant, account=entry.account)
    if request.method == "POST":
        if not may_log:
            raise PermissionDenied(
                "Only the entry's owner or the account's CSM, a leader or an admin logs what came of it."
            )
        if form.is_valid():
            at = form.cleaned_data["at"]
            try:
                event = tracking.engagement_event_log(
                    entry=entry,
                    kind=form.cleaned_data["kind"],
                    contact=form.cleaned_data["contact"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                    at=at,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                who = f" from {event.contact}" if event.contact_id else ""
                messages.success(request, f"Logged {event.get_kind_display().lower()}{who} on “{entry_title(entry)}”.")
                return redirect(entry.get_absolute_url())
    return render(
        request,
        "communications/reports/engagement_log.html",
        {"section": "communications", "entry": entry, "form": form, "may_log": may_log},
    )
