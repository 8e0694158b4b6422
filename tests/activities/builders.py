"""Building tasks and notes through the services the product uses; each helper enters the tenant's scope itself.
Dates are relative to the tenant's today unless given."""

import datetime as dt

from django_scopes import scope

from activities.services import notes as note_services
from activities.services import tasks as task_services
from core import tenant_time

from ..accounts.builders import make_account

__all__ = ["make_account", "make_note", "make_task", "today_of"]


def today_of(tenant) -> dt.date:
    return tenant_time.today(tenant)


def make_task(tenant, *, title="Call the champion", owner=None, account=None, due_in: int = 0, **fields):
    """A task due `due_in` days from the tenant's today (negative: overdue), made through task_create."""
    draft = task_services.TaskDraft(
        title=title,
        due_on=today_of(tenant) + dt.timedelta(days=due_in),
        owner_id=owner.pk if owner else None,
        account_id=account.pk if account else None,
        **fields,
    )
    with scope(tenant=tenant):
        task, _ = task_services.task_create(tenant=tenant, draft=draft)
        return task


def make_note(tenant, *, account, author=None, kind="call", body="Talked about the rollout.", **fields):
    with scope(tenant=tenant):
        return note_services.note_log(tenant=tenant, account=account, author=author, kind=kind, body=body, **fields)
