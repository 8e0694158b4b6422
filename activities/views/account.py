"""The tasks and notes card of the account page: the account's live tasks (complete and snooze in place), a
new task, a note to log and the latest notes. Loaded by htmx after the page, like the other apps' cards, and
again whenever a task or a note changes."""

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import selectors as account_selectors
from core import tenant_time
from core.web import get_or_404, member_required
from tenancy.permissions import Capability, membership_can

from ..forms.notes import NoteForm
from ..forms.tasks import TaskForm
from ..selectors import notes as note_selectors
from ..selectors import tasks as selectors
from .tasks import rows_links

CARD_TASKS = 10
CARD_NOTES = 5


@require_GET
@member_required()
def account_card(request: HttpRequest, account_id: int) -> HttpResponse:
    tenant = request.tenant
    account = get_or_404(account_selectors.account_get, tenant=tenant, account_id=account_id)
    today = tenant_time.today(tenant)
    live = selectors.account_tasks(tenant=tenant, account_id=account.pk)
    tasks = list(live[:CARD_TASKS])
    rows_links(tasks, request.membership)
    may_edit = membership_can(request.membership, Capability.EDIT)
    context = {
        "account": account,
        "tasks": tasks,
        "more": max(0, live.count() - len(tasks)) if len(tasks) == CARD_TASKS else 0,
        "notes": list(note_selectors.account_notes(tenant=tenant, account_id=account.pk)[:CARD_NOTES]),
        "today": today,
        "tomorrow": today + dt.timedelta(days=1),
        "may_edit": may_edit,
    }
    if may_edit:
        initial = {"account": account.pk, "due_on": today, "owner": request.user}
        context["new_form"] = TaskForm(tenant=tenant, membership=request.membership, initial=initial)
        context["note_form"] = NoteForm(tenant=tenant, initial={"account": account.pk})
    return render(request, "activities/account/_card.html", context)
