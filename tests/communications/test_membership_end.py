"""A membership's end takes its credentials for good: removed or deactivated, a member's personal API
tokens and calendar feeds stop working, and re-adding or reactivating them gives nothing back. And a new
token's secret is shown once, in the response that made it, and kept nowhere (not in the session)."""

import pytest
from django.urls import reverse
from django_scopes import scope

from communications.models import CalendarFeed
from communications.services import feeds as feed_services
from tenancy import services
from tenancy.models import ApiKey, ApiKeyKind, Membership, Role

from ..accounts.builders import make_account
from ..factories import UserFactory, add_member

pytestmark = pytest.mark.django_db


def _credentials(tenant, user):
    """bob's token, his own feed and a feed of one account he made: three secrets that work now."""
    with scope(tenant=tenant):
        _key, token = services.api_key_create(
            tenant=tenant, kind=ApiKeyKind.PERSONAL, name="script", by=user, user=user
        )
        account = make_account(tenant, user.pk)
        _feed, own = feed_services.feed_create(tenant=tenant, kind="user", by=user)
        _feed, one = feed_services.feed_create(tenant=tenant, kind="account", by=user, account=account)
    feeds = [reverse("communications:feed_ics", kwargs={"token": secret}) for secret in (own, one)]
    return token, feeds


def _works(client, token, feeds) -> list[bool]:
    api = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    return [api, *(client.get(url).status_code == 200 for url in feeds)]


def _bobs(tenant, bob) -> Membership:
    with scope(tenant=tenant):
        return Membership.objects.get(user=bob)


def test_removed_member_loses_tokens_and_feeds_and_re_adding_gives_nothing_back(alice, bob, tenant_a, login, client):
    token, feeds = _credentials(tenant_a, bob)
    assert _works(client, token, feeds) == [True, True, True]
    login(alice).post(reverse("tenancy:member_remove", args=[_bobs(tenant_a, bob).pk]))
    assert _works(client, token, feeds) == [False, False, False]
    with scope(tenant=tenant_a):
        assert not CalendarFeed.objects.filter(tenant=tenant_a).exists()
    add_member(tenant_a, bob, Role.CSM)
    assert _works(client, token, feeds) == [False, False, False]


def test_deactivated_member_loses_them_and_reactivation_revives_none(alice, bob, tenant_a, login, client):
    token, feeds = _credentials(tenant_a, bob)
    web = login(alice)
    edit = reverse("tenancy:member_edit", args=[_bobs(tenant_a, bob).pk])
    web.post(edit, {"role": "csm", "team": "customer_success"})  # the box unticked: inactive
    assert _works(client, token, feeds) == [False, False, False]
    web.post(edit, {"role": "csm", "team": "customer_success", "is_active": "on"})
    assert _bobs(tenant_a, bob).is_active
    assert _works(client, token, feeds) == [False, False, False]
    with scope(tenant=tenant_a):
        assert ApiKey.objects.get(user=bob).revoked_at is not None


def test_deactivation_through_the_api_goes_the_same_way(alice, bob, tenant_a, api_as, client):
    token, feeds = _credentials(tenant_a, bob)
    admin = api_as(alice, tenant_a)
    member = f"/api/v1/members/{_bobs(tenant_a, bob).pk}/"
    assert admin.patch(member, {"is_active": False}, format="json").status_code == 200
    assert admin.patch(member, {"is_active": True}, format="json").status_code == 200
    assert _works(client, token, feeds) == [False, False, False]


def test_a_role_change_keeps_credentials(alice, bob, tenant_a, login, client):
    token, feeds = _credentials(tenant_a, bob)
    login(alice).post(
        reverse("tenancy:member_edit", args=[_bobs(tenant_a, bob).pk]),
        {"role": "leader", "team": "customer_success", "is_active": "on"},
    )
    assert _works(client, token, feeds) == [True, True, True]


def test_other_members_and_other_tenants_keep_theirs(alice, bob, charlie, tenant_a, tenant_b, login, client):
    add_member(tenant_b, bob, Role.VIEWER)
    own_token, own_feeds = _credentials(tenant_a, alice)
    b_token, b_feeds = _credentials(tenant_b, bob)
    login(alice).post(reverse("tenancy:member_remove", args=[_bobs(tenant_a, bob).pk]))
    assert _works(client, own_token, own_feeds) == [True, True, True]
    assert _works(client, b_token, b_feeds) == [True, True, True]


@pytest.mark.parametrize("page", ["tenancy:my_tokens", "tenancy:write_key_list"])
def test_a_new_secret_is_shown_once_and_never_stored_in_the_session(page, alice, tenant_a, login):
    web = login(alice)
    created = web.post(reverse(page), {"name": "Laptop script"})
    assert created.status_code == 200
    html = created.content.decode()
    secret = html.split('data-testid="new-secret">')[1].split("<")[0].strip()
    assert secret.startswith(("pst_", "psw_"))
    assert "no-store" in created["Cache-Control"]
    assert secret not in repr(dict(web.session.items()))
    listed = web.get(reverse(page)).content.decode()
    assert "Laptop script" in listed and secret not in listed


def test_the_operators_django_admin_ends_memberships_the_same_way(bob, tenant_a, client):
    token, feeds = _credentials(tenant_a, bob)
    operator = UserFactory(email="ops@example.com")
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client.force_login(operator)
    membership = _bobs(tenant_a, bob)
    change = reverse("admin:tenancy_membership_change", args=[membership.pk])
    data = {
        "user": bob.pk,
        "role": "csm",
        "team": "customer_success",
        "created_at_0": "2026-01-01",
        "created_at_1": "09:00:00",
    }  # is_active left out: unticked
    assert client.post(change, data).status_code == 302
    assert not _bobs(tenant_a, bob).is_active
    client.logout()
    assert _works(client, token, feeds) == [False, False, False]

    other = UserFactory(email="other@alpha.example")
    add_member(tenant_a, other, Role.CSM)
    token, feeds = _credentials(tenant_a, other)
    client.force_login(operator)
    with scope(tenant=tenant_a):
        others = Membership.objects.get(user=other)
    delete = reverse("admin:tenancy_membership_delete", args=[others.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    client.logout()
    assert _works(client, token, feeds) == [False, False, False]
