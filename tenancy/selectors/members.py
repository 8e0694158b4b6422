"""Reads of memberships. Sign-in happens before any tenant is known, so the lookups that must cross
tenants say so with `scopes_disabled` and nothing else does."""

from django.db.models import QuerySet
from django_scopes import scopes_disabled

from ..models import Membership, Tenant, User


def membership_list_for_user(*, user: User) -> list[Membership]:
    """Every tenant the user may switch to, for the tenant switcher."""
    with scopes_disabled():
        return list(
            Membership.objects.filter(user=user, is_active=True).select_related("tenant").order_by("tenant__name")
        )


def membership_for_user(*, user: User, tenant_id: int | None) -> Membership | None:
    """The user's active membership in that tenant, or their first one when no tenant is named."""
    with scopes_disabled():
        memberships = Membership.objects.filter(user=user, is_active=True).select_related("tenant")
        if tenant_id is not None:
            return memberships.filter(tenant_id=tenant_id).first()
        return memberships.order_by("tenant__name").first()


def membership_list(*, tenant: Tenant) -> QuerySet[Membership]:
    return Membership.objects.filter(tenant=tenant).select_related("user", "invited_by").order_by("user__email")


def membership_get(*, tenant: Tenant, membership_id: int) -> Membership:
    return Membership.objects.select_related("user").get(tenant=tenant, pk=membership_id)


def membership_count_admins(*, tenant: Tenant) -> int:
    return Membership.objects.filter(tenant=tenant, role="admin", is_active=True, user__is_active=True).count()
