"""Writes with rules: tenants, members, invitations and API credentials."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_scopes import scope

from . import selectors, tasks
from .models import ApiKey, ApiKeyKind, Membership, Role, Team, Tenant, User, normalise_currency

# A credential's last-used time is for people deciding what to revoke; minute
# precision is plenty and spares a write on every request.
LAST_USED_PRECISION = timedelta(minutes=1)
SECRET_PREFIXES = {ApiKeyKind.PERSONAL: "pst_", ApiKeyKind.WRITE_KEY: "psw_"}


@transaction.atomic
def tenant_create(*, name: str, slug: str, admin: User, time_zone: str = "UTC", currency: str = "USD") -> Tenant:
    """A new tenant with its first admin, who is also switched into it."""
    tenant = Tenant(name=name, slug=slug, time_zone=time_zone, currency=normalise_currency(currency))
    tenant.full_clean()
    tenant.save()
    with scope(tenant=tenant):
        Membership.objects.create(tenant=tenant, user=admin, role=Role.ADMIN, team=Team.CUSTOMER_SUCCESS)
    admin.last_tenant = tenant
    admin.save(update_fields=["last_tenant"])
    return tenant


def tenant_update(*, tenant: Tenant, name: str, time_zone: str, currency: str) -> Tenant:
    tenant.name, tenant.time_zone, tenant.currency = name, time_zone, normalise_currency(currency)
    tenant.full_clean(exclude=["slug"])
    tenant.save(update_fields=["name", "time_zone", "currency"])
    return tenant


def user_create(*, email: str, full_name: str = "", password: str | None = None) -> User:
    """A user; without a password they cannot sign in until they set one from their invitation."""
    return User.objects.create_user(email=email, password=password, full_name=full_name)


def user_switch_tenant(*, user: User, tenant_id: int) -> Membership:
    membership = selectors.membership_for_user(user=user, tenant_id=tenant_id)
    if membership is None:
        raise ValidationError("You are not a member of that tenant.")
    user.last_tenant_id = membership.tenant_id
    user.save(update_fields=["last_tenant"])
    return membership


@transaction.atomic
def membership_invite(
    *, tenant: Tenant, email: str, full_name: str, role: Role, team: Team, by: User | None
) -> Membership:
    """Add a person to the tenant; a new user gets an email to set their password."""
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    is_new_user = user is None
    if is_new_user:
        user = user_create(email=email, full_name=full_name)
    if Membership.objects.filter(tenant=tenant, user=user).exists():
        raise ValidationError({"email": f"{email} is already a member of {tenant.name}."})
    membership = Membership.objects.create(tenant=tenant, user=user, role=role, team=team, invited_by=by)
    if is_new_user:
        tasks.membership_send_invitation_task.delay_on_commit(tenant_id=tenant.pk, membership_id=membership.pk)
    return membership


def _ensure_an_admin_remains(membership: Membership, *, role: str, is_active: bool) -> None:
    loses_admin = membership.role == Role.ADMIN and membership.is_active and (role != Role.ADMIN or not is_active)
    if loses_admin and selectors.membership_count_admins(tenant=membership.tenant) <= 1:
        raise ValidationError(
            f"{membership.user} is the last admin of {membership.tenant.name}; make someone else admin first."
        )


def membership_update(*, membership: Membership, role: Role, team: Team, is_active: bool) -> Membership:
    _ensure_an_admin_remains(membership, role=role, is_active=is_active)
    membership.role, membership.team, membership.is_active = role, team, is_active
    membership.save(update_fields=["role", "team", "is_active"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    _ensure_an_admin_remains(membership, role="", is_active=False)
    ApiKey.objects.filter(tenant=membership.tenant, user=membership.user).update(revoked_at=timezone.now())
    membership.delete()


def membership_send_invitation(*, membership: Membership) -> None:
    """Email a link with which the invited person sets their password and signs in."""
    user = membership.user
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {"membership": membership, "link": settings.SITE_URL.rstrip("/") + path}
    send_mail(
        subject=f"You have been invited to {membership.tenant.name} on postsale",
        message=render_to_string("tenancy/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
    membership.invitation_sent_at = timezone.now()
    membership.save(update_fields=["invitation_sent_at"])


def api_key_create(
    *, tenant: Tenant, kind: ApiKeyKind, name: str, by: User, user: User | None = None
) -> tuple[ApiKey, str]:
    """A new credential and its secret; the secret is returned once and never stored."""
    if kind == ApiKeyKind.PERSONAL and user is None:
        raise ValidationError("A personal API token belongs to a user.")
    secret = SECRET_PREFIXES[kind] + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        tenant=tenant,
        kind=kind,
        name=name.strip() or "Unnamed key",
        user=user if kind == ApiKeyKind.PERSONAL else None,
        prefix=secret[:12],
        digest=selectors.secret_digest(secret),
        created_by=by,
    )
    return api_key, secret


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key


def api_key_authenticate(secret: str) -> ApiKey | None:
    """The credential a secret belongs to, if active, with its last-used time brought up to date."""
    api_key = selectors.api_key_find_by_secret(secret)
    if api_key is None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_PRECISION:
        ApiKey.objects.with_scope(tenant=api_key.tenant_id).filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
