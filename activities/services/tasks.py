"""Every write to a task: made by hand or by an app (once per source occurrence), closed, snoozed, reassigned,
alone or in bulk."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account
from core import tenant_time
from tenancy.models import Tenant, User

from ..models import NoteKind, Priority, Task, TaskKind, TaskSource, TaskStatus
from ..models.tasks import CLOSED, LIVE
from ..signals import announce_task_closed
from .notes import note_log

# What a closed task's note becomes on the account's timeline.
NOTE_KIND_OF_TASK = {
    TaskKind.CALL: NoteKind.CALL,
    TaskKind.MEETING: NoteKind.MEETING,
    TaskKind.EMAIL: NoteKind.EMAIL,
    TaskKind.TO_DO: NoteKind.NOTE,
}


@dataclass
class TaskDraft:
    """A task an app wants made; with a `source_key`, at most once however often it is asked."""

    title: str
    due_on: dt.date
    owner_id: int | None = None
    account_id: int | None = None
    details: str = ""
    kind: str = TaskKind.TO_DO
    priority: str = Priority.NORMAL
    source: str = TaskSource.MANUAL
    source_id: int | None = None
    source_key: str = ""
    due_at: dt.datetime | None = None
    created_by_id: int | None = None

    @classmethod
    def by_hand(cls, data: dict, *, owner: User | None, by: User) -> "TaskDraft":
        """A task someone wrote (the form's or the API's cleaned fields): no source but the person."""
        account = data.get("account")
        return cls(
            title=data["title"],
            details=data.get("details", ""),
            kind=data.get("kind", TaskKind.TO_DO),
            priority=data.get("priority", Priority.NORMAL),
            due_on=data["due_on"],
            account_id=account.pk if account else None,
            owner_id=owner.pk if owner else None,
            created_by_id=by.pk,
        )

    def row(self, tenant: Tenant) -> Task:
        return Task(
            tenant=tenant,
            title=self.title[:200],
            due_on=self.due_on,
            owner_id=self.owner_id,
            account_id=self.account_id,
            details=self.details,
            kind=self.kind,
            priority=self.priority,
            source=self.source,
            source_id=self.source_id,
            source_key=self.source_key[:160],
            due_at=self.due_at,
            created_by_id=self.created_by_id,
        )


def _check(draft: TaskDraft) -> None:
    errors = {}
    if not draft.title.strip():
        errors["title"] = "A task needs a title."
    if draft.priority not in Priority.values:
        errors["priority"] = f"Unknown priority {draft.priority!r}."
    if draft.kind not in TaskKind.values:
        errors["kind"] = f"Unknown kind {draft.kind!r}."
    if errors:
        raise ValidationError(errors)


def task_create(*, tenant: Tenant, draft: TaskDraft) -> tuple[Task, bool]:
    """Make the task, or find the one its source occurrence made already: (task, created)."""
    _check(draft)
    if draft.source_key:
        found = Task.objects.filter(tenant=tenant, source_key=draft.source_key).first()
        if found is not None:
            return found, False
    try:
        # A savepoint: a concurrent maker of the same occurrence wins the unique key, and we take its task.
        with transaction.atomic():
            task = draft.row(tenant)
            task.save()
            return task, True
    except IntegrityError:
        if not draft.source_key:
            raise
        return Task.objects.get(tenant=tenant, source_key=draft.source_key), False


def tasks_create(*, tenant: Tenant, drafts: list[TaskDraft]) -> list[Task]:
    """Make many tasks at once (a playbook batch, a migration of rows): one insert, the occurrences that
    have their task already skipped, then the tasks of every draft (made now or before) by key."""
    for draft in drafts:
        _check(draft)
    keyed = [draft for draft in drafts if draft.source_key]
    Task.objects.bulk_create([draft.row(tenant) for draft in keyed], ignore_conflicts=True, batch_size=500)
    unkeyed = Task.objects.bulk_create([draft.row(tenant) for draft in drafts if not draft.source_key], batch_size=500)
    found = {
        task.source_key: task
        for task in Task.objects.filter(tenant=tenant, source_key__in=[draft.source_key for draft in keyed])
    }
    return [found[draft.source_key] for draft in keyed] + unkeyed


def task_update(*, tenant: Tenant, task: Task, **changes) -> Task:
    """Change what a task says (title, details, kind, priority, due day, account)."""
    allowed = {"title", "details", "kind", "priority", "due_on", "account"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"task_update cannot change {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(task, name, value)
    _check(TaskDraft(title=task.title, due_on=task.due_on, kind=task.kind, priority=task.priority))
    task.save(update_fields=[*changes])
    return task


def _locked(tenant: Tenant, task: Task) -> Task:
    """The task's row, locked until the transaction ends, copied onto the caller's instance: a page or a bulk
    list may hold a task another request has closed since, and rules must judge the row as it is now."""
    fresh = Task.objects.select_for_update().get(tenant=tenant, pk=task.pk)
    for name in ("status", "snoozed_until", "outcome_note", "closed_by_id", "closed_at", "owner_id"):
        setattr(task, name, getattr(fresh, name))
    return task


def task_close(
    *, tenant: Tenant, task: Task, status: str, by: User | None, note: str = "", log_note: bool = True
) -> Task:
    """Complete, skip or cancel a task, with what came of it. A note on a task of an account is also logged
    on the account's timeline (as a call for a call task, and so on)."""
    if status not in CLOSED:
        raise ValidationError({"status": f"A task is closed as done, skipped or cancelled, not {status!r}."})
    with transaction.atomic():
        task = _locked(tenant, task)
        if task.is_closed:
            # Closing twice (a double click, a retried request) keeps the first close.
            return task
        task.status = status
        task.outcome_note = note.strip()[:1000]
        task.closed_by = by
        task.closed_at = timezone.now()
        task.snoozed_until = None
        task.save(update_fields=["status", "outcome_note", "closed_by", "closed_at", "snoozed_until"])
        account = task.account if task.account_id else None
        if log_note and task.outcome_note and account is not None and status == TaskStatus.DONE:
            note_log(
                tenant=tenant,
                account=account,
                author=by,
                kind=NOTE_KIND_OF_TASK.get(TaskKind(task.kind), NoteKind.NOTE),
                subject=task.title,
                body=task.outcome_note,
                task=task,
            )
        announce_task_closed(tenant=tenant, task=task)
    return task


