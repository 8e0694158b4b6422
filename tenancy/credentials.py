"""Reading an API credential off a request.

Personal tokens come as `Authorization: Bearer <token>`. Write keys come the way
the Segment and RudderStack SDKs send them, as the HTTP Basic user name with an
empty password, or as a Bearer token.
"""

import base64
import binascii

from django.http import HttpRequest


def presented_secret(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme in ("bearer", "token") and value:
        return value
    if scheme == "basic" and value:
        try:
            user_name, _, _password = base64.b64decode(value).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user_name or None
    return None
