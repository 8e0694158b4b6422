"""Titles of calendar entries and tasks show what is known of the account: "Expansion conversation with
{{ account.name }}" reads "Expansion conversation with Account 001" on the calendar, on a task and in a
calendar feed; only the recipient's fields, unknown before a contact is chosen, stay placeholders."""

import datetime as dt
import re

import icalendar
import pytest
from django.urls import reverse
from django_scopes import scope

from communications.models import FeedKind
from communications.services import feeds
from communications.services.owner_tasks import owner_task_note
from core import text

from ..renewals.builders import contract_for, renewal_of
from .builders import at_local, entry_for

pytestmark = pytest.mark.django_db

EXPANSION = "Expansion conversation with {{ account.name }}"
RENEWAL = "Your renewal on {{ renewal.date }}"


def _soon(tenant, days=3):
    day = dt.date.today() + dt.timedelta(days=days)
    return at_local(tenant, day.year, day.month, day.day, 10)


@pytest.fixture
def renewal_day(tenant_a, account):
    with scope(tenant=tenant_a):
        return renewal_of(tenant_a, contract_for(tenant_a, account, days_to_end=60)).due_on


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def test_calendar_titles_show_the_accounts_fields(tenant_a, account, jane, bob, login, renewal_day):
    entry_for(tenant_a, account, at=_soon(tenant_a), contacts=[jane], subject=EXPANSION, by=bob)
    entry_for(tenant_a, account, at=_soon(tenant_a, 4), contacts=[jane], subject=RENEWAL, by=bob)
    entry_for(tenant_a, account, at=_soon(tenant_a, 5), contacts=[jane], subject="Hi {{ contact.first_name }}", by=bob)
    client = login(bob)
    day = text.day(renewal_day)
    for url in (reverse("communications:index") + "?view=list", reverse("communications:index")):
        page = _text(client.get(url))
        assert "Expansion conversation with Account 001" in page
        assert f"Your renewal on {day}" in page
        assert "Hi [first name]" in page  # the recipient is not known in a title
        assert "[account name]" not in page and "[renewal date]" not in page and "{{" not in page


def test_an_entrys_page_and_its_tasks_note_show_the_account(tenant_a, account, jane, bob, login):
    entry = entry_for(tenant_a, account, at=_soon(tenant_a), contacts=[jane], subject=EXPANSION, channel="call", by=bob)
    page = _text(login(bob).get(entry.get_absolute_url()))
    assert "<title>Expansion conversation with Account 001" in page
    with scope(tenant=tenant_a):
        note = owner_task_note(entry=entry, reachable=[jane], held=[])
    assert note == "Call Jane Roe: Expansion conversation with Account 001"


def test_a_calendar_feed_shows_the_account_in_its_summaries(tenant_a, account, jane, bob, renewal_day, client):
    entry_for(tenant_a, account, at=_soon(tenant_a), contacts=[jane], subject=RENEWAL, by=bob)
    with scope(tenant=tenant_a):
        _feed, secret = feeds.feed_create(tenant=tenant_a, kind=FeedKind.USER, by=bob)
    response = client.get(reverse("communications:feed_ics", kwargs={"token": secret}))
    (event,) = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]).endswith(f"Your renewal on {text.day(renewal_day)}")
