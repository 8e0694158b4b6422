"""Touchpoints a person makes happen (a call, a webinar, a community post, an SMS we cannot send): the
outbox hands them to the entry's owner as a task due when the entry is (an activities.Task of source
cadence_step, so the inbox lists it too), and the owner logs them done."""

import datetime as dt

from django.core.exceptions import ValidationError

from accounts.models import Contact
from activities.models import Task, TaskKind, TaskSource, TaskStatus
from activities.services.tasks import TaskDraft, task_close, task_create, tasks_cancel_for_source
from core import tenant_time
from tenancy.models import User

from ..models import CalendarEntry, Channel
from ..selectors.personalisation import entry_render, entry_title

VERBS: dict[str, str] = {Channel.CALL: "Call", Channel.WEBINAR: "Invite to the webinar", Channel.COMMUNITY: "Post for"}


def owner_task_note(*, entry: CalendarEntry, reachable: list[Contact], held: list[Contact]) -> str:
    """What the owner is to do, for whom; an SMS carries its text (postsale has no SMS provider, so a
    person sends it), written for the first recipient."""
    names = ", ".join(contact.name for contact in reachable)
    if entry.channel == Channel.SMS:
        _subject, body = entry_render(entry=entry, contact=reachable[0])
        note = f"Send this text message to {names} (postsale has no SMS provider): {body.text or entry_title(entry)}"
    else:
        note = f"{VERBS.get(entry.channel, 'Reach')} {names}: {entry_title(entry)}"
    if held:
        note += f" (not {', '.join(c.name for c in held)}: their preferences hold it back)"
    return note[:500]


def cadence_task_key(entry_id: int) -> str:
    """The one task of a calendar entry (activities' unique source key): a retried delivery finds it."""
    return f"{TaskSource.CADENCE_STEP}:{entry_id}"


# What kind of task each channel hands over: a call logs as a call on the account's timeline.
KIND_OF_CHANNEL: dict[str, str] = {Channel.CALL: TaskKind.CALL, Channel.WEBINAR: TaskKind.MEETING}
# How a task's title names the work, short enough for an inbox row.
TITLE_OF_CHANNEL: dict[str, str] = {
    Channel.CALL: "Call",
    Channel.WEBINAR: "Webinar",
    Channel.COMMUNITY: "Community post",
    Channel.SMS: "Text message",
}


def owner_task_open(*, entry: CalendarEntry, note: str) -> Task:
    """The entry's task for its owner (an activities.Task of source cadence_step), due at the entry's time
    and on the tenant's day of it; one per entry, so a retry finds it."""
    tenant = entry.tenant
    task, _ = task_create(
        tenant=tenant,
        draft=TaskDraft(
            title=f"{TITLE_OF_CHANNEL.get(entry.channel, entry.get_channel_display())}: {entry_title(entry)}",
            details=note,
            due_on=tenant_time.day_of(tenant, entry.scheduled_at),
            due_at=entry.scheduled_at,
            owner_id=entry.owner_id,
            account_id=entry.account_id,
            kind=KIND_OF_CHANNEL.get(entry.channel, TaskKind.TO_DO),
            source=TaskSource.CADENCE_STEP,
            source_id=entry.pk,
            source_key=cadence_task_key(entry.pk),
        ),
    )
    return task


def owner_task_complete(*, task: Task, by: User, note: str = "", at: dt.datetime | None = None) -> Task:
    """Log the call, webinar or post as done (its task closed, the note on the account's timeline);
    completing it twice keeps the first time. Who may do it is the view's question (the owner, a leader or
    an admin: Capability.EDIT on the task). `at` backdates it (the demo's history)."""
    if task.status == TaskStatus.CANCELLED:
        raise ValidationError("This task was cancelled with its calendar entry: there is nothing to log.")
    if task.is_closed:
        return task
    tenant = task.tenant
    task = task_close(tenant=tenant, task=task, status=TaskStatus.DONE, by=by, note=note or "")
    if at is not None:
        task.closed_at = at
        task.save(update_fields=["closed_at"])
    return task


def owner_tasks_cancel(*, entry: CalendarEntry, reason: str) -> int:
    """The entry was cancelled: its task, if still open, is no one's work any more."""
    return tasks_cancel_for_source(
        tenant=entry.tenant, source=TaskSource.CADENCE_STEP, source_ids=[entry.pk], note=reason
    )