def task_snooze(*, tenant: Tenant, task: Task, until: dt.date) -> Task:
    """Put a task away until a day; it is work again on that day."""
    if until <= tenant_time.today(tenant):
        raise ValidationError({"until": "Snooze until a day after today."})
    with transaction.atomic():
        task = _locked(tenant, task)
        if task.is_closed:
            raise ValidationError({"status": "A closed task cannot be snoozed; reopen it first."})
        task.status = TaskStatus.SNOOZED
        task.snoozed_until = until
        task.save(update_fields=["status", "snoozed_until"])
    return task


def task_reopen(*, tenant: Tenant, task: Task) -> Task:
    """A closed task (closed by mistake) or a snoozed one is open work again; what was noted stays."""
    task.status = TaskStatus.OPEN
    task.snoozed_until = None
    task.closed_by = None
    task.closed_at = None
    task.save(update_fields=["status", "snoozed_until", "closed_by", "closed_at"])
    return task


def task_reassign(*, tenant: Tenant, task: Task, owner: User | None) -> Task:
    """Who does the task; whether the person asking may give it away is the caller's rule (may_assign_to)."""
    task.owner = owner
    task.save(update_fields=["owner"])
    return task


BULK_ACTIONS = ("complete", "skip", "snooze", "reassign")


def tasks_bulk(
    *,
    tenant: Tenant,
    tasks: Iterable[Task],
    action: str,
    by: User | None,
    until: dt.date | None = None,
    owner: User | None = None,
    note: str = "",
) -> int:
    """One action on many tasks (the inbox's bulk bar); returns how many changed."""
    changed = 0
    for task in tasks:
        if action == "complete":
            changed += not task.is_closed
            task_close(tenant=tenant, task=task, status=TaskStatus.DONE, by=by, note=note)
        elif action == "skip":
            changed += not task.is_closed
            task_close(tenant=tenant, task=task, status=TaskStatus.SKIPPED, by=by, note=note)
        elif action == "snooze":
            if until is None:
                raise ValidationError({"until": "Say until which day."})
            if not task.is_closed:
                task_snooze(tenant=tenant, task=task, until=until)
                changed += 1
        elif action == "reassign":
            if task.status in LIVE:
                task_reassign(tenant=tenant, task=task, owner=owner)
                changed += 1
        else:
            raise ValidationError({"action": f"Unknown action {action!r}: one of {', '.join(BULK_ACTIONS)}."})
    return changed


def tasks_cancel_for_source(*, tenant: Tenant, source: str, source_ids: Iterable[int], note: str) -> int:
    """Close the live tasks an object made once it no longer needs them (a signal resolved, an entry
    cancelled): "stop when resolved"."""
    ids = list(source_ids)
    if not ids:
        return 0
    live = list(Task.objects.filter(tenant=tenant, source=source, source_id__in=ids, status__in=LIVE))
    for task in live:
        task_close(tenant=tenant, task=task, status=TaskStatus.CANCELLED, by=None, note=note, log_note=False)
    return len(live)


def task_account_check(*, tenant: Tenant, account_id: int | None) -> Account | None:
    """The tenant's account of that id, or a field error (another tenant's id is unknown here)."""
    if account_id is None:
        return None
    account = Account.objects.filter(tenant=tenant, pk=account_id).first()
    if account is None:
        raise ValidationError({"account": "No such account."})
    return account
