"""A worker killed mid-send: the entry ends partly sent (a flag and how many it reached of how many), and its
owner may send it again to the contacts it did not reach, from its page or the API; nobody it reached gets
it twice, and nobody else may ask for it."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scope

from communications.models import DeliveryStatus, EntryStatus
from tenancy.leases import task_lease
from tenancy.models import Role

from .builders import WorkerKilled, contact_of, deliveries, entry_for, monday, reload_entry, send_due, sent_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def partly_sent(tenant_a, account, jane, bob, settings):
    """An entry of bob's to Jane, John and Max whose worker was killed after handing Jane's message over;
    the worker that took its claim over sent John's and Max's."""
    john = contact_of(tenant_a, account, 2, name="John Doe")
    max_ = contact_of(tenant_a, account, 3, name="Max Moe")
    entry = entry_for(tenant_a, account, at=monday(tenant_a), contacts=[jane, john, max_], by=bob)
    start = monday(tenant_a, 10, 1)
    settings.EMAIL_BACKEND = "tests.communications.builders.DyingBackend"
    with pytest.raises(WorkerKilled):
        send_due(tenant_a, start)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_due(tenant_a, start + task_lease() + dt.timedelta(seconds=1))
    assert sorted(sent_to()) == sorted([jane.email, john.email, max_.email])
    mail.outbox.clear()
    return reload_entry(tenant_a, entry)


def test_the_page_and_the_api_show_it_partly_sent_with_its_reach(tenant_a, partly_sent, bob, login, api_as):
    page = login(bob).get(partly_sent.get_absolute_url()).content.decode()
    assert "partly sent" in page
    assert "reached 2 of 3 contacts; 1 not reached" in page
    assert "Send to the 1 not reached" in page
    body = api_as(bob, tenant_a).get(f"/api/v1/calendar-entries/{partly_sent.pk}/").json()
    assert (body["status"], body["partly_sent"], body["unreached_count"]) == ("sent", True, 1)
    assert (body["deliveries"]["reached"], body["deliveries"]["total"]) == (2, 3)


def test_its_owner_sends_it_again_to_the_unreached_only(tenant_a, partly_sent, jane, bob, login):
    response = login(bob).post(reverse("communications:entry_resend", args=[partly_sent.pk]), follow=True)
    assert response.status_code == 200 and "Sending again to Jane Roe" in response.content.decode()
    entry = reload_entry(tenant_a, partly_sent)
    assert (entry.status, entry.unreached_count, entry.is_partly_sent) == (EntryStatus.SCHEDULED, 0, False)

    send_due(tenant_a, entry.scheduled_at + dt.timedelta(seconds=1))

    assert sent_to() == [jane.email]  # John and Max are not sent it twice
    entry = reload_entry(tenant_a, entry)
    assert (entry.status, entry.unreached_count, entry.status_reason) == (EntryStatus.SENT, 0, "")
    assert [d.status for d in deliveries(tenant_a, entry)] == [DeliveryStatus.SENT] * 3
    # Nothing is left to send again.
    again = login(bob).post(reverse("communications:entry_resend", args=[entry.pk]), follow=True)
    assert "reached everyone it could" in again.content.decode()
    assert reload_entry(tenant_a, entry).status == EntryStatus.SENT


def test_the_api_sends_it_again_and_refuses_an_entry_that_is_not_partly_sent(tenant_a, partly_sent, jane, bob, api_as):
    api = api_as(bob, tenant_a)
    body = api.post(f"/api/v1/calendar-entries/{partly_sent.pk}/resend/").json()
    assert (body["status"], body["partly_sent"]) == ("scheduled", False)
    refused = api.post(f"/api/v1/calendar-entries/{partly_sent.pk}/resend/")
    assert refused.status_code == 400 and "Only a partly sent entry" in refused.content.decode()


def test_only_its_owner_a_leader_or_an_admin_may_send_it_again(
    tenant_a, tenant_b, partly_sent, member_of, charlie, login, api_as
):
    page = reverse("communications:entry_resend", args=[partly_sent.pk])
    api = f"/api/v1/calendar-entries/{partly_sent.pk}/resend/"
    other_csm, viewer = member_of(Role.CSM), member_of(Role.VIEWER)
    for user in (other_csm, viewer):
        assert login(user).post(page).status_code == 403
        assert api_as(user, tenant_a).post(api).status_code == 403
        assert "Send to the 1 not reached" not in login(user).get(partly_sent.get_absolute_url()).content.decode()
    # Another tenant's admin does not learn it exists.
    assert login(charlie).post(page).status_code == 404
    assert api_as(charlie, tenant_b).post(api).status_code == 404
    assert reload_entry(tenant_a, partly_sent).is_partly_sent
    leader = member_of(Role.LEADER)
    assert login(leader).post(page).status_code == 302
    with scope(tenant=tenant_a):
        assert reload_entry(tenant_a, partly_sent).status == EntryStatus.SCHEDULED
