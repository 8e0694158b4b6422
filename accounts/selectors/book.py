"""Reads of the book of business (accounts, contacts, who may own them) that the pages, the API, the exports
and the other apps share."""

from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from tenancy.models import Membership, Role, Tenant, User

from ..models import Account, AccountStatus, Contact

ZERO = Decimal(0)


def account_list(*, tenant: Tenant) -> QuerySet[Account]:
    return Account.objects.filter(tenant=tenant).select_related("owner", "service_tier", "parent")


def account_get(*, tenant: Tenant, account_id: int) -> Account:
    return account_list(tenant=tenant).get(pk=account_id)


def account_get_by_external_id(*, tenant: Tenant, external_id: str) -> Account:
    return account_list(tenant=tenant).get(external_id=external_id)


def account_descendant_ids(*, tenant: Tenant, account: Account) -> list[int]:
    """Every account below this one in the hierarchy, level by level (hierarchies are shallow)."""
    found: list[int] = []
    level = [account.pk]
    while level:
        level = [
            pk
            for pk in Account.objects.filter(tenant=tenant, parent_id__in=level).values_list("pk", flat=True)
            if pk not in found and pk != account.pk
        ]
        found.extend(level)
    return found


def account_rollup(*, tenant: Tenant, account: Account) -> dict:
    """The account with everything below it: ARR, ACV, seats and counts."""
    ids = [account.pk, *account_descendant_ids(tenant=tenant, account=account)]
    totals = Account.objects.filter(tenant=tenant, pk__in=ids, status=AccountStatus.ACTIVE).aggregate(
        arr=Coalesce(Sum("arr"), ZERO),
        acv=Coalesce(Sum("acv"), ZERO),
        seats=Coalesce(Sum("seats_purchased"), 0),
        accounts=Count("pk"),
    )
    totals["contacts"] = Contact.objects.filter(tenant=tenant, account_id__in=ids, is_active=True).count()
    totals["descendants"] = len(ids) - 1
    return totals


def contact_list(*, tenant: Tenant) -> QuerySet[Contact]:
    return Contact.objects.filter(tenant=tenant).select_related("account")


def contact_get(*, tenant: Tenant, contact_id: int) -> Contact:
    return contact_list(tenant=tenant).get(pk=contact_id)


def contact_role_q(role: str) -> Q:
    """Contacts holding `role` among the comma-separated roles they have."""
    return (
        Q(roles=role) | Q(roles__startswith=f"{role},") | Q(roles__endswith=f",{role}") | Q(roles__contains=f",{role},")
    )


def assignable_owners(*, tenant: Tenant) -> QuerySet[User]:
    """People who can own accounts: the tenant's active CSMs, leaders and admins."""
    members = Membership.objects.filter(
        tenant=tenant, is_active=True, role__in=[Role.CSM, Role.LEADER, Role.ADMIN]
    ).values("user_id")
    return User.objects.filter(pk__in=members, is_active=True).order_by("full_name", "email")


def assignable_owner(*, tenant: Tenant, user_id: int | None) -> User | None:
    """One of the people who can own accounts (the owner a filter or a form names), or None."""
    if not user_id:
        return None
    return assignable_owners(tenant=tenant).filter(pk=user_id).first()
