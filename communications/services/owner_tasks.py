"""Touchpoints a person makes happen (a call, a webinar, a community post, an SMS we cannot send): the
outbox hands them to the entry's owner as a task due when the entry is, and the owner logs them done."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Contact
from tenancy.models import User

from ..models import CalendarEntry, Channel, OwnerTask, OwnerTaskStatus
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


def owner_task_open(*, entry: CalendarEntry, note: str) -> OwnerTask:
    """The entry's task for its owner, due at the entry's time; one per entry, so a retry finds it."""
    task, _ = OwnerTask.objects.get_or_create(
        tenant_id=entry.tenant_id,
        entry=entry,
        defaults={"owner_id": entry.owner_id, "due_at": entry.scheduled_at, "note": note[:500]},
    )
    return task


def owner_task_complete(*, task: OwnerTask, by: User, note: str = "", at: dt.datetime | None = None) -> OwnerTask:
    """Log the call, webinar or post as done; completing it twice keeps the first time. Who may do it is
    the view's question (the owner, a leader or an admin: Capability.EDIT on the task)."""
    if task.status == OwnerTaskStatus.CANCELLED:
        raise ValidationError("This task was cancelled with its calendar entry: there is nothing to log.")
    if task.status == OwnerTaskStatus.DONE:
        return task
    note = (note or "").strip()
    task.status = OwnerTaskStatus.DONE
    task.done_at = at or timezone.now()
    if note:
        done_note = f"Done by {by}: {note}"
        task.note = f"{task.note}\n{done_note}"[-500:] if task.note else done_note[:500]
    task.save(update_fields=["status", "done_at", "note"])
    return task
