"""Logging a touch on an account: a call, a meeting, an email or a note."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Account
from tenancy.models import Tenant, User

from ..models import Note, NoteKind, Task


def note_log(
    *,
    tenant: Tenant,
    account: Account,
    author: User | None,
    kind: str,
    body: str,
    subject: str = "",
    happened_at: dt.datetime | None = None,
    task: Task | None = None,
) -> Note:
    if not body.strip():
        raise ValidationError({"body": "Write what happened."})
    if kind not in NoteKind.values:
        raise ValidationError({"kind": f"A note is a call, meeting, email or note, not {kind!r}."})
    if happened_at is not None and happened_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"happened_at": "A logged touch happened already; plan a future one as a task."})
    return Note.objects.create(
        tenant=tenant,
        account=account,
        author=author,
        kind=kind,
        subject=subject.strip()[:200],
        body=body.strip(),
        happened_at=happened_at or timezone.now(),
        task=task,
    )
