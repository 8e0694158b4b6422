"""Writes with rules on memberships: a role, a team, leaving a tenant (and what ends with it)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import selectors
from ..events import run_in_transaction
from ..models import ApiKey, ApiKeyKind, Membership, Role, Team
from ..signals import membership_ended


def _ensure_an_admin_remains(membership: Membership, *, role: str, is_active: bool) -> None:
    loses_admin = membership.role == Role.ADMIN and membership.is_active and (role != Role.ADMIN or not is_active)
    if loses_admin and selectors.membership_count_admins(tenant=membership.tenant) <= 1:
        raise ValidationError(
            f"{membership.user} is the last admin of {membership.tenant.name}; make someone else admin first."
        )


def membership_end_credentials(*, membership: Membership) -> None:
    """The one place a membership's end goes through (removal and deactivation alike): the person's
    personal API tokens here are revoked and every app destroys its own credentials of theirs (calendar
    feeds), for good. Reactivating or inviting them again gives nothing back: they make new ones."""
    ApiKey.objects.filter(
        tenant=membership.tenant, user=membership.user, kind=ApiKeyKind.PERSONAL, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    run_in_transaction(membership_ended, tenant=membership.tenant, user_id=membership.user_id)


@transaction.atomic
def membership_update(*, membership: Membership, role: Role, team: Team, is_active: bool) -> Membership:
    _ensure_an_admin_remains(membership, role=role, is_active=is_active)
    ends = membership.is_active and not is_active
    membership.role, membership.team, membership.is_active = role, team, is_active
    membership.save(update_fields=["role", "team", "is_active"])
    if ends:
        membership_end_credentials(membership=membership)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    _ensure_an_admin_remains(membership, role="", is_active=False)
    membership_end_credentials(membership=membership)
    membership.delete()
