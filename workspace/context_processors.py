from django.http import HttpRequest

from tenancy import selectors
from tenancy.permissions import Capability, membership_can


def tenancy(request: HttpRequest) -> dict:
    """The active tenant and role, and the tenants to switch to, for the base layout."""
    # getattr: an error page may be rendered for a request that no middleware has annotated yet.
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if membership is None or user is None or not user.is_authenticated:
        return {"tenant": None, "membership": None}
    return {
        "tenant": membership.tenant,
        "membership": membership,
        "can_configure": membership_can(membership, Capability.CONFIGURE),
        "can_manage": membership_can(membership, Capability.MANAGE),
        "switchable_memberships": lambda: selectors.membership_list_for_user(user=user),
    }
