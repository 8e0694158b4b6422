"""The task inbox (my live tasks by overdue, today, this week and later, with filters, a bulk bar and the team's
load for leaders), a task's page, a new task, and the actions on one task. The actions answer htmx with a
message and a `tasks-changed` event (the inbox's sections and the account card reload on it); without
JavaScript they redirect back with the message."""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import account_list, assignable_owners
from core import tenant_time
from core.text import day, plural
from core.web import apply_errors, get_or_404, member_required, query_without, safe_next
from tenancy.parsing import parse_id
from tenancy.permissions import Capability, membership_can

from ..forms.tasks import (
    OWNER_ALL,
    OWNER_ME,
    OWNER_NONE,
    BulkForm,
    InboxFilterForm,
    TaskCloseForm,
    TaskForm,
    TaskReassignForm,
    TaskSnoozeForm,
)
from ..models import Task, TaskStatus
from ..selectors import tasks as selectors
from ..services import tasks as services

# A section shows this many rows at a time: a CSM with 2,000 open tasks gets a page as fast as one with 20.
SECTION_ROWS = 15
RECENTLY_CLOSED_DAYS = 7
CHANGED = "tasks-changed"


@dataclass
class Section:
    key: str
    label: str
    count: int
    rows: list[Task] = field(default_factory=list)
    page: int = 1

    @property
    def pager(self) -> Page:
        """The section's page for the shared pager; its count is the inbox's (one query for every section)."""
        paginator = Paginator(range(self.count), SECTION_ROWS)
        number = min(self.page, paginator.num_pages)
        return Page(self.rows, number, paginator)


def _owner_filters(request: HttpRequest, may_pick: bool) -> tuple[str, selectors.InboxFilters]:
    """Whose tasks: a CSM or a viewer sees their own; a leader or an admin picks anyone, everyone or nobody."""
    choice = request.GET.get("owner", OWNER_ME) if may_pick else OWNER_ME
    if choice == OWNER_ALL:
        return choice, selectors.InboxFilters()
    if choice == OWNER_NONE:
        return choice, selectors.InboxFilters(unassigned=True)
    owner_id = parse_id(choice)
    if owner_id is None or owner_id == request.user.pk:
        return OWNER_ME, selectors.InboxFilters(owner_ids=(request.user.pk,))
    # The id is checked against the form's choices (the tenant's people) before it is used.
    return choice, selectors.InboxFilters(owner_ids=(owner_id,))


def inbox_context(request: HttpRequest) -> dict:
    tenant, membership = request.tenant, request.membership
    today = tenant_time.today(tenant)
    may_pick = membership_can(membership, Capability.MANAGE)
    people = list(assignable_owners(tenant=tenant).values_list("pk", "full_name")) if may_pick else []
    choice, people_filter = _owner_filters(request, may_pick)
    if choice not in (OWNER_ME, OWNER_ALL, OWNER_NONE) and int(choice) not in {pk for pk, _ in people}:
        choice, people_filter = OWNER_ME, selectors.InboxFilters(owner_ids=(request.user.pk,))
    accounts = selectors.inbox_accounts(tenant=tenant, filters=people_filter)
    wanted = parse_id(request.GET.get("account", ""))
    if wanted is not None and wanted not in {pk for pk, _ in accounts}:
        # An account whose tasks are all done (a link from its page) stays a valid filter: "nothing left here".
        accounts += list(account_list(tenant=tenant).filter(pk=wanted).values_list("pk", "name"))
    form = InboxFilterForm(request.GET or None, people=people, accounts=accounts)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = selectors.InboxFilters(
        owner_ids=people_filter.owner_ids,
        unassigned=people_filter.unassigned,
        account_id=data.get("account"),
        source=data.get("source") or "",
        priority=data.get("priority") or "",
    )
    counts = selectors.inbox_counts(tenant=tenant, filters=filters, today=today)
    sections = []
    for key in selectors.BUCKETS:
        page = max(1, parse_id(request.GET.get(f"page_{key}", "")) or 1)
        section = Section(key, selectors.BUCKET_LABELS[key], counts[key], page=page)
        if section.count:
            start = (page - 1) * SECTION_ROWS
            section.rows = list(
                selectors.inbox_bucket(tenant=tenant, filters=filters, bucket=key, today=today)[
                    start : start + SECTION_ROWS
                ]
            )
        sections.append(section)
    since = timezone.now() - dt.timedelta(days=RECENTLY_CLOSED_DAYS)
    closed = selectors.recently_closed(tenant=tenant, filters=filters, since=since)
    rows_links([*(row for section in sections for row in section.rows), *closed], membership)
    team = []
    if may_pick:
        load = selectors.team_load(tenant=tenant, today=today)
        team = [(pk, name, load.get(pk)) for pk, name in people]
        if None in load:
            team.append((OWNER_NONE, "Unassigned", load[None]))
    query = query_without(request.GET, *[f"page_{key}" for key in selectors.BUCKETS])
    return {
        "form": form,
        "may_pick": may_pick,
        "may_edit": membership_can(membership, Capability.EDIT),
        "owner_choice": choice,
        "sections": sections,
        "total": sum(counts.values()),
        "closed": closed,
        "team": team,
        "people": people,
        "today": today,
        "tomorrow": today + dt.timedelta(days=1),
        "next_week": tenant_time.business_days_after(today, 5),
        "query": query,
        "here": reverse("activities:inbox") + (f"?{query}" if query else ""),
        "filtered": bool(data.get("account") or data.get("source") or data.get("priority")),
        "section": "activities",
    }


