"""Joining a tenant by invitation: nobody becomes a member without accepting an emailed, signed, expiring,
single-use link; the admin sees only the invited address until then, and can send it again or withdraw it."""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from tenancy import services
from tenancy.models import Invitation, InvitationStatus, Membership, Role, Team, User

from ..factories import PASSWORD, UserFactory, add_member

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/invitations/(\S+)/")


def _invite(tenant, email, by, *, role=Role.CSM, team=Team.SUPPORT, capture):
    with capture(execute=True), scope(tenant=tenant):
        return services.invitation_create(tenant=tenant, email=email, role=role, team=team, by=by)


def _link_in_last_mail() -> str:
    return "/invitations/" + LINK.search(mail.outbox[-1].body).group(1) + "/"


def _membership(tenant, email):
    with scope(tenant=tenant):
        return Membership.objects.filter(user__email=email).first()


# The admin's side


def test_admin_invites_by_email_and_nobody_joins_before_accepting(
    alice, login, tenant_a, django_capture_on_commit_callbacks
):
    web = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(
            reverse("tenancy:member_invite"), {"email": "New.Person@alpha.example", "role": "csm", "team": "support"}
        )
    assert response.status_code == 302
    assert _membership(tenant_a, "new.person@alpha.example") is None
    with scope(tenant=tenant_a):
        invitation = Invitation.objects.get(email="new.person@alpha.example")
    assert (invitation.role, invitation.team, invitation.invited_by) == (Role.CSM, Team.SUPPORT, alice)
    assert invitation.status == InvitationStatus.PENDING
    assert invitation.expires_at - invitation.sent_at == timedelta(days=7)
    assert mail.outbox[0].to == ["new.person@alpha.example"]
    assert "Alice Admin invited you to join Tenant Alpha" in mail.outbox[0].body
    page = web.get(reverse("tenancy:member_list")).content.decode()
    assert 'data-testid="pending-invitations"' in page and "new.person@alpha.example" in page


def test_inviting_an_existing_user_shows_no_name_until_they_accept(
    alice, tenant_a, tenant_b, login, api_as, django_capture_on_commit_callbacks
):
    # Dana works at tenant B; tenant A's admin knows only her address.
    dana = UserFactory(email="dana@bravo.example", full_name="Dana Secretname")
    add_member(tenant_b, dana, Role.CSM)
    _invite(tenant_a, dana.email, alice, capture=django_capture_on_commit_callbacks)
    assert _membership(tenant_a, dana.email) is None
    page = login(alice).get(reverse("tenancy:member_list")).content.decode()
    assert dana.email in page and "Secretname" not in page
    api = api_as(alice, tenant_a)
    for url in ("/api/v1/invitations/", "/api/v1/members/"):
        body = api.get(url).content.decode()
        assert "Secretname" not in body, url
    assert api.get("/api/v1/invitations/").json()["results"][0]["email"] == dana.email


@override_settings(INVITATION_MAX_AGE_DAYS=2)
def test_the_link_lifetime_is_configurable(alice, tenant_a, django_capture_on_commit_callbacks):
    invitation = _invite(tenant_a, "short@alpha.example", alice, capture=django_capture_on_commit_callbacks)
    with scope(tenant=tenant_a):
        invitation.refresh_from_db()
    assert invitation.expires_at - invitation.sent_at == timedelta(days=2)


def test_inviting_a_member_or_an_invited_address_again_says_so(
    alice, bob, login, tenant_a, django_capture_on_commit_callbacks
):
    web = login(alice)
    response = web.post(reverse("tenancy:member_invite"), {"email": bob.email, "role": "viewer", "team": "sales"})
    assert f"{bob.email} is already a member of Tenant Alpha." in response.content.decode()
    _invite(tenant_a, "twice@alpha.example", alice, capture=django_capture_on_commit_callbacks)
    response = web.post(
        reverse("tenancy:member_invite"), {"email": "twice@alpha.example", "role": "csm", "team": "sales"}
    )
    assert "has an invitation already" in response.content.decode()


def test_resend_replaces_the_link_and_revoke_withdraws_it(alice, login, tenant_a, django_capture_on_commit_callbacks):
    invitation = _invite(tenant_a, "carl@alpha.example", alice, capture=django_capture_on_commit_callbacks)
    first_link = _link_in_last_mail()
    web = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        web.post(reverse("tenancy:invitation_resend", args=[invitation.pk]))
    second_link = _link_in_last_mail()
    assert len(mail.outbox) == 2 and first_link != second_link
    web.logout()
    assert web.get(first_link).status_code == 404  # replaced by the newer link
    assert web.get(second_link).status_code == 200
    login(alice).post(reverse("tenancy:invitation_revoke", args=[invitation.pk]))
    refused = web.get(second_link)
    assert refused.status_code == 410
    assert "This invitation was withdrawn." in refused.content.decode()
    assert "carl@alpha.example" not in login(alice).get(reverse("tenancy:member_list")).content.decode()


# The invited person's side


