"""Contact preferences: choices per message type, what the outbox may send, one-click unsubscribe, links."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django_scopes import scope

from communications.models import EngagementEvent, EngagementKind, PreferenceChange
from communications.selectors.preferences import contact_preferences
from communications.services.preferences import (
    BadLink,
    contact_from_link,
    list_unsubscribe_headers,
    preference_allows,
    preference_link,
    preference_set,
    suppression_reason,
    unsubscribe_one_click,
    unsubscribe_url,
)

from .builders import at_local, contact_of, entry_for, make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def jane(tenant_a, bob):
    return contact_of(tenant_a, make_account(tenant_a, 1, owner=bob), 1, name="Jane Roe")


def changes(tenant, contact):
    with scope(tenant=tenant):
        return list(
            PreferenceChange.objects.filter(tenant=tenant, contact=contact)
            .order_by("id")
            .values_list("message_type", "from_choice", "to_choice", "source", "entry")
        )


def test_no_choice_means_every_message(tenant_a, jane):
    with scope(tenant=tenant_a):
        assert set(contact_preferences(contact=jane).values()) == {"every"}
        assert all(preference_allows(contact=jane, message_type=t) for t in contact_preferences(contact=jane))


def test_a_digest_or_none_holds_the_single_message_back(tenant_a, jane, bob):
    with scope(tenant=tenant_a):
        assert preference_set(contact=jane, message_type="educational", choice="weekly", source="staff", by=bob)
        preference_set(contact=jane, message_type="promotional", choice="none", source="staff", by=bob)

        assert not preference_allows(contact=jane, message_type="educational")
        assert not preference_allows(contact=jane, message_type="promotional")
        assert preference_allows(contact=jane, message_type="relationship")
        assert suppression_reason(contact=jane, message_type="educational") == "collected for the weekly digest"
        assert suppression_reason(contact=jane, message_type="promotional") == "Jane Roe chose no promotional messages."
        assert contact_preferences(contact=jane)["educational"] == "weekly"
    assert changes(tenant_a, jane) == [
        ("educational", "every", "weekly", "staff", None),
        ("promotional", "every", "none", "staff", None),
    ]


def test_setting_the_same_choice_again_records_nothing(tenant_a, jane):
    with scope(tenant=tenant_a):
        preference_set(contact=jane, message_type="educational", choice="monthly", source="api")
        assert not preference_set(contact=jane, message_type="educational", choice="monthly", source="api")
    assert len(changes(tenant_a, jane)) == 1


def test_transactional_is_always_allowed_and_cannot_be_turned_off(tenant_a, jane):
    with scope(tenant=tenant_a):
        with pytest.raises(ValidationError):
            preference_set(contact=jane, message_type="transactional", choice="none", source="staff")
        unsubscribe_one_click(contact=jane)
        assert preference_allows(contact=jane, message_type="transactional")
        assert contact_preferences(contact=jane)["transactional"] == "every"


def test_one_click_unsubscribes_from_marketing_only_and_records_it(tenant_a, jane):
    entry = entry_for(tenant_a, jane.account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane])
    with scope(tenant=tenant_a):
        assert unsubscribe_one_click(contact=jane, entry=entry)
        assert not unsubscribe_one_click(contact=jane, entry=entry)
        choices = contact_preferences(contact=jane)
        events = list(EngagementEvent.objects.filter(tenant=tenant_a, entry=entry).values_list("kind", "contact"))

    assert (choices["promotional"], choices["educational"]) == ("none", "none")
    assert (choices["relationship"], choices["operational"]) == ("every", "every")
    assert changes(tenant_a, jane) == [
        ("promotional", "every", "none", "one_click", entry.pk),
        ("educational", "every", "none", "one_click", entry.pk),
    ]
    # A second click (mail clients retry) is not a second unsubscribe.
    assert events == [(EngagementKind.UNSUBSCRIBE, jane.pk)]


def test_one_click_without_an_entry_records_no_engagement(tenant_a, jane):
    with scope(tenant=tenant_a):
        unsubscribe_one_click(contact=jane)
        assert not EngagementEvent.objects.filter(tenant=tenant_a).exists()
    assert len(changes(tenant_a, jane)) == 2


def test_links_are_absolute_signed_and_name_the_contact_and_entry(tenant_a, jane):
    entry = entry_for(tenant_a, jane.account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane])
    with scope(tenant=tenant_a):
        link = preference_link(contact=jane, entry=entry)
        one_click = unsubscribe_url(contact=jane)
        headers = list_unsubscribe_headers(contact=jane, entry=entry)

    assert link.startswith(settings.SITE_URL.rstrip("/") + "/communications/p/")
    assert one_click.startswith(settings.SITE_URL.rstrip("/") + "/communications/u/")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert contact_from_link(token) == (jane, entry)
    assert contact_from_link(one_click.rstrip("/").rsplit("/", 1)[1]) == (jane, None)


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xy", lambda t: "x" + t, lambda t: "set-password"])
def test_a_tampered_token_is_a_bad_link(tenant_a, jane, mangle):
    with scope(tenant=tenant_a):
        token = preference_link(contact=jane).rstrip("/").rsplit("/", 1)[1]
    with pytest.raises(BadLink):
        contact_from_link(mangle(token))
