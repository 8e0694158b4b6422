"""Signing in, lockout, password reset, and API credentials."""

import base64
import re

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope
from rest_framework.test import APIClient

from tenancy import services
from tenancy.models import ApiKey, ApiKeyKind

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client, email, password):
    return client.post(reverse("login"), {"username": email, "password": password})


def test_sign_in_with_email_lands_on_home_in_own_tenant(client, alice, tenant_a):
    response = _sign_in(client, "ALICE@alpha.example", PASSWORD)
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 200
    assert tenant_a.name in home.content.decode()


def test_wrong_password_says_so_and_does_not_sign_in(client, alice):
    response = _sign_in(client, alice.email, "wrong")
    assert response.status_code == 200
    assert "correct email and password" in response.content.decode()
    assert client.get(reverse("dashboard:home")).status_code == 302


def test_lockout_after_repeated_failures(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, alice.email, "wrong").status_code == 200
    locked = _sign_in(client, alice.email, "wrong")
    assert locked.status_code == 429
    assert "too many failed sign-ins" in locked.content.decode()
    # Even the right password is refused while locked.
    assert _sign_in(client, alice.email, PASSWORD).status_code == 429
    assert client.get(reverse("dashboard:home")).status_code == 302


def test_password_reset_sends_a_working_link(client, alice):
    response = client.post(reverse("password_reset"), {"email": alice.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/password-reset/\S+/\S+/", mail.outbox[0].body).group(0)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    new_password = "a much better passphrase"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    assert _sign_in(client, alice.email, new_password).status_code == 302


def test_personal_token_authenticates_as_its_user_in_its_tenant(alice, tenant_a):
    with scope(tenant=tenant_a):
        api_key, secret = services.api_key_create(
            tenant=tenant_a, kind=ApiKeyKind.PERSONAL, name="cli", by=alice, user=alice
        )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == alice.email
    assert me.json()["tenant"]["slug"] == tenant_a.slug
    with scope(tenant=tenant_a):
        assert ApiKey.objects.get(pk=api_key.pk).last_used_at is not None


def test_only_the_digest_is_stored(alice, tenant_a):
    with scope(tenant=tenant_a):
        api_key, secret = services.api_key_create(tenant=tenant_a, kind=ApiKeyKind.WRITE_KEY, name="web", by=alice)
        stored = ApiKey.objects.get(pk=api_key.pk)
    assert secret not in (stored.digest, stored.prefix, stored.name)
    assert secret.startswith(stored.prefix)


def test_unknown_and_revoked_tokens_are_refused(alice, tenant_a):
    with scope(tenant=tenant_a):
        api_key, secret = services.api_key_create(
            tenant=tenant_a, kind=ApiKeyKind.PERSONAL, name="cli", by=alice, user=alice
        )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer pst_not-a-real-token")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The API key is unknown or has been revoked."

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/me/").status_code == 200
    with scope(tenant=tenant_a):
        services.api_key_revoke(api_key=api_key)
    assert client.get("/api/v1/me/").status_code == 401


def test_token_of_removed_member_stops_working(alice, bob, tenant_a, api_as):
    client = api_as(bob, tenant_a)
    assert client.get("/api/v1/me/").status_code == 200
    with scope(tenant=tenant_a):
        membership = bob.memberships.get()
        services.membership_update(membership=membership, role="csm", team="support", is_active=False)
    assert client.get("/api/v1/me/").status_code == 401


def _basic(write_key: str) -> str:
    # How the Segment and RudderStack SDKs send a write key.
    return "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()


def test_write_key_authenticates_for_ingestion_only(alice, tenant_a):
    with scope(tenant=tenant_a):
        api_key, secret = services.api_key_create(tenant=tenant_a, kind=ApiKeyKind.WRITE_KEY, name="web", by=alice)
    client = APIClient()
    for header in (_basic(secret), f"Bearer {secret}"):
        client.credentials(HTTP_AUTHORIZATION=header)
        whoami = client.get("/api/v1/whoami/")
        assert whoami.status_code == 200
        assert whoami.json() == {"tenant": tenant_a.slug, "credential": "write_key", "user": None}
        # A write key cannot read or change the tenant's data.
        assert client.get("/api/v1/members/").status_code == 403
        assert client.get("/api/v1/tenant/").status_code == 403
    with scope(tenant=tenant_a):
        services.api_key_revoke(api_key=api_key)
    client.credentials(HTTP_AUTHORIZATION=_basic(secret))
    assert client.get("/api/v1/whoami/").status_code == 401


def test_write_key_revoked_in_the_browser(alice, tenant_a, login):
    web = login(alice)
    page = web.post(reverse("tenancy:write_key_list"), {"name": "Web app (Segment)"}, follow=True)
    secret = re.search(r"psw_[\w-]+", page.content.decode()).group(0)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=_basic(secret))
    assert client.get("/api/v1/whoami/").status_code == 200
    # Shown once: the list no longer carries it.
    assert secret not in web.get(reverse("tenancy:write_key_list")).content.decode()
    with scope(tenant=tenant_a):
        key = ApiKey.objects.get(kind=ApiKeyKind.WRITE_KEY)
    web.post(reverse("tenancy:api_key_revoke", args=[key.pk]))
    assert client.get("/api/v1/whoami/").status_code == 401


def _token(user, tenant, kind=ApiKeyKind.PERSONAL) -> str:
    with scope(tenant=tenant):
        _key, secret = services.api_key_create(
            tenant=tenant, kind=kind, name="t", by=user, user=user if kind == ApiKeyKind.PERSONAL else None
        )
    return secret


ACCOUNT = {"external_id": "x-1", "name": "Mixed Ltd", "segment": "smb", "acv": "1000", "seats_purchased": "1"}


def test_a_session_with_someone_elses_token_is_refused_on_pages_and_api(alice, charlie, tenant_a, tenant_b):
    """Before: the page wrote the row as alice (the session) in charlie's tenant (the token)."""
    from accounts.models import Account

    web = APIClient()
    web.force_login(alice)
    web.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(charlie, tenant_b)}")
    page = web.post(reverse("accounts:account_create"), ACCOUNT)
    assert page.status_code == 400
    assert "a request acts as one person" in page.content.decode()
    assert web.get(reverse("accounts:index")).status_code == 400
    api = web.post("/api/v1/accounts/", {**ACCOUNT, "arr": "1000"}, format="json")
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "two_identities"
    assert "a request acts as one person" in api.json()["error"]["message"]
    # A write key is not a person either.
    web.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(charlie, tenant_b, ApiKeyKind.WRITE_KEY)}")
    assert web.post(reverse("accounts:account_create"), ACCOUNT).status_code == 400
    for tenant in (tenant_a, tenant_b):
        with scope(tenant=tenant):
            assert not Account.objects.exists()


def test_a_session_with_its_own_token_acts_as_that_one_person(alice, tenant_a):
    web = APIClient()
    web.force_login(alice)
    web.credentials(HTTP_AUTHORIZATION=f"Bearer {_token(alice, tenant_a)}")
    me = web.get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["email"] == alice.email
    # Each credential alone still works.
    web.credentials()
    assert web.get("/api/v1/me/").json()["email"] == alice.email
