import datetime as dt

import pytest
from django.core import mail
from playwright.sync_api import expect

from communications.models import EntryStatus
from tenancy.leases import task_lease

from ..communications.builders import (
    WorkerKilled,
    contact_of,
    entry_for,
    make_account,
    monday,
    reload_entry,
    send_due,
    sent_to,
)
from ..factories import PASSWORD

pytestmark = pytest.mark.browser


def test_the_owner_of_a_partly_sent_entry_sends_it_to_the_contact_it_did_not_reach(page, tenant_a, bob, settings):
    hooli = make_account(tenant_a, 1, owner=bob)
    jane = contact_of(tenant_a, hooli, 1, name="Jane Roe")
    john = contact_of(tenant_a, hooli, 2, name="John Doe")
    entry = entry_for(tenant_a, hooli, at=monday(tenant_a), contacts=[jane, john], by=bob, subject="Tips")
    # The worker sending it is killed after handing Jane's message over; the next one sends John's.
    settings.EMAIL_BACKEND = "tests.communications.builders.DyingBackend"
    with pytest.raises(WorkerKilled):
        send_due(tenant_a, monday(tenant_a, 10, 1))
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_due(tenant_a, monday(tenant_a, 10, 1) + task_lease() + dt.timedelta(seconds=1))
    mail.outbox.clear()

    page.goto("/login/")
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/communications/entries/{entry.pk}/")
    expect(page.get_by_test_id(f"partly-sent-{entry.pk}")).to_have_text("partly sent")
    expect(page.get_by_test_id("partly-sent")).to_contain_text("reached 1 of 2 contacts; 1 not reached")
    page.get_by_role("button", name="Send to the 1 not reached").click()

    expect(page.get_by_role("alert").filter(has_text="Sending again to Jane Roe")).to_be_visible()
    expect(page.get_by_test_id("partly-sent")).to_have_count(0)
    entry = reload_entry(tenant_a, entry)
    assert entry.status == EntryStatus.SCHEDULED
    send_due(tenant_a, entry.scheduled_at + dt.timedelta(seconds=1))
    assert sent_to() == [jane.email]
