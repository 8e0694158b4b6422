"""The tenant admin's pages and the tenant switcher, as a person uses them."""

import pytest
from django.urls import reverse
from django_scopes import scope

from tenancy import selectors, services
from tenancy.models import Membership, Role, Team, Tenant

from ..factories import TenantFactory, UserFactory, add_member

pytestmark = pytest.mark.django_db


def test_inviting_an_existing_member_says_so(alice, bob, login):
    response = login(alice).post(
        reverse("tenancy:member_invite"), {"email": bob.email, "role": "viewer", "team": "sales"}
    )
    assert response.status_code == 200
    assert f"{bob.email} is already a member of Tenant Alpha." in response.content.decode()


def test_the_last_admin_cannot_be_demoted_or_removed(alice, login, tenant_a):
    with scope(tenant=tenant_a):
        own = Membership.objects.get(user=alice)
    web = login(alice)
    response = web.post(reverse("tenancy:member_edit", args=[own.pk]), {"role": "csm", "team": "customer_success"})
    assert "is the last admin of Tenant Alpha" in response.content.decode()
    response = web.post(reverse("tenancy:member_remove", args=[own.pk]), follow=True)
    assert "is the last admin of Tenant Alpha" in response.content.decode()
    with scope(tenant=tenant_a):
        assert Membership.objects.get(pk=own.pk).role == Role.ADMIN


def test_removing_a_member_revokes_their_tokens(alice, bob, login, tenant_a, api_as):
    bob_api = api_as(bob, tenant_a)
    with scope(tenant=tenant_a):
        bob_membership = Membership.objects.get(user=bob)
    login(alice).post(reverse("tenancy:member_remove", args=[bob_membership.pk]))
    assert bob_api.get("/api/v1/me/").status_code == 401
    with scope(tenant=tenant_a):
        assert not Membership.objects.filter(user=bob).exists()


def test_member_list_costs_the_same_for_five_or_fifty(alice, login, tenant_a, django_assert_max_num_queries):
    web = login(alice)
    for n in range(5):
        add_member(tenant_a, UserFactory(), Role.CSM)
    with django_assert_max_num_queries(12) as few:
        web.get(reverse("tenancy:member_list"))
    for n in range(45):
        add_member(tenant_a, UserFactory(), Role.VIEWER)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = web.get(reverse("tenancy:member_list"))
    assert response.content.decode().count("/remove/") == 50


def test_member_list_searches_and_paginates(alice, login, tenant_a):
    for n in range(55):
        add_member(tenant_a, UserFactory(email=f"csm{n:02d}@alpha.example"), Role.CSM)
    web = login(alice)
    first = web.get(reverse("tenancy:member_list")).content.decode()
    assert "Page 1 of 2" in first
    found = web.get(reverse("tenancy:member_list"), {"q": "csm07"}).content.decode()
    assert "csm07@alpha.example" in found and "csm08@alpha.example" not in found
    empty = web.get(reverse("tenancy:member_list"), {"q": "nobody-like-this"}).content.decode()
    assert "No member matches" in empty


def test_switching_tenant_changes_what_the_user_sees(alice, tenant_a, login):
    tenant_c = TenantFactory(name="Tenant Charlie Corp", slug="charlie-corp")
    add_member(tenant_c, alice, Role.VIEWER)
    web = login(alice)
    assert "Tenant Alpha" in web.get(reverse("dashboard:home")).content.decode()
    response = web.post(reverse("tenancy:tenant_switch"), {"tenant_id": tenant_c.pk}, follow=True)
    page = response.content.decode()
    assert 'data-testid="current-tenant">Tenant Charlie Corp<' in page
    # As a viewer there, the admin pages are closed to her.
    assert web.get(reverse("tenancy:admin_home")).status_code == 403
    alice.refresh_from_db()
    assert alice.last_tenant == tenant_c


