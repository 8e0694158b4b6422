"""A checkpoint's to-do is its activities.Task: the runway makes one per checkpoint (on its compressed day after
a late start, for the account's owner), closing it anywhere (the inbox) is completing the checkpoint and the
forecast sees it, and the task links back to the checkpoint's place on its renewal's runway."""

from django.urls import reverse
from django_scopes import scope

from activities.models import TaskSource, TaskStatus
from activities.services.tasks import task_close
from renewals.models import CheckpointStatus
from renewals.services.forecast import renewals_refresh_forecast

from .builders import checkpoints_of, contract_for, make_account, reload_renewal, renewal_of, today_of


def test_the_runway_makes_a_task_per_checkpoint_on_its_day(tenant_a, bob):
    account = make_account(tenant_a, 1, segment="enterprise", owner=bob)
    renewal = renewal_of(tenant_a, contract_for(tenant_a, account, days_to_end=45, known_days_before_end=45))
    checkpoints = checkpoints_of(tenant_a, renewal)
    assert len(checkpoints) >= 4 and any(c.is_compressed for c in checkpoints)
    for checkpoint in checkpoints:
        task = checkpoint.task
        assert (task.source, task.source_id) == (TaskSource.RENEWAL_CHECKPOINT, checkpoint.pk)
        assert task.source_key == f"renewal_checkpoint:{checkpoint.pk}"
        assert (task.owner_id, task.account_id, task.status) == (bob.pk, account.pk, TaskStatus.OPEN)
        assert (task.title, task.details) == (checkpoint.title, checkpoint.description)
        # A late start compresses the day the task is due, never the day the runway planned.
        assert task.due_on == checkpoint.due_on >= today_of(tenant_a)


def test_the_task_links_back_to_the_checkpoint_on_its_runway(tenant_a, bob, login):
    account = make_account(tenant_a, 1, owner=bob)
    renewal = renewal_of(tenant_a, contract_for(tenant_a, account, days_to_end=200))
    checkpoint = checkpoints_of(tenant_a, renewal)[0]
    assert checkpoint.task.source_url == reverse("renewals:checkpoint", args=[checkpoint.pk])
    response = login(bob).get(checkpoint.task.source_url)
    assert response.status_code == 302
    assert response.url == f"{reverse('renewals:renewal', args=[renewal.pk])}#checkpoint-{checkpoint.pk}"


def test_closing_the_tasks_in_the_inbox_completes_the_checkpoints_and_the_forecast_sees_it(
    tenant_a, bob, django_capture_on_commit_callbacks
):
    # Known 200 days before the end, now 45 days out: T-180 to T-60 have passed undone.
    account = make_account(tenant_a, 1, segment="enterprise", owner=bob)
    renewal = renewal_of(tenant_a, contract_for(tenant_a, account, days_to_end=45, known_days_before_end=200))
    with scope(tenant=tenant_a):
        # The nightly refresh, today: the runway opened 155 days ago.
        renewals_refresh_forecast(tenant=tenant_a, today=today_of(tenant_a))
    renewal = reload_renewal(tenant_a, renewal)
    assert any("checkpoints overdue" in reason for reason in renewal.suggestion_reasons)
    overdue = [c for c in checkpoints_of(tenant_a, renewal) if c.is_overdue(today_of(tenant_a))]
    assert len(overdue) == 4  # T-180, T-120, T-90 and T-60
    with django_capture_on_commit_callbacks(execute=True), scope(tenant=tenant_a):
        for checkpoint in overdue:
            task_close(tenant=tenant_a, task=checkpoint.task, status=TaskStatus.DONE, by=bob, note="Done late")
    statuses = {c.pk: (c.status, c.note, c.completed_by) for c in checkpoints_of(tenant_a, renewal)}
    assert all(statuses[c.pk] == (CheckpointStatus.DONE, "Done late", bob) for c in overdue)
    assert not any("overdue" in reason for reason in reload_renewal(tenant_a, renewal).suggestion_reasons)