def rows_links(tasks: list[Task], membership) -> None:
    """What a row shows besides the task: whether the member may change it, and its links. The links are
    built from one reversed prefix each rather than four reverse() calls per row: a page of 60 rows spent a
    third of its time reversing URLs."""
    task_prefix = reverse("activities:task", kwargs={"activity_task_id": 0}).removesuffix("0/")
    account_prefix = reverse("accounts:account_detail", kwargs={"account_id": 0}).removesuffix("0/")
    for task in tasks:
        task.may_edit = selectors.may_edit_task(membership, task)
        task.page_url = f"{task_prefix}{task.pk}/"
        task.account_url = f"{account_prefix}{task.account_id}/" if task.account_id else ""
        task.link_back = task.source_url


@require_GET
@member_required()
def inbox(request: HttpRequest) -> HttpResponse:
    context = inbox_context(request)
    if request.htmx and request.htmx.target == "inbox-sections":
        return render(request, "activities/tasks/_sections.html", context)
    return render(request, "activities/tasks/inbox.html", context)


def _answer(request: HttpRequest, text: str, *, ok: bool = True, back: str = "") -> HttpResponse:
    """htmx: the message for the page's live region, and the event that reloads the lists; else a redirect."""
    if request.htmx:
        response = render(request, "activities/_message.html", {"text": text, "ok": ok})
        if ok:
            response["HX-Trigger"] = CHANGED
        return response
    (messages.success if ok else messages.error)(request, text)
    return redirect(safe_next(request) or back or reverse("activities:inbox"))


def _task_to_change(request: HttpRequest, activity_task_id: int) -> Task:
    task = get_or_404(selectors.task_get, tenant=request.tenant, task_id=activity_task_id)
    if not selectors.may_edit_task(request.membership, task):
        raise PermissionDenied("CSMs change their own tasks; viewers read only.")
    return task