def test_cannot_switch_into_a_tenant_one_is_not_in(alice, tenant_b, login):
    response = login(alice).post(reverse("tenancy:tenant_switch"), {"tenant_id": tenant_b.pk}, follow=True)
    assert "You are not a member of that tenant." in response.content.decode()
    assert 'data-testid="current-tenant">Tenant Alpha<' in response.content.decode()


def test_admin_creates_a_new_tenant_and_becomes_its_admin(alice, login):
    web = login(alice)
    response = web.post(
        reverse("tenancy:tenant_list"),
        {"name": "Alpha EMEA", "slug": "alpha-emea", "time_zone": "Europe/Paris", "currency": "eur"},
    )
    assert response.status_code == 302
    tenant = Tenant.objects.get(slug="alpha-emea")
    assert tenant.currency == "EUR"
    assert 'data-testid="current-tenant">Alpha EMEA<' in web.get(reverse("dashboard:home")).content.decode()


def test_tenant_settings_validate_currency(alice, login, tenant_a):
    response = login(alice).post(
        reverse("tenancy:tenant_settings"), {"name": "Alpha", "time_zone": "Europe/Berlin", "currency": "EURO"}
    )
    assert "is not a currency code: use three letters such as EUR or USD." in response.content.decode()
    tenant_a.refresh_from_db()
    assert tenant_a.currency == "EUR"


def test_user_without_tenant_sees_why(client):
    lonely = UserFactory(email="lonely@example.com")
    client.force_login(lonely)
    response = client.get(reverse("dashboard:home"), follow=True)
    assert "You are not in any tenant yet" in response.content.decode()


def test_every_section_renders_for_every_role(tenant_a, alice, member_of, login):
    pages = [
        "dashboard:home",
        "dashboard:reports",
        "accounts:index",
        "journeys:index",
        "health:index",
        "renewals:index",
        "communications:index",
        "playbooks:index",
        "tenancy:my_tokens",
        "tenancy:tenant_list",
    ]
    for role in Role:
        web = login(member_of(role))
        for name in pages:
            assert web.get(reverse(name)).status_code == 200, (role, name)


def test_my_tokens_shows_a_new_token_once(bob, login, tenant_a):
    web = login(bob)
    created = web.post(reverse("tenancy:my_tokens"), {"name": "Laptop script"}, follow=True).content.decode()
    assert 'data-testid="new-secret">pst_' in created
    # A reload shows the list without the secret and creates nothing.
    listed = web.get(reverse("tenancy:my_tokens")).content.decode()
    assert "Laptop script" in listed and 'data-testid="new-secret"' not in listed
    with scope(tenant=tenant_a):
        assert selectors.api_key_list(tenant=tenant_a, kind="personal", user=bob).count() == 1


def test_times_are_shown_in_the_tenants_zone(alice, login, tenant_a):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    with scope(tenant=tenant_a):
        key, _ = services.api_key_create(tenant=tenant_a, kind="write_key", name="web", by=alice)
        key.created_at = datetime(2026, 1, 15, 23, 30, tzinfo=ZoneInfo("UTC"))
        key.save()
    page = login(alice).get(reverse("tenancy:write_key_list")).content.decode()
    # Berlin is UTC+1 in January: the key was made just after midnight local time.
    assert "16 Jan 2026, 00:30" in page


def test_admin_changes_a_members_role_and_team(alice, bob, login, tenant_a):
    with scope(tenant=tenant_a):
        bobs = Membership.objects.get(user=bob)
    web = login(alice)
    form = web.get(reverse("tenancy:member_edit", args=[bobs.pk])).content.decode()
    assert 'value="csm" selected' in form
    response = web.post(
        reverse("tenancy:member_edit", args=[bobs.pk]), {"role": "leader", "team": "sales", "is_active": "on"}
    )
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        bobs.refresh_from_db()
    assert (bobs.role, bobs.team, bobs.is_active) == (Role.LEADER, Team.SALES, True)
