"""What each role may do, as one rule shared by the browser views and the API.

- viewer: reads everything in the tenant, writes nothing;
- csm: reads everything, edits what they own (an object whose `owner_id` is theirs);
- leader: reads and edits everything in the tenant, configures nothing;
- admin: all of the above, and configures the tenant (people, keys, models, rules).
"""

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework import permissions

from .models import ApiKey, ApiKeyKind, Membership, Role


class Capability(StrEnum):
    VIEW = "view"
    EDIT = "edit"
    # Edit anything in the tenant at once, whoever owns it (bulk imports, reassignments).
    MANAGE = "manage"
    CONFIGURE = "configure"


def membership_can(membership: Membership | None, capability: Capability, obj: Any = None) -> bool:
    """Whether a member may do `capability`, on `obj` when given (ownership matters for CSMs)."""
    if membership is None or not membership.is_active:
        return False
    role = membership.role
    if capability == Capability.VIEW:
        return True
    if capability == Capability.CONFIGURE:
        return role == Role.ADMIN
    if capability == Capability.MANAGE:
        return role in (Role.ADMIN, Role.LEADER)
    if role in (Role.ADMIN, Role.LEADER):
        return True
    if role == Role.CSM:
        # Without an object the question is "may they edit anything of this kind",
        # e.g. create one; with an object, only their own.
        return obj is None or getattr(obj, "owner_id", None) == membership.user_id
    return False


def require(request: HttpRequest, capability: Capability, obj: Any = None) -> None:
    """Raise PermissionDenied unless the signed-in member may do `capability`."""
    if not membership_can(getattr(request, "membership", None), capability, obj):
        raise PermissionDenied(_denial(capability))


def _denial(capability: Capability) -> str:
    return {
        Capability.VIEW: "You are not a member of this tenant.",
        Capability.EDIT: "Your role may not change this: viewers read only and CSMs edit their own accounts.",
        Capability.MANAGE: "Only a CS leader or an admin may change accounts in bulk.",
        Capability.CONFIGURE: "Only a tenant admin may change this setting.",
    }[capability]


class RolePermission(permissions.BasePermission):
    """DRF: reads need `view.read_capability` (default VIEW: any member), writes need
    `view.write_capability` (default EDIT) and, on an object, ownership for CSMs.
    Ingestion write keys reach only views that accept them."""

    def has_permission(self, request, view) -> bool:
        credential = request.auth if isinstance(request.auth, ApiKey) else None
        if credential is not None and credential.kind == ApiKeyKind.WRITE_KEY:
            return getattr(view, "accepts_write_keys", False)
        membership = getattr(request, "membership", None)
        if request.method in permissions.SAFE_METHODS:
            capability = getattr(view, "read_capability", Capability.VIEW)
            self.message = _denial(capability)
            return membership_can(membership, capability)
        capability = getattr(view, "write_capability", Capability.EDIT)
        self.message = _denial(capability)
        return membership_can(membership, capability)

    def has_object_permission(self, request, view, obj) -> bool:
        if isinstance(request.auth, ApiKey) and request.auth.kind == ApiKeyKind.WRITE_KEY:
            return getattr(view, "accepts_write_keys", False)
        if request.method in permissions.SAFE_METHODS:
            return True
        capability = getattr(view, "write_capability", Capability.EDIT)
        self.message = _denial(capability)
        return membership_can(getattr(request, "membership", None), capability, obj)


def may_revoke_api_key(membership: Membership | None, api_key: ApiKey) -> bool:
    """Anyone revokes their own token; write keys and other people's tokens are the admin's."""
    if api_key.kind == ApiKeyKind.PERSONAL and membership is not None and api_key.user_id == membership.user_id:
        return membership.is_active
    return membership_can(membership, Capability.CONFIGURE)


def may_assign_to(membership: Membership | None, assignee) -> bool:
    """Whether a member may put work in `assignee`'s hands (own an account, a task...).

    Anyone may take work themselves or leave it unassigned; giving it to someone else
    is a reassignment, which leaders and admins decide.
    """
    if assignee is None or (membership is not None and assignee.pk == membership.user_id):
        return membership_can(membership, Capability.EDIT)
    return membership_can(membership, Capability.MANAGE)
