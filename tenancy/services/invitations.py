"""Invitations: how a person joins a tenant. An admin invites an email address with a role and team;
the person opens the emailed link and accepts (signed in as that address, or as a new person who sets
their name and password), and only then becomes a member.

The link is signed (SECRET_KEY) and names the tenant, the invitation and a random nonce; only the nonce's
SHA-256 is kept, and sending again replaces it, so the newest link is the only one that works. It works
once, until it expires (INVITATION_MAX_AGE_DAYS after it was sent), and not after a revocation.

The reads (the link's invitation, why it cannot be accepted) are tenancy.selectors.invitations."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from ..models import Invitation, Membership, Role, Team, Tenant, User
from ..queue import enqueue_on_commit
from ..selectors.invitations import LINK_SALT, invitation_has_account, invitation_list, invitation_refusal, nonce_digest


@transaction.atomic
def invitation_create(
    *, tenant: Tenant, email: str, role: Role, team: Team, by: User | None, send: bool = True
) -> Invitation:
    """Invite an email address; the link is emailed after commit (unless `send` is False: the caller
    sends it itself)."""
    from .. import tasks  # tasks imports this module

    email = (email or "").strip().lower()
    if Membership.objects.filter(tenant=tenant, user__email=email, is_active=True).exists():
        raise ValidationError({"email": f"{email} is already a member of {tenant.name}."})
    if invitation_list(tenant=tenant, open_only=True).filter(email=email).exists():
        raise ValidationError(
            {"email": f"{email} has an invitation already: send it again from the pending invitations."}
        )
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(tenant=tenant, email=email, role=role, team=team, invited_by=by)
    except IntegrityError:
        # Another admin invited the same address in the same instant (one open invitation per address).
        raise ValidationError(
            {"email": f"{email} has an invitation already: send it again from the pending invitations."}
        ) from None
    if send:
        enqueue_on_commit(tasks.invitation_send_task, tenant_id=tenant.pk, invitation_id=invitation.pk)
    return invitation


def invitation_resend(*, invitation: Invitation) -> Invitation:
    """Send a fresh link (the earlier one stops working) with a fresh expiry."""
    from .. import tasks  # tasks imports this module

    if not invitation.is_open:
        raise ValidationError(f"The invitation of {invitation.email} is {invitation.status.label.lower()}.")
    enqueue_on_commit(tasks.invitation_send_task, tenant_id=invitation.tenant_id, invitation_id=invitation.pk)
    return invitation


def invitation_revoke(*, invitation: Invitation) -> Invitation:
    if invitation.accepted_at is not None:
        raise ValidationError(f"{invitation.email} accepted already: remove the member instead.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


def invitation_link(invitation: Invitation, nonce: str) -> str:
    token = signing.dumps({"t": invitation.tenant_id, "i": invitation.pk, "n": nonce}, salt=LINK_SALT)
    return settings.SITE_URL.rstrip("/") + reverse("tenancy:invitation_accept", kwargs={"token": token})


@transaction.atomic
def invitation_send(*, invitation: Invitation, connection=None) -> Invitation:
    """Email a new link. The new digest is saved in the same transaction as the mail goes out, so a
    failed send (retried by the task) leaves the earlier link as it was."""
    if not invitation.is_open:
        return invitation  # revoked or accepted meanwhile: nothing to send
    nonce = secrets.token_urlsafe(24)
    now = timezone.now()
    invitation.link_digest = nonce_digest(nonce)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.INVITATION_MAX_AGE_DAYS)
    invitation.save(update_fields=["link_digest", "sent_at", "expires_at"])
    context = {"invitation": invitation, "tenant": invitation.tenant, "link": invitation_link(invitation, nonce)}
    send_mail(
        subject=f"You are invited to {invitation.tenant.name} on postsale",
        message=render_to_string("tenancy/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
        connection=connection,
    )
    return invitation


def _locked_open(invitation: Invitation, *, user: User | None = None) -> Invitation:
    # Locked, then checked again: two clicks on one link must not both pass.
    locked = Invitation.objects.select_for_update().get(tenant_id=invitation.tenant_id, pk=invitation.pk)
    problem = invitation_refusal(locked, user=user)
    if problem:
        raise ValidationError(problem)
    return locked


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """The invited person, signed in as the invited address, joins with the invitation's role and team.
    Someone removed or deactivated earlier comes back with nothing of their old credentials."""
    with scope(tenant=invitation.tenant_id), transaction.atomic():
        return _join(_locked_open(invitation, user=user), user=user)


def invitation_accept_as_new_person(*, invitation: Invitation, full_name: str, password: str) -> Membership:
    """Someone without an account accepts: they become a user with the invited address, the name and
    password they chose, and a member."""
    full_name = (full_name or "").strip()
    if not full_name:
        raise ValidationError({"full_name": "Enter your name as colleagues should see it."})
    candidate = User(email=invitation.email, full_name=full_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationError({"password1": error.messages}) from error
    with scope(tenant=invitation.tenant_id), transaction.atomic():
        # The invitation locked first: a second submit waits here, then finds it accepted.
        locked = _locked_open(invitation)
        if invitation_has_account(locked):
            raise ValidationError(f"{invitation.email} has an account already: sign in to accept.")
        user = User.objects.create_user(email=locked.email, password=password, full_name=full_name)
        return _join(locked, user=user)


def _join(invitation: Invitation, *, user: User) -> Membership:
    # `invitation` is locked and open (_locked_open), inside the caller's transaction and scope.
    membership, _created = Membership.objects.update_or_create(
        tenant_id=invitation.tenant_id,
        user=user,
        defaults={
            "role": invitation.role,
            "team": invitation.team,
            "is_active": True,
            "invited_by_id": invitation.invited_by_id,
            "invitation_sent_at": invitation.sent_at,
        },
    )
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    user.last_tenant_id = invitation.tenant_id
    user.save(update_fields=["last_tenant"])
    return membership
