"""Role permissions, through the helpers and through the pages and API that use them."""

from types import SimpleNamespace

import pytest
from django.urls import reverse
from django_scopes import scope

from tenancy import services
from tenancy.models import ApiKey, ApiKeyKind, Membership, Role
from tenancy.permissions import Capability, membership_can

pytestmark = pytest.mark.django_db


def _membership(role: Role, user_id: int = 1) -> Membership:
    return Membership(role=role, user_id=user_id, is_active=True)


@pytest.mark.parametrize(
    ("role", "view", "edit_own", "edit_others", "manage", "configure"),
    [
        (Role.VIEWER, True, False, False, False, False),
        (Role.CSM, True, True, False, False, False),
        (Role.LEADER, True, True, True, True, False),
        (Role.ADMIN, True, True, True, True, True),
    ],
)
def test_role_matrix(role, view, edit_own, edit_others, manage, configure):
    member = _membership(role, user_id=7)
    own, others = SimpleNamespace(owner_id=7), SimpleNamespace(owner_id=8)
    assert membership_can(member, Capability.VIEW) is view
    assert membership_can(member, Capability.EDIT, own) is edit_own
    assert membership_can(member, Capability.EDIT, others) is edit_others
    assert membership_can(member, Capability.MANAGE) is manage
    assert membership_can(member, Capability.CONFIGURE) is configure


def test_inactive_or_missing_membership_may_do_nothing():
    inactive = Membership(role=Role.ADMIN, user_id=1, is_active=False)
    for capability in Capability:
        assert not membership_can(inactive, capability)
        assert not membership_can(None, capability)


def test_viewer_cannot_write_through_the_api(member_of, api_as, tenant_a, alice):
    viewer = member_of(Role.VIEWER)
    client = api_as(viewer, tenant_a)
    assert client.get("/api/v1/tenant/").status_code == 200
    response = client.patch("/api/v1/tenant/", {"name": "Renamed"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    response = client.post("/api/v1/members/", {"email": "x@example.com", "role": "csm"}, format="json")
    assert response.status_code == 403
    tenant_a.refresh_from_db()
    assert tenant_a.name == "Tenant Alpha"


def test_csm_cannot_revoke_another_csms_token(bob, member_of, tenant_a, login):
    other_csm = member_of(Role.CSM)
    with scope(tenant=tenant_a):
        token, _ = services.api_key_create(
            tenant=tenant_a, kind=ApiKeyKind.PERSONAL, name="theirs", by=other_csm, user=other_csm
        )
    response = login(bob).post(reverse("tenancy:api_key_revoke", args=[token.pk]))
    assert response.status_code == 403
    with scope(tenant=tenant_a):
        assert ApiKey.objects.get(pk=token.pk).revoked_at is None


def test_csm_cannot_see_another_csms_token_in_the_api(bob, member_of, tenant_a, api_as):
    other_csm = member_of(Role.CSM)
    with scope(tenant=tenant_a):
        token, _ = services.api_key_create(
            tenant=tenant_a, kind=ApiKeyKind.PERSONAL, name="theirs", by=other_csm, user=other_csm
        )
    client = api_as(bob, tenant_a)
    assert client.delete(f"/api/v1/api-tokens/{token.pk}/").status_code == 404
    names = [k["name"] for k in client.get("/api/v1/api-tokens/").json()["results"]]
    assert names == ["test"]


def test_csm_revokes_own_token(bob, tenant_a, login):
    with scope(tenant=tenant_a):
        token, _ = services.api_key_create(tenant=tenant_a, kind=ApiKeyKind.PERSONAL, name="mine", by=bob, user=bob)
    response = login(bob).post(reverse("tenancy:api_key_revoke", args=[token.pk]))
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        assert ApiKey.objects.get(pk=token.pk).revoked_at is not None


def test_leader_cannot_configure(member_of, tenant_a, login, api_as, alice):
    leader = member_of(Role.LEADER)
    web = login(leader)
    for name in ("admin_home", "tenant_settings", "member_list", "member_invite", "write_key_list"):
        assert web.get(reverse(f"tenancy:{name}")).status_code == 403, name
    api = api_as(leader, tenant_a)
    assert api.get("/api/v1/members/").status_code == 200
    assert api.post("/api/v1/members/", {"email": "x@example.com", "role": "csm"}, format="json").status_code == 403
    assert api.post("/api/v1/write-keys/", {"name": "k"}, format="json").status_code == 403
    assert api.get("/api/v1/write-keys/").status_code == 403


def test_admin_configures(alice, login):
    web = login(alice)
    for name in ("admin_home", "tenant_settings", "member_list", "member_invite", "write_key_list"):
        assert web.get(reverse(f"tenancy:{name}")).status_code == 200, name
