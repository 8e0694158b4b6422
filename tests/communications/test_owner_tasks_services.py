"""The outbox's task for a call is an activities.Task of source cadence_step: it links back to its calendar
entry, and cancelling the entry cancels it (with why)."""

from django.urls import reverse
from django_scopes import scope

from activities.models import TaskStatus
from communications import services
from communications.selectors.owner_tasks import owner_task_of_entry
from communications.services.owner_tasks import owner_task_open

from .builders import contact_of, entry_for, make_account, monday


def test_a_call_task_links_to_its_entry_and_is_cancelled_with_it(tenant_a, bob, login):
    account = make_account(tenant_a, 1, owner=bob)
    jane = contact_of(tenant_a, account, 1, name="Jane Roe")
    call = entry_for(tenant_a, account, at=monday(tenant_a), contacts=[jane], channel="call", by=bob)
    with scope(tenant=tenant_a):
        task = owner_task_open(entry=call, note="Call Jane Roe")
        # Opened twice (a retried delivery): the same task.
        assert owner_task_open(entry=call, note="Call Jane Roe").pk == task.pk
    assert task.source_url == reverse("communications:entry", args=[call.pk])
    assert login(bob).get(task.source_url).status_code == 200

    with scope(tenant=tenant_a):
        services.entry_cancel(entry=call, by=bob, reason="The customer rescheduled")
        cancelled = owner_task_of_entry(tenant=tenant_a, entry=call)
    assert cancelled.status == TaskStatus.CANCELLED
    assert cancelled.outcome_note == "Cancelled with its calendar entry: The customer rescheduled"
