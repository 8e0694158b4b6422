from django.http import HttpRequest

from . import selectors
from .permissions import Capability, membership_can


def tenancy(request: HttpRequest) -> dict:
    """The active tenant and role, and the tenants to switch to, for the base layout."""
    membership = getattr(request, "membership", None)
    if membership is None or not request.user.is_authenticated:
        return {"tenant": None, "membership": None}
    return {
        "tenant": membership.tenant,
        "membership": membership,
        "can_configure": membership_can(membership, Capability.CONFIGURE),
        "can_manage": membership_can(membership, Capability.MANAGE),
        "switchable_memberships": lambda: selectors.membership_list_for_user(user=request.user),
    }
