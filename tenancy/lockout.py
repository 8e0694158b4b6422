"""Who is signing in, as the sign-in lockout (django-axes) sees it."""

from django.conf import settings
from django.http import HttpRequest
from ipware.ip import get_client_ip


def client_address(request: HttpRequest) -> str | None:
    """The client's address, read past the TRUSTED_PROXY_COUNT reverse proxies in front.

    Each proxy appends the address it received the request from to X-Forwarded-For,
    and the last one is REMOTE_ADDR itself. So with N trusted proxies the client is
    the N-th entry from the right of X-Forwarded-For; anything left of it was written
    by the client and is not believed. Without trusted proxies the header is ignored:
    a direct client could put any address in it and lock out someone else.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote_addr
    # ipware counts only the proxies named in the header (not REMOTE_ADDR's) and,
    # not strict, takes the client's position from the right of a longer chain.
    address, _routable = get_client_ip(
        request, proxy_count=proxies - 1, request_header_order=("HTTP_X_FORWARDED_FOR",), strict=False
    )
    # Fewer hops than configured: the request did not come through the proxies.
    return address or remote_addr


def username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account being signed in to, spelled as it is stored, so every spelling counts towards one lock."""
    value = (credentials or {}).get("username") if credentials else request.POST.get("username")
    # Addresses are stored lower-case and matched case-insensitively (UserManager.get_by_natural_key).
    return value.strip().lower() if isinstance(value, str) and value.strip() else None
