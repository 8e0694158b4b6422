"""The contact's own pages, reached from a signed link without signing in: the preference centre and
one-click unsubscribe (RFC 8058). Only the contact the token names is ever shown; a tampered token is a 404."""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_scopes import scope

from ..models import MessageType, PreferenceChange, PreferenceChoice
from ..selectors.preferences import contact_preferences
from ..services.preferences import (
    CHOOSABLE,
    MARKETING,
    BadLink,
    contact_from_link,
    preference_set,
    unsubscribe_one_click,
)

ONE_CLICK_BODY = ("List-Unsubscribe", "One-Click")
DESCRIPTIONS = {
    MessageType.EDUCATIONAL: "Tips, guides and training invitations.",
    MessageType.RELATIONSHIP: "Check-ins and business reviews from your account team.",
    MessageType.PROMOTIONAL: "Offers, new products and upgrades.",
    MessageType.OPERATIONAL: "Maintenance windows, changes to the service and how they affect you.",
    MessageType.TRANSACTIONAL: "Receipts, invoices and password resets: always sent.",
}


def _linked(token: str):
    try:
        return contact_from_link(token)
    except BadLink as error:
        raise Http404("This link is not valid.") from error


def _rows(choices: dict[str, str]) -> list[dict]:
    labels = dict(MessageType.choices)
    return [
        {
            "type": t,
            "label": labels[t],
            "description": DESCRIPTIONS[t],
            "choice": choices[t],
            "always": t == MessageType.TRANSACTIONAL,
        }
        for t in MessageType.values
    ]


@never_cache
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    contact, entry = _linked(token)
    tenant = contact.tenant
    errors: list[str] = []
    with scope(tenant=tenant), timezone.override(tenant.zone):
        if request.method == "POST":
            wanted = {t: request.POST.get(t, "") for t in CHOOSABLE}
            bad = [t for t, choice in wanted.items() if choice not in PreferenceChoice.values]
            if bad:
                errors = [f"Choose how often you want {MessageType(t).label.lower()} messages." for t in bad]
            else:
                try:
                    for message_type, choice in wanted.items():
                        preference_set(
                            contact=contact,
                            message_type=message_type,
                            choice=choice,
                            source=PreferenceChange.Source.PREFERENCE_CENTRE,
                            entry=entry,
                        )
                except ValidationError as error:
                    errors = error.messages
                else:
                    return redirect(reverse("communications:preferences", args=[token]) + "?saved=1")
        choices = contact_preferences(contact=contact)
        if request.method == "POST":
            # Show what they picked, not what is stored, next to the error.
            choices.update({t: c for t, c in wanted.items() if c in PreferenceChoice.values})
        context = {
            "contact": contact,
            "company": tenant.name,
            "rows": _rows(choices),
            "options": PreferenceChoice.choices,
            "saved": request.GET.get("saved") == "1" and request.method == "GET",
            "errors": errors,
            "token": token,
        }
        return render(request, "communications/public/preferences.html", context, status=400 if errors else 200)


@csrf_exempt  # RFC 8058: mail clients POST without a session, so there is no CSRF token to give.
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    contact, entry = _linked(token)
    tenant = contact.tenant
    with scope(tenant=tenant), timezone.override(tenant.zone):
        context = {
            "contact": contact,
            "company": tenant.name,
            "token": token,
            "marketing": [MessageType(t).label.lower() for t in MARKETING],
        }
        if request.method == "GET":
            # Link scanners follow GETs: only a POST unsubscribes.
            return render(request, "communications/public/unsubscribe.html", context)
        if request.POST.get(ONE_CLICK_BODY[0]) != ONE_CLICK_BODY[1]:
            return HttpResponseBadRequest("A one-click unsubscribe is a POST with List-Unsubscribe=One-Click.")
        unsubscribe_one_click(contact=contact, entry=entry)
        return render(request, "communications/public/unsubscribed.html", context)
