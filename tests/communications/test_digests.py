"""Digests: messages a contact's preference collected go out together, once, when the period is over."""

import pytest
from django.core import mail
from django_scopes import scope

from communications import services
from communications.models import Delivery, DeliveryStatus, Digest, PreferenceChange
from communications.services import digests, outbox

from .builders import at_local, contact_of, entry_for, make_account

pytestmark = pytest.mark.django_db


def _setup(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    john = contact_of(tenant_a, account, 2, name="John Doe")
    ann = contact_of(tenant_a, account, 3, name="Ann Lee")
    with scope(tenant=tenant_a):
        services.preference_set(
            contact=john, message_type="educational", choice="weekly", source=PreferenceChange.Source.STAFF
        )
    return account, john, ann


def test_a_weekly_digest_carries_the_weeks_held_messages_once_the_week_is_over(tenant_a, bob):
    account, john, ann = _setup(tenant_a, bob)
    # Monday 2 and Wednesday 4 December 2030: two educational emails to John (weekly digest) and Ann (every one).
    for day, subject in ((2, "Tip one: saved reports"), (4, "Tip two: alerts")):
        entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, day, 10), contacts=[john, ann], subject=subject)
        with scope(tenant=tenant_a):
            outbox.outbox_send_due(tenant=tenant_a, now=at_local(tenant_a, 2030, 12, day, 10, 5))
    assert sorted(m.to[0] for m in mail.outbox) == [ann.email, ann.email]

    with scope(tenant=tenant_a):
        during = digests.digests_send_due(tenant=tenant_a, now=at_local(tenant_a, 2030, 12, 8, 20))
        after = digests.digests_send_due(tenant=tenant_a, now=at_local(tenant_a, 2030, 12, 9, 9))
        again = digests.digests_send_due(tenant=tenant_a, now=at_local(tenant_a, 2030, 12, 9, 10))
        digest = Digest.objects.get(tenant=tenant_a, contact=john)
        carried = set(Delivery.objects.filter(tenant=tenant_a, digest=digest).values_list("subject", flat=True))

    assert (during, after, again) == (0, 1, 0)
    [message] = [m for m in mail.outbox if m.to == [john.email]]
    assert message.subject == "Your weekly digest from Tenant Alpha: 2 messages"
    assert "Tip one: saved reports" in message.body and "Tip two: alerts" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (digest.period, digest.status, digest.item_count) == ("2030-W49", DeliveryStatus.SENT, 2)
    assert carried == {"Tip one: saved reports", "Tip two: alerts"}


def test_digest_periods():
    import datetime as dt

    day = dt.date(2026, 12, 1)
    assert digests.digest_period("weekly", day) == "2026-W49"
    assert digests.digest_period("monthly", day) == "2026-12"
    assert digests.digest_period("quarterly", day) == "2026-Q4"
    assert digests.digest_period("weekly", dt.date(2027, 1, 1)) == "2026-W53"
