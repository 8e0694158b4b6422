"""Reading runs: a playbook's, an account's, one run with its actions and what they made."""

from django.db.models import Prefetch, QuerySet

from activities.models import Task, TaskSource
from activities.models.tasks import LIVE
from tenancy.models import Tenant

from ..models import Playbook, PlaybookRun, RunAction


def runs_filtered(
    *,
    tenant: Tenant,
    playbook_id: int | None = None,
    account_id: int | None = None,
    status: str = "",
) -> QuerySet[PlaybookRun]:
    """Runs, newest first, with their playbook, account and the person who ran it by hand."""
    runs = PlaybookRun.objects.filter(tenant=tenant).select_related("playbook", "account", "by")
    if playbook_id is not None:
        runs = runs.filter(playbook_id=playbook_id)
    if account_id is not None:
        runs = runs.filter(account_id=account_id)
    if status:
        runs = runs.filter(status=status)
    return runs


def run_get(*, tenant: Tenant, run_id: int) -> PlaybookRun:
    """One run with its actions (in order), its playbook, account and who ran it."""
    return (
        PlaybookRun.objects.select_related("playbook", "account", "by")
        .prefetch_related(Prefetch("action_results", queryset=RunAction.objects.filter(tenant=tenant)))
        .get(tenant=tenant, pk=run_id)
    )


def run_tasks(*, tenant: Tenant, run: PlaybookRun) -> list[Task]:
    """The tasks a run made, whatever became of them."""
    return list(
        Task.objects.filter(tenant=tenant, source=TaskSource.PLAYBOOK_RUN, source_id=run.pk).select_related("owner")
    )


def account_runs(*, tenant: Tenant, account_id: int, limit: int = 10) -> list[PlaybookRun]:
    """An account's latest runs that did something or were held (skipped ones say nothing about it)."""
    return list(runs_filtered(tenant=tenant, account_id=account_id).exclude(status="skipped")[:limit])


def account_open_tasks(*, tenant: Tenant, account_id: int) -> list[Task]:
    """The live tasks playbooks made for an account, with the run (and playbook) each came from."""
    tasks = list(
        Task.objects.filter(
            tenant=tenant, account_id=account_id, source=TaskSource.PLAYBOOK_RUN, status__in=LIVE
        ).select_related("owner")
    )
    runs = {
        run.pk: run
        for run in PlaybookRun.objects.filter(tenant=tenant, pk__in=[t.source_id for t in tasks]).select_related(
            "playbook"
        )
    }
    for task in tasks:
        task.run = runs.get(task.source_id or 0)  # type: ignore[attr-defined]  # the card links it
    return tasks


def playbook_runs(*, tenant: Tenant, playbook: Playbook) -> QuerySet[PlaybookRun]:
    return runs_filtered(tenant=tenant, playbook_id=playbook.pk)
