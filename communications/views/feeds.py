"""Calendar feeds: a member's feed of their accounts and entries, and feeds of single accounts, each behind
a secret link shown once after it is made or rotated; and the public .ics a calendar app fetches."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_scopes import scope

from core.web import get_or_404, member_required

from .. import selectors
from ..forms.feeds import FeedCreateForm
from ..models import CalendarFeed, FeedKind
from ..services import feeds as feed_services


def _feed(request: HttpRequest, feed_id: int) -> CalendarFeed:
    return get_or_404(selectors.feed_get, tenant=request.tenant, user=request.user, feed_id=feed_id)


def _page(request: HttpRequest, form: FeedCreateForm, new_feed: CalendarFeed | None = None, new_url: str = ""):
    """The feeds page. A new link is shown in the very response that made it and kept nowhere (not in the
    session, not in a cache): afterwards only its digest is left."""
    response = render(
        request,
        "communications/feeds/index.html",
        {
            "section": "communications",
            "form": form,
            "feeds": selectors.feed_list(tenant=request.tenant, user=request.user),
            "new_feed_id": new_feed.pk if new_feed else None,
            "new_url": new_url,
        },
    )
    if new_url:
        add_never_cache_headers(response)  # no-store among them
    return response


@require_http_methods(["GET", "POST"])
@member_required()
def feed_list(request: HttpRequest) -> HttpResponse:
    form = FeedCreateForm(request.POST or None, tenant=request.tenant)
    if request.method == "POST" and request.POST.get("kind") == FeedKind.TASKS:
        feed, secret = feed_services.feed_create(tenant=request.tenant, kind=FeedKind.TASKS, by=request.user)
        messages.success(request, "Made your tasks feed. Copy its link now: it is shown only this once.")
        return _page(request, FeedCreateForm(tenant=request.tenant), feed, feed_services.feed_url(secret))
    if request.method == "POST" and form.is_valid():
        account = form.cleaned_data["account"]
        feed, secret = feed_services.feed_create(
            tenant=request.tenant,
            kind=FeedKind.ACCOUNT if account else FeedKind.USER,
            account=account,
            by=request.user,
        )
        what = f"the {account} feed" if account else "your feed"
        messages.success(request, f"Made {what}. Copy its link now: it is shown only this once.")
        return _page(request, FeedCreateForm(tenant=request.tenant), feed, feed_services.feed_url(secret))
    return _page(request, form)


@require_POST
@member_required()
def feed_rotate(request: HttpRequest, feed_id: int) -> HttpResponse:
    feed = _feed(request, feed_id)
    secret = feed_services.feed_rotate(feed=feed)
    messages.success(request, "New link made: the old one stopped working. Subscribe again with this one.")
    return _page(request, FeedCreateForm(tenant=request.tenant), feed, feed_services.feed_url(secret))


@require_POST
@member_required()
def feed_delete(request: HttpRequest, feed_id: int) -> HttpResponse:
    feed = _feed(request, feed_id)
    feed_services.feed_delete(feed=feed)
    messages.success(request, "Feed deleted: calendars subscribed to it stop updating.")
    return redirect("communications:feeds")


@require_GET
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the secret in the link is the credential (calendar apps cannot sign in)."""
    feed = selectors.feed_for_token(token)
    if feed is None:
        raise Http404("No such feed.")
    with scope(tenant=feed.tenant), timezone.override(feed.tenant.zone):
        body = feed_services.feed_calendar(feed=feed)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="postsale.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
