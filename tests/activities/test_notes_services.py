"""Logging a note on an account."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope

from activities.selectors import notes as selectors

from .builders import make_account, make_note


def test_a_note_is_logged_with_its_author_and_moment(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    when = timezone.now() - dt.timedelta(hours=2)
    note = make_note(tenant_a, account=account, author=bob, kind="meeting", body="  QBR went well ", happened_at=when)
    with scope(tenant=tenant_a):
        assert list(selectors.account_notes(tenant=tenant_a, account_id=account.pk)) == [note]
    assert (note.kind, note.body, note.author, note.happened_at) == ("meeting", "QBR went well", bob, when)


@pytest.mark.parametrize(
    ("fields", "error_on"),
    [
        ({"body": "  "}, "body"),
        ({"kind": "fax"}, "kind"),
        ({"happened_at": timezone.now() + dt.timedelta(days=1)}, "happened_at"),
    ],
)
def test_a_note_needs_a_body_a_kind_and_a_past_moment(tenant_a, bob, fields, error_on):
    account = make_account(tenant_a, 1)
    with pytest.raises(ValidationError) as error:
        make_note(tenant_a, account=account, author=bob, **fields)
    assert error_on in error.value.message_dict
