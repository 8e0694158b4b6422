"""Credentials: the tenant's write keys and everyone's personal tokens (admins), one's own tokens, revoking."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from core.web import get_or_404, member_required, safe_next
from tenancy import selectors, services
from tenancy.models import ApiKey, ApiKeyKind
from tenancy.permissions import Capability, may_revoke_api_key

from ..forms.keys import ApiKeyCreateForm
from .members import MEMBERS_PER_PAGE


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
