"""The contact's public pages: the preference centre and RFC 8058 one-click unsubscribe, without signing in."""

import pytest
from django.test import Client
from django_scopes import scope

from communications.models import EngagementEvent, PreferenceChange
from communications.selectors.preferences import contact_preferences
from communications.services.preferences import preference_link, unsubscribe_url

from .builders import at_local, contact_of, entry_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def jane(tenant_a, account):
    return contact_of(tenant_a, account, 1, name="Jane Roe", email="jane@acme.example")


@pytest.fixture
def john(tenant_a, account):
    return contact_of(tenant_a, account, 2, name="John Doe", email="john@acme.example")


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def links(tenant, contact, entry=None):
    with scope(tenant=tenant):
        return path_of(preference_link(contact=contact, entry=entry)), path_of(
            unsubscribe_url(contact=contact, entry=entry)
        )


def choices_of(tenant, contact):
    with scope(tenant=tenant):
        return contact_preferences(contact=contact)


def test_the_preference_centre_shows_only_this_contacts_choices(tenant_a, jane, john):
    page, _ = links(tenant_a, jane)

    response = Client().get(page)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Jane Roe" in body and "jane@acme.example" in body
    assert "John Doe" not in body and "john@acme.example" not in body
    assert 'data-testid="always-on"' in body
    assert 'name="transactional"' not in body
    assert 'name="promotional"' in body


def test_saving_choices_takes_effect_and_confirms(tenant_a, jane):
    page, _ = links(tenant_a, jane)
    client = Client(enforce_csrf_checks=True)
    client.get(page)
    form = {
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        "educational": "monthly",
        "relationship": "every",
        "promotional": "none",
        "operational": "every",
    }

    response = client.post(page, form, follow=True)

    assert response.status_code == 200
    assert 'data-testid="saved"' in response.content.decode()
    choices = choices_of(tenant_a, jane)
    assert (choices["educational"], choices["promotional"], choices["relationship"]) == ("monthly", "none", "every")
    with scope(tenant=tenant_a):
        assert set(PreferenceChange.objects.filter(tenant=tenant_a).values_list("source", flat=True)) == {
            "preference_centre"
        }


def test_an_unknown_choice_is_refused_and_nothing_changes(tenant_a, jane):
    page, _ = links(tenant_a, jane)

    response = Client().post(page, {"educational": "hourly", "relationship": "every", "promotional": "none"})

    assert response.status_code == 400
    assert "how often you want" in response.content.decode()
    assert set(choices_of(tenant_a, jane).values()) == {"every"}


def test_rfc_8058_one_click_post_unsubscribes_at_once(tenant_a, jane):
    entry = entry_for(tenant_a, jane.account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane])
    _, one_click = links(tenant_a, jane, entry)

    # What a mail client sends: a form-encoded body, no cookies, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        one_click, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    choices = choices_of(tenant_a, jane)
    assert (choices["promotional"], choices["educational"], choices["relationship"]) == ("none", "none", "every")
    with scope(tenant=tenant_a):
        assert PreferenceChange.objects.filter(tenant=tenant_a, source="one_click", entry=entry).count() == 2
        assert EngagementEvent.objects.filter(tenant=tenant_a, entry=entry, kind="unsubscribe").count() == 1


def test_a_get_only_asks_for_confirmation(tenant_a, jane):
    _, one_click = links(tenant_a, jane)

    response = Client().get(one_click)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="List-Unsubscribe" value="One-Click"' in body
    assert set(choices_of(tenant_a, jane).values()) == {"every"}


def test_a_post_without_the_one_click_body_changes_nothing(tenant_a, jane):
    _, one_click = links(tenant_a, jane)

    response = Client().post(one_click, {"something": "else"})

    assert response.status_code == 400
    assert set(choices_of(tenant_a, jane).values()) == {"every"}


def test_tampered_tokens_are_404(tenant_a, jane):
    page, one_click = links(tenant_a, jane)
    client = Client()

    for url in (page, one_click):
        mangled = url.rstrip("/")[:-3] + "abc/"
        assert client.get(mangled).status_code == 404
        assert client.post(mangled, {"List-Unsubscribe": "One-Click"}).status_code == 404
    assert set(choices_of(tenant_a, jane).values()) == {"every"}


def test_a_member_of_another_tenant_signed_in_sees_the_contact_page_only(tenant_a, jane, charlie, login):
    page, _ = links(tenant_a, jane)

    response = login(charlie).get(page)

    assert response.status_code == 200
    assert "Jane Roe" in response.content.decode()
