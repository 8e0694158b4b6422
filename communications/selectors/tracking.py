"""The delivery a public tracking link names."""

from django_scopes import scopes_disabled

from tenancy.parsing import parse_id, storable_text

from ..models import Delivery


def split_public_token(token: str) -> tuple[int, str] | None:
    """(tenant id, secret) of a public link's token, or None when it is not one of ours."""
    tenant_part, _, secret = (token or "").partition(".")
    tenant_id = parse_id(tenant_part)
    if tenant_id is None or not secret or len(secret) > 64 or not storable_text(secret):
        return None
    return tenant_id, secret


def delivery_for_token(token: str) -> Delivery | None:
    """The delivery a tracking link names, from whichever tenant sent it (the link is all we are given)."""
    if (parts := split_public_token(token)) is None:
        return None
    tenant_id, secret = parts
    with scopes_disabled():
        return Delivery.objects.select_related("tenant", "entry").filter(tenant_id=tenant_id, token=secret).first()