@require_http_methods(["GET", "POST"])
@member_required()
def task_detail(request: HttpRequest, activity_task_id: int) -> HttpResponse:
    """A task's page: what it is, where it came from, its history; its owner (or a leader) edits it here."""
    task = get_or_404(selectors.task_get, tenant=request.tenant, task_id=activity_task_id)
    may_edit = selectors.may_edit_task(request.membership, task)
    initial = {
        "title": task.title,
        "details": task.details,
        "kind": task.kind,
        "priority": task.priority,
        "due_on": task.due_on,
        "account": task.account,
    }
    form = None
    if may_edit:
        data = request.POST if request.method == "POST" else None
        form = TaskForm(data, tenant=request.tenant, membership=request.membership, with_owner=False, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.task_update(tenant=request.tenant, task=task, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"Saved {task.title}.")
                return redirect("activities:task", activity_task_id=task.pk)
    elif request.method == "POST":
        raise PermissionDenied("CSMs change their own tasks; viewers read only.")
    return render(
        request,
        "activities/tasks/detail.html",
        {
            "task": task,
            "form": form,
            "may_edit": may_edit,
            "may_pick": membership_can(request.membership, Capability.MANAGE),
            "reassign_form": TaskReassignForm(
                tenant=request.tenant, membership=request.membership, initial={"owner": task.owner}
            ),
            "notes": task.notes.filter(tenant=request.tenant).select_related("author"),
            "today": tenant_time.today(request.tenant),
            "tomorrow": tenant_time.today(request.tenant) + dt.timedelta(days=1),
            "section": "activities",
        },
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.EDIT)
def task_new(request: HttpRequest) -> HttpResponse:
    """The new-task page, and the inline form of the inbox and the account card (htmx swaps the form)."""
    tenant, today = request.tenant, tenant_time.today(request.tenant)
    account_id = parse_id(request.GET.get("account", "") or request.POST.get("fixed_account", ""))
    initial = {"due_on": today, "owner": request.user, "account": account_id}
    form = TaskForm(request.POST or None, tenant=tenant, membership=request.membership, initial=initial)
    made = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = services.TaskDraft.by_hand(data, owner=data["owner"], by=request.user)
        try:
            made, _ = services.task_create(tenant=tenant, draft=draft)
        except ValidationError as error:
            apply_errors(form, error)
    if request.htmx and request.method == "POST":
        if made is not None:
            fresh = TaskForm(tenant=tenant, membership=request.membership, initial=initial)
            response = render(
                request,
                "activities/tasks/_new_form.html",
                {"new_form": fresh, "made": made, "fixed_account": request.POST.get("fixed_account")},
            )
            response["HX-Trigger"] = CHANGED
            return response
        return render(
            request,
            "activities/tasks/_new_form.html",
            {"new_form": form, "fixed_account": request.POST.get("fixed_account")},
        )
    if request.htmx:
        # The inbox's form, loaded when it is opened.
        return render(request, "activities/tasks/_new_form.html", {"new_form": form})
    if made is not None:
        messages.success(request, f"Task made: {made.title}, due {day(made.due_on)}.")
        return redirect(safe_next(request) or reverse("activities:task", kwargs={"activity_task_id": made.pk}))
    return render(request, "activities/tasks/new.html", {"new_form": form, "section": "activities"})


@require_POST
@member_required(Capability.EDIT)
def task_close(request: HttpRequest, activity_task_id: int) -> HttpResponse:
    task = _task_to_change(request, activity_task_id)
    form = TaskCloseForm(request.POST)
    if not form.is_valid():
        return _answer(request, "Choose done or skipped.", ok=False)
    status = TaskStatus.DONE if form.cleaned_data["status"] == "done" else TaskStatus.SKIPPED
    services.task_close(
        tenant=request.tenant, task=task, status=status, by=request.user, note=form.cleaned_data["note"]
    )
    word = "Completed" if status == TaskStatus.DONE else "Skipped"
    logged = " The note is on the account's timeline." if form.cleaned_data["note"] and task.account_id else ""
    return _answer(request, f"{word}: {task.title}.{logged}")


@require_POST
@member_required(Capability.EDIT)
def task_snooze(request: HttpRequest, activity_task_id: int) -> HttpResponse:
    task = _task_to_change(request, activity_task_id)
    form = TaskSnoozeForm(request.POST)
    if not form.is_valid():
        return _answer(request, "Say until which day.", ok=False)
    try:
        services.task_snooze(tenant=request.tenant, task=task, until=form.cleaned_data["until"])
    except ValidationError as error:
        return _answer(request, f"{task.title}: {' '.join(error.messages)}", ok=False)
    return _answer(request, f"Snoozed until {day(form.cleaned_data['until'])}: {task.title}.")


@require_POST
@member_required(Capability.EDIT)
def task_reopen(request: HttpRequest, activity_task_id: int) -> HttpResponse:
    task = _task_to_change(request, activity_task_id)
    services.task_reopen(tenant=request.tenant, task=task)
    return _answer(request, f"Reopened: {task.title}.")


@require_POST
@member_required(Capability.EDIT)
def task_reassign(request: HttpRequest, activity_task_id: int) -> HttpResponse:
    task = _task_to_change(request, activity_task_id)
    form = TaskReassignForm(request.POST, tenant=request.tenant, membership=request.membership)
    if not form.is_valid():
        return _answer(request, " ".join(form.errors.get("owner", ["Choose a person."])), ok=False)
    owner = form.cleaned_data["owner"]
    services.task_reassign(tenant=request.tenant, task=task, owner=owner)
    return _answer(request, f"{task.title}: now {owner.full_name if owner else 'unassigned'}.")


@require_POST
@member_required(Capability.EDIT)
def tasks_bulk(request: HttpRequest) -> HttpResponse:
    """The bulk bar: complete (with a note), skip, snooze or reassign the ticked tasks. Tasks the member may
    not change (another CSM's, another tenant's) are left alone and counted as such."""
    form = BulkForm(request.POST, tenant=request.tenant, membership=request.membership)
    if not form.is_valid():
        errors = [error for field_errors in form.errors.values() for error in field_errors]
        return _answer(request, " ".join(errors), ok=False)
    data = form.cleaned_data
    found = list(selectors.task_list(tenant=request.tenant).filter(pk__in=data["task"]))
    allowed = [task for task in found if selectors.may_edit_task(request.membership, task)]
    try:
        changed = services.tasks_bulk(
            tenant=request.tenant,
            tasks=allowed,
            action=data["action"],
            by=request.user,
            until=data.get("until"),
            owner=data.get("owner"),
            note=data.get("note") or "",
        )
    except ValidationError as error:
        return _answer(request, " ".join(error.messages), ok=False)
    verb = {"complete": "Completed", "skip": "Skipped", "snooze": "Snoozed", "reassign": "Reassigned"}[data["action"]]
    text = f"{verb} {plural(changed, 'task')}."
    if skipped := len(data["task"]) - len(allowed):
        text += f" {plural(skipped, 'task')} left alone: not yours to change."
    return _answer(request, text)
