"""Reads of invitations: an admin's list, the invitation a link names, and why it cannot be accepted."""

import hashlib

from django.core import signing
from django.db.models import QuerySet
from django.utils import dateformat
from django.utils.crypto import constant_time_compare
from django_scopes import scopes_disabled

from ..models import Invitation, InvitationStatus, Tenant, User

LINK_SALT = "tenancy.invitation"


def nonce_digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


# Reads


def invitation_list(*, tenant: Tenant, open_only: bool = False) -> QuerySet[Invitation]:
    invitations = Invitation.objects.filter(tenant=tenant).select_related("invited_by")
    if open_only:
        invitations = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    return invitations.order_by("-created_at", "-id")


def invitation_get(*, tenant: Tenant, invitation_id: int) -> Invitation:
    return Invitation.objects.select_related("invited_by").get(tenant=tenant, pk=invitation_id)


def invitation_for_link(token: str) -> Invitation | None:
    """The invitation a link's token names, if the signature holds and it is the newest link sent;
    whether it may still be accepted is `invitation_refusal`'s question."""
    try:
        payload = signing.loads(token or "", salt=LINK_SALT)
        tenant_id, invitation_id, nonce = int(payload["t"]), int(payload["i"]), str(payload["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    # Before any tenant is known: the signed tenant id leads the lookup.
    with scopes_disabled():
        invitation = (
            Invitation.objects.select_related("tenant", "invited_by")
            .filter(tenant_id=tenant_id, pk=invitation_id)
            .first()
        )
    if invitation is None or not invitation.link_digest:
        return None
    if not constant_time_compare(invitation.link_digest, nonce_digest(nonce)):
        return None
    return invitation


def invitation_has_account(invitation: Invitation) -> bool:
    """Whether the invited address has an account already (then its owner signs in to accept)."""
    return User.objects.filter(email__iexact=invitation.email).exists()


def _inviter(invitation: Invitation) -> str:
    # Read only for a refusal: the invitation locked for an acceptance has no inviter loaded.
    return invitation.invited_by.get_full_name() if invitation.invited_by else "an admin"


def invitation_refusal(invitation: Invitation, *, user: User | None = None) -> str:
    """Why the invitation cannot be accepted (by `user`, when someone is signed in), in words for the person
    holding the link; "" when it can."""
    status = invitation.status
    if status == InvitationStatus.ACCEPTED:
        return "This invitation has been accepted already; a link works only once. Sign in instead."
    if status == InvitationStatus.REVOKED:
        return f"This invitation was withdrawn. Ask {_inviter(invitation)} for a new one if you should have access."
    if status == InvitationStatus.EXPIRED and invitation.expires_at is not None:
        # The house style of core.text's day, which tenancy sits below (the day in UTC, as before).
        expired_on = dateformat.format(invitation.expires_at, "j M Y")
        return f"This invitation expired on {expired_on}. Ask {_inviter(invitation)} to send it again."
    if user is not None and user.email.lower() != invitation.email:
        # Only the invited address may join with it: a forwarded link is no consent of its owner's.
        return (
            f"This invitation is for {invitation.email}; you are signed in as {user.email}. "
            "Sign out and open the link again."
        )
    return ""


# Writes
