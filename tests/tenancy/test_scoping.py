import pytest
from django_scopes import ScopeError, scope, scopes_disabled

from tenancy.models import ApiKey, Membership

from ..factories import UserFactory, add_member


def test_unscoped_query_on_tenant_owned_model_raises(alice):
    with pytest.raises(ScopeError):
        list(Membership.objects.all())
    with pytest.raises(ScopeError):
        ApiKey.objects.filter(name="x").exists()


def test_related_access_is_scoped_too(alice):
    # A reverse relation uses the scoped manager: no way around the scope through a user.
    with pytest.raises(ScopeError):
        list(alice.memberships.all())


def test_scope_limits_rows_to_its_tenant(tenant_a, tenant_b, alice, charlie):
    shared = UserFactory(email="both@example.com")
    add_member(tenant_a, shared, "viewer")
    add_member(tenant_b, shared, "csm")
    with scope(tenant=tenant_a):
        assert set(Membership.objects.values_list("user__email", flat=True)) == {alice.email, shared.email}
    with scope(tenant=tenant_b):
        assert set(Membership.objects.values_list("user__email", flat=True)) == {charlie.email, shared.email}
    with scopes_disabled():
        assert Membership.objects.count() == 4


def test_tenant_owned_indexes_lead_with_tenant():
    from django.apps import apps

    from tenancy.models import TenantOwned

    for model in apps.get_models():
        if not issubclass(model, TenantOwned):
            continue
        led_by_tenant = (
            [i for i in model._meta.indexes if i.fields and i.fields[0] == "tenant"]
            + [c for c in model._meta.constraints if getattr(c, "fields", ()) and c.fields[0] == "tenant"]
            + [
                c
                for c in model._meta.constraints
                if getattr(c, "expressions", ()) and "tenant" in str(c.expressions[0])
            ]
        )
        assert led_by_tenant, f"{model.__name__} needs an index led by tenant: its tenant column has none of its own"
        for index in model._meta.indexes:
            assert index.fields[0] == "tenant", f"{model.__name__}.{index.name} must start with tenant"
        for constraint in model._meta.constraints:
            fields = getattr(constraint, "fields", ())
            if fields:
                assert fields[0] == "tenant", f"{model.__name__}.{constraint.name} must start with tenant"
