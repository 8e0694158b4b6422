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