def test_a_new_person_sets_name_and_password_and_joins(client, alice, tenant_a, django_capture_on_commit_callbacks):
    _invite(tenant_a, "erin@alpha.example", alice, capture=django_capture_on_commit_callbacks)
    link = _link_in_last_mail()
    page = client.get(link).content.decode()
    assert "Choose your name and a password" in page
    mismatch = client.post(link, {"full_name": "Erin", "password1": PASSWORD, "password2": PASSWORD + "x"})
    assert "The two passwords differ." in mismatch.content.decode()
    weak = client.post(link, {"full_name": "Erin", "password1": "123", "password2": "123"})
    assert weak.status_code == 200 and "password" in weak.content.decode().lower()
    assert _membership(tenant_a, "erin@alpha.example") is None
    response = client.post(link, {"full_name": "Erin Example", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    membership = _membership(tenant_a, "erin@alpha.example")
    assert (membership.role, membership.team, membership.user.full_name) == (Role.CSM, Team.SUPPORT, "Erin Example")
    assert membership.user.check_password(PASSWORD)
    # Signed in, in the tenant she joined.
    assert 'data-testid="current-tenant">Tenant Alpha<' in client.get(reverse("dashboard:home")).content.decode()


def test_an_existing_user_signs_in_and_accepts(client, alice, tenant_a, tenant_b, django_capture_on_commit_callbacks):
    dana = UserFactory(email="dana@bravo.example", full_name="Dana Bravo")
    add_member(tenant_b, dana, Role.CSM)
    _invite(tenant_a, "Dana@Bravo.example", alice, role=Role.VIEWER, capture=django_capture_on_commit_callbacks)
    link = _link_in_last_mail()
    asks = client.get(link).content.decode()
    assert "Sign in to accept" in asks and "Choose your name" not in asks
    # Without signing in, nobody can take over her account by posting a password.
    client.post(link, {"full_name": "Mallory", "password1": PASSWORD + "m", "password2": PASSWORD + "m"})
    dana.refresh_from_db()
    assert dana.full_name == "Dana Bravo" and _membership(tenant_a, dana.email) is None
    client.force_login(dana)
    assert "Accept and join Tenant Alpha" in client.get(link).content.decode()
    assert _membership(tenant_a, dana.email) is None  # opening the link is not consent
    assert client.post(link).status_code == 302
    assert _membership(tenant_a, dana.email).role == Role.VIEWER
    assert _membership(tenant_b, dana.email).role == Role.CSM


def test_a_used_link_is_refused(client, alice, tenant_a, django_capture_on_commit_callbacks):
    _invite(tenant_a, "once@alpha.example", alice, capture=django_capture_on_commit_callbacks)
    link = _link_in_last_mail()
    client.post(link, {"full_name": "Once", "password1": PASSWORD, "password2": PASSWORD})
    client.logout()
    again = client.get(link)
    assert again.status_code == 410
    assert "accepted already; a link works only once" in again.content.decode()


def test_an_expired_link_is_refused(client, alice, tenant_a, django_capture_on_commit_callbacks):
    invitation = _invite(tenant_a, "late@alpha.example", alice, capture=django_capture_on_commit_callbacks)
    link = _link_in_last_mail()
    with scope(tenant=tenant_a):
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(link, {"full_name": "Late", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 410
    assert "This invitation expired on" in response.content.decode()
    assert _membership(tenant_a, "late@alpha.example") is None


def test_a_revoked_invitation_cannot_be_accepted_even_by_a_signed_in_invitee(
    client, alice, tenant_a, django_capture_on_commit_callbacks
):
    gus = UserFactory(email="gus@example.com")
    invitation = _invite(tenant_a, gus.email, alice, capture=django_capture_on_commit_callbacks)
    link = _link_in_last_mail()
    with scope(tenant=tenant_a):
        services.invitation_revoke(invitation=invitation)
        with pytest.raises(ValidationError, match="withdrawn"):
            services.invitation_accept(invitation=invitation, user=gus)
    client.force_login(gus)
    assert client.post(link).status_code == 410
    assert _membership(tenant_a, gus.email) is None


def test_a_tampered_or_forged_link_is_refused(client, alice, tenant_a, tenant_b, django_capture_on_commit_callbacks):
    _invite(tenant_a, "fay@alpha.example", alice, capture=django_capture_on_commit_callbacks)
    link = _link_in_last_mail()
    token = link.split("/")[2]
    assert client.get(link.replace(token, token[:-2] + "xx")).status_code == 404
    assert client.get("/invitations/not-a-token/").status_code == 404


# Other tenants


def test_another_tenants_admin_cannot_see_resend_revoke_or_accept(
    alice, charlie, tenant_a, tenant_b, login, api_as, django_capture_on_commit_callbacks
):
    invitation = _invite(tenant_a, "hal@alpha.example", alice, capture=django_capture_on_commit_callbacks)
    link = _link_in_last_mail()
    web = login(charlie)
    assert "hal@alpha.example" not in web.get(reverse("tenancy:member_list")).content.decode()
    assert web.post(reverse("tenancy:invitation_resend", args=[invitation.pk])).status_code == 404
    assert web.post(reverse("tenancy:invitation_revoke", args=[invitation.pk])).status_code == 404
    api = api_as(charlie, tenant_b)
    assert api.get("/api/v1/invitations/").json()["count"] == 0
    assert api.get(f"/api/v1/invitations/{invitation.pk}/").status_code == 404
    assert api.post(f"/api/v1/invitations/{invitation.pk}/resend/").status_code == 404
    assert api.delete(f"/api/v1/invitations/{invitation.pk}/").status_code == 404
    # Signed in as someone else, charlie cannot accept hal's invitation with the link.
    refused = web.post(link)
    assert refused.status_code == 403
    assert "This invitation is for hal@alpha.example" in refused.content.decode()
    assert _membership(tenant_a, charlie.email) is None
    with scope(tenant=tenant_a):
        invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING and len(mail.outbox) == 1


def test_a_bob_csm_cannot_invite(bob, login, api_as, tenant_a):
    assert login(bob).get(reverse("tenancy:member_invite")).status_code == 403
    api = api_as(bob, tenant_a)
    assert api.post("/api/v1/invitations/", {"email": "x@alpha.example", "role": "admin"}).status_code == 403
    assert api.get("/api/v1/invitations/").status_code == 403


# The API


def test_api_invites_resends_and_revokes(alice, tenant_a, api_as, django_capture_on_commit_callbacks):
    api = api_as(alice, tenant_a)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/v1/invitations/", {"email": "ivy@alpha.example", "role": "csm"}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["email"], body["status"], body["invited_by"]) == ("ivy@alpha.example", "pending", alice.email)
    assert created["Location"] == f"/api/v1/invitations/{body['id']}/"
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/v1/invitations/{body['id']}/resend/").status_code == 202
    assert len(mail.outbox) == 2
    assert api.delete(f"/api/v1/invitations/{body['id']}/").status_code == 204
    assert api.get(f"/api/v1/invitations/{body['id']}/").json()["status"] == "revoked"
    again = api.post(f"/api/v1/invitations/{body['id']}/resend/")
    assert again.status_code == 400 and "is revoked" in again.json()["error"]["message"]


def test_api_members_post_makes_an_invitation_not_a_member(
    alice, tenant_a, tenant_b, api_as, django_capture_on_commit_callbacks
):
    jo = UserFactory(email="jo@bravo.example", full_name="Jo Hidden")
    add_member(tenant_b, jo, Role.CSM)
    api = api_as(alice, tenant_a)
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/v1/members/", {"email": jo.email, "role": "csm", "full_name": "X"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "pending" and "full_name" not in created.json()
    assert _membership(tenant_a, jo.email) is None
    assert mail.outbox[0].to == [jo.email]


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), reason="row locks")
def test_two_submits_of_one_link_make_one_person_and_one_member(tenant_a, alice):
    """The second submit waits for the first one's lock on the invitation, then finds it accepted (before,
    it failed on the address the first one had just taken)."""
    with scope(tenant=tenant_a):
        invitation = services.invitation_create(
            tenant=tenant_a, email="twin@alpha.example", role=Role.CSM, team=Team.SUPPORT, by=alice, send=False
        )
        services.invitation_send(invitation=invitation)
    first_in, release = threading.Event(), threading.Event()
    errors, refusals = [], []

    def first():
        try:
            with transaction.atomic():
                services.invitation_accept_as_new_person(invitation=invitation, full_name="One", password=PASSWORD)
                first_in.set()
                release.wait(20)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            first_in.set()
            connection.close()

    def second():
        try:
            first_in.wait(20)
            services.invitation_accept_as_new_person(invitation=invitation, full_name="Two", password=PASSWORD)
        except ValidationError as refusal:
            refusals.extend(refusal.messages)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    # The first commits only once PostgreSQL shows the second waiting (asked from this thread: a
    # transaction sees pg_stat_activity as it was when it first looked), so the race is the one under test.
    first_in.wait(20)
    deadline = time.monotonic() + 20
    while not (raced := _waiting_on_a_lock()) and time.monotonic() < deadline:
        time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert raced
    assert refusals == ["This invitation has been accepted already; a link works only once. Sign in instead."]
    assert list(User.objects.filter(email="twin@alpha.example").values_list("full_name", flat=True)) == ["One"]
    with scope(tenant=tenant_a):
        assert Membership.objects.filter(user__email="twin@alpha.example").count() == 1


def test_the_members_page_says_how_many_more_invitations_are_pending(tenant_a, alice, login, monkeypatch):
    from workspace.views import members

    monkeypatch.setattr(members, "MEMBERS_PER_PAGE", 2)
    with scope(tenant=tenant_a):
        for n in range(3):
            services.invitation_create(
                tenant=tenant_a, email=f"new{n}@alpha.example", role=Role.CSM, team=Team.CUSTOMER_SUCCESS, by=alice
            )
    response = login(alice).get(reverse("tenancy:member_list"))
    assert len(response.context["invitations"]) == 2
    assert "and 1 older pending invitation" in response.content.decode()
