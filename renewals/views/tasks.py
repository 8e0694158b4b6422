"""The owners' checkpoint tasks (overdue, due this week, later), and marking a checkpoint done or skipped,
from the task list, a renewal's runway or the account card (htmx swaps the row in place). Each checkpoint's
to-do is its activities.Task: these pages read it through the checkpoint, and closing one closes the task."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import assignable_owners
from core import tenant_time
from core.text import day
from core.web import OWNER_ALL, OWNER_ME, get_or_404, member_required, safe_next
from tenancy.permissions import Capability, membership_can, require

from .. import selectors, services
from ..forms.tasks import CheckpointCompleteForm, TaskFilterForm
from ..models import Checkpoint

TASKS_PER_PAGE = 50
# Where a checkpoint's row is drawn, so the swapped row matches its page.
LAYOUTS = {"timeline": "renewals/renewals/_checkpoint.html", "task": "renewals/tasks/_task.html"}


@require_GET
@member_required()
def task_list(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    today = tenant_time.today(tenant)
    may_pick = membership_can(request.membership, Capability.MANAGE)
    # Leaders pick anyone's tasks (or all); everyone else sees their own.
    params = request.GET.copy() if may_pick else {}
    form = TaskFilterForm(params or None, tenant=tenant)
    choice = form.cleaned_data.get("owner") if form.is_bound and form.is_valid() else OWNER_ME
    choice = choice or OWNER_ME
    if choice == OWNER_ME:
        owner = request.user
    elif choice == OWNER_ALL:
        owner = None
    else:
        owner = assignable_owners(tenant=tenant).filter(pk=int(choice)).first() or request.user
    tasks = selectors.checkpoint_tasks(tenant=tenant, owner=owner, today=today)
    page = Paginator(tasks, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    week_end = selectors.week_end(today)
    groups = {"overdue": [], "week": [], "later": []}
    for task in page:
        task.schedule = selectors.checkpoint_schedule(due_on=task.due_on, planned_on=task.planned_on, today=today)
        task.may_complete = membership_can(request.membership, Capability.EDIT, task.renewal)
        key = "overdue" if task.due_on < today else "week" if task.due_on <= week_end else "later"
        groups[key].append(task)
    return render(
        request,
        "renewals/tasks/index.html",
        {
            "form": form,
            "may_pick": may_pick,
            "owner_choice": choice,
            "owner": owner,
            "page": page,
            "groups": [
                ("overdue", "Overdue", groups["overdue"]),
                ("week", f"Due this week (to {day(week_end)})", groups["week"]),
                ("later", "Later", groups["later"]),
            ],
            "query": f"owner={choice}" if may_pick else "",
            "today": today,
            "section": "renewals",
        },
    )


def _row(request: HttpRequest, checkpoint: Checkpoint, layout: str, error: str = "") -> HttpResponse:
    today = tenant_time.today(request.tenant)
    checkpoint.schedule = (
        selectors.checkpoint_schedule(due_on=checkpoint.due_on, planned_on=checkpoint.planned_on, today=today)
        if checkpoint.status == "open"
        else None
    )
    checkpoint.may_complete = membership_can(request.membership, Capability.EDIT, checkpoint.renewal)
    return render(
        request,
        LAYOUTS[layout],
        {
            "checkpoint": checkpoint,
            "task": checkpoint,
            "may_edit": checkpoint.may_complete,
            "error": error,
            "today": today,
        },
    )


@require_GET
@member_required()
def checkpoint_detail(request: HttpRequest, checkpoint_id: int) -> HttpResponse:
    """Where a checkpoint's task links (the inbox): its place on its renewal's runway."""
    checkpoint = get_or_404(selectors.checkpoint_get, tenant=request.tenant, checkpoint_id=checkpoint_id)
    return redirect(f"{checkpoint.renewal.get_absolute_url()}#checkpoint-{checkpoint.pk}")


@require_POST
@member_required(Capability.EDIT)
def checkpoint_complete(request: HttpRequest, checkpoint_id: int) -> HttpResponse:
    checkpoint = get_or_404(selectors.checkpoint_get, tenant=request.tenant, checkpoint_id=checkpoint_id)
    # A checkpoint is its renewal owner's task: a CSM completes those of renewals they own.
    require(request, Capability.EDIT, checkpoint.renewal)
    layout = request.POST.get("layout") if request.POST.get("layout") in LAYOUTS else "timeline"
    form = CheckpointCompleteForm(request.POST)
    error = ""
    if not form.is_valid():
        error = "Choose done or skipped."
    else:
        try:
            services.checkpoint_complete(
                checkpoint=checkpoint,
                by=request.user,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as failure:
            error = " ".join(failure.messages)
    if request.htmx:
        fresh = selectors.checkpoint_get(tenant=request.tenant, checkpoint_id=checkpoint.pk)
        return _row(request, fresh, layout, error)
    if error:
        messages.error(request, f"{checkpoint.title}: {error}")
    else:
        messages.success(
            request,
            f"{checkpoint.renewal.account.name} · T-{checkpoint.days_before} {checkpoint.title}: "
            f"{form.cleaned_data['status']}.",
        )
    return redirect(safe_next(request) or checkpoint.renewal.get_absolute_url())
