"""The signed-in person's communication tasks (calls, webinars, community posts, SMS the outbox handed to
them), logged done with a note; htmx swaps the row in place."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from activities.models import TaskStatus
from core import tenant_time
from core.web import get_or_404, member_required, safe_next
from tenancy.permissions import Capability, membership_can, require

from .. import selectors
from ..forms.owner_tasks import TaskDoneForm
from ..services.owner_tasks import owner_task_complete

TASKS_SHOWN = 200
DONE_SHOWN = 20


@require_GET
@member_required()
def task_list(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    now = tenant_time.now(tenant)
    open_tasks = list(selectors.owner_tasks(tenant=tenant, owner=request.user)[:TASKS_SHOWN])
    for task in open_tasks:
        task.overdue = (task.due_at or tenant_time.at(tenant, task.due_on)) < now
        task.may_complete = membership_can(request.membership, Capability.EDIT, task)
    done = list(selectors.owner_tasks(tenant=tenant, owner=request.user, status=TaskStatus.DONE)[:DONE_SHOWN])
    selectors.owner_tasks_with_entries(tenant=tenant, tasks=[*open_tasks, *done])
    selectors.entries_titled(tenant=tenant, entries=[task.entry for task in [*open_tasks, *done] if task.entry])
    return render(
        request,
        "communications/tasks/index.html",
        {
            "tasks": open_tasks,
            "done": done,
            "nav_active": "tasks",
            "section": "communications",
        },
    )


@require_POST
@member_required(Capability.EDIT)
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_or_404(selectors.owner_task_get, tenant=request.tenant, task_id=task_id)
    # The task is its owner's: a CSM logs their own, leaders and admins anyone's.
    require(request, Capability.EDIT, task)
    form = TaskDoneForm(request.POST)
    error = ""
    try:
        task = owner_task_complete(
            task=task, by=request.user, note=form.cleaned_data["note"] if form.is_valid() else ""
        )
    except ValidationError as failure:
        error = " ".join(failure.messages)
    selectors.owner_tasks_with_entries(tenant=request.tenant, tasks=[task])
    if request.htmx:
        task.overdue = False
        task.may_complete = True
        return render(request, "communications/tasks/_task.html", {"task": task, "error": error})
    if error:
        messages.error(request, f"{task.title}: {error}")
    else:
        messages.success(request, f"{task.title} with {task.account.name if task.account else 'the team'} logged done.")
    return redirect(safe_next(request) or "communications:tasks")
