"""The playbook pages: the list, the editor (new and edit, validated as you type), one playbook with its
definition in sentences, versions and runs, switching it on and off, removing it, and running it by hand on
an account. Admins configure; everyone else reads."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Account
from communications.forms.cadences import merge_field_help
from core.web import get_or_404, member_required
from tenancy.permissions import Capability, membership_can

from ..forms.playbooks import (
    ACTION_CHOICES,
    NEW_DRAFT,
    OUTCOME_CHOICES,
    TRIGGER_CHOICES,
    Options,
    RunOnAccountForm,
    action_rows,
    condition_rows,
    draft_apply,
    draft_from_post,
    draft_of,
    error_slots,
    errors_attach,
    settings_inputs,
    trigger_inputs,
)
from ..models import Playbook, RunStatus
from ..selectors import playbooks as selectors
from ..selectors import runs as run_selectors
from ..services import playbooks as service
from ..services.by_hand import may_run_by_hand, run_by_hand
from ..services.definitions import definition_errors

SECTION = "playbooks"
RUNS_PER_PAGE = 50


def _playbook(request: HttpRequest, playbook_id: int) -> Playbook:
    return get_or_404(selectors.playbook_get, tenant=request.tenant, playbook_id=playbook_id)


@require_GET
@member_required()
def playbook_list(request: HttpRequest) -> HttpResponse:
    playbooks = selectors.playbooks_overview(tenant=request.tenant)
    for playbook in playbooks:
        playbook.sentence = selectors.trigger_sentence(playbook.trigger, playbook.trigger_params)
    return render(
        request,
        "playbooks/list.html",
        {
            "playbooks": playbooks,
            "may_configure": membership_can(request.membership, Capability.CONFIGURE),
            "section": SECTION,
        },
    )


# The editor


def _editor(
    request: HttpRequest, draft: dict, *, playbook: Playbook | None, errors: dict, status: int = 200
) -> HttpResponse:
    options = Options.of(request.tenant)
    slots = set(error_slots(draft, options))
    fixed = settings_inputs(draft)
    params, conditions, actions = (
        trigger_inputs(draft, options),
        condition_rows(draft, options),
        action_rows(draft, options),
    )
    errors_attach(errors, fixed.values(), params, conditions, actions)
    context = {
        "playbook": playbook,
        "draft": draft,
        "fixed": fixed,
        "trigger_inputs": params,
        "condition_rows": conditions,
        "action_rows": actions,
        "errors": errors,
        # Errors whose input is not on the page (a row of another shape): shown above the form.
        "other_errors": {k: v for k, v in errors.items() if k not in slots},
        "trigger_choices": TRIGGER_CHOICES,
        "action_choices": ACTION_CHOICES,
        "outcome_choices": OUTCOME_CHOICES,
        "merge_fields": merge_field_help(),
        "action": reverse("playbooks:edit", args=[playbook.pk]) if playbook else reverse("playbooks:new"),
        "section": SECTION,
    }
    if request.headers.get("HX-Request"):
        # htmx swaps only successful answers: the form with its errors is one.
        return render(request, "playbooks/editor.html#editor", context)
    return render(request, "playbooks/editor.html", context, status=status)


def _editor_post(request: HttpRequest, playbook: Playbook | None) -> HttpResponse:
    draft = draft_from_post(request.POST)
    op = request.POST.get("_op", "save")
    if op != "save":
        # A row added, removed or moved, or a choice that changes its row: shown again, nothing saved.
        return _editor(request, draft_apply(draft, op, request.POST), playbook=playbook, errors={})
    try:
        if playbook is None:
            playbook = service.playbook_create(tenant=request.tenant, by=request.user, **draft)
            messages.success(
                request, f"Saved {playbook.name}. It is off: preview it below, then switch it on when it looks right."
            )
        else:
            before = playbook.version
            playbook = service.playbook_update(tenant=request.tenant, playbook=playbook, by=request.user, **draft)
            changed = (
                "a new version, v" + str(playbook.version)
                if playbook.version != before
                else "no change to what it does"
            )
            messages.success(request, f"Saved {playbook.name}: {changed}.")
    except ValidationError as error:
        return _editor(request, draft, playbook=playbook, errors=error.message_dict, status=400)
    response = redirect("playbooks:detail", playbook.pk)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204, headers={"HX-Redirect": response["Location"]})
    return response


@require_http_methods(["GET", "POST"])
@member_required(Capability.CONFIGURE)
def playbook_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _editor_post(request, None)
    draft = {**NEW_DRAFT, "trigger_params": {}, "conditions": [], "actions": []}
    if request.GET.get("trigger") in dict(TRIGGER_CHOICES):
        draft["trigger"] = request.GET["trigger"]
    return _editor(request, draft, playbook=None, errors={})


@require_http_methods(["GET", "POST"])
@member_required(Capability.CONFIGURE)
def playbook_edit(request: HttpRequest, playbook_id: int) -> HttpResponse:
    playbook = _playbook(request, playbook_id)
    if playbook.archived_at is not None:
        messages.info(request, f"{playbook.name} was removed; its runs are kept but it cannot change.")
        return redirect("playbooks:detail", playbook.pk)
    if request.method == "POST":
        return _editor_post(request, playbook)
    # What no longer holds (a custom field, cadence or person gone since) shows at once, under its input.
    errors = definition_errors(tenant=request.tenant, definition=playbook.definition())
    return _editor(request, draft_of(playbook), playbook=playbook, errors=errors)


@require_POST
@member_required(Capability.CONFIGURE)
def playbook_validate(request: HttpRequest) -> HttpResponse:
    """As you type: each input's errors (or none) swapped in under it, out of band, focus untouched."""
    playbook = None
    if (playbook_id := request.POST.get("playbook", "")).isdigit():
        playbook = get_or_404(selectors.playbook_get, tenant=request.tenant, playbook_id=int(playbook_id))
    draft = draft_from_post(request.POST)
    errors = service.playbook_errors(tenant=request.tenant, fields=draft, playbook=playbook)
    slots = error_slots(draft, Options.of(request.tenant))
    return render(
        request,
        "playbooks/_errors_oob.html",
        {
            "slots": [("err-" + name.replace(".", "-"), errors.get(name, [])) for name in slots],
            "other_errors": {k: v for k, v in errors.items() if k not in set(slots)},
        },
    )


# One playbook


@require_GET
@member_required()
def playbook_detail(request: HttpRequest, playbook_id: int) -> HttpResponse:
    tenant = request.tenant
    playbook = _playbook(request, playbook_id)
    runs = run_selectors.playbook_runs(tenant=tenant, playbook=playbook)
    status = request.GET.get("status", "")
    if status in RunStatus.values:
        runs = runs.filter(status=status)
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "playbooks/detail.html",
        {
            "playbook": playbook,
            "sentences": selectors.playbook_sentences(tenant=tenant, definition=playbook.definition()),
            "versions": list(selectors.playbook_versions(tenant=tenant, playbook=playbook)[:20]),
            "page": page,
            "status": status,
            "statuses": RunStatus.choices,
            "open_tasks": selectors.open_tasks_by_playbook(tenant=tenant, playbook_ids=[playbook.pk]).get(
                playbook.pk, 0
            ),
            "may_configure": membership_can(request.membership, Capability.CONFIGURE),
            "may_run": _may_run_somewhere(request, playbook),
            "run_form": RunOnAccountForm(tenant=tenant),
            "section": SECTION,
        },
    )


def _may_run_somewhere(request: HttpRequest, playbook: Playbook) -> bool:
    """Whether the run-by-hand form is worth showing: the playbook can run and the member may run it on
    some account (a CSM: their own, when the admin allows it)."""
    if playbook.archived_at is not None or playbook.broken_reason:
        return False
    if membership_can(request.membership, Capability.MANAGE):
        return True
    return membership_can(request.membership, Capability.EDIT) and playbook.csm_may_run


@require_POST
@member_required(Capability.CONFIGURE)
def playbook_enable(request: HttpRequest, playbook_id: int) -> HttpResponse:
    playbook = _playbook(request, playbook_id)
    try:
        service.playbook_enable(tenant=request.tenant, playbook=playbook, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{playbook.name} is on: it runs the next time its trigger fires.")
    return redirect("playbooks:detail", playbook.pk)


@require_POST
@member_required(Capability.CONFIGURE)
def playbook_disable(request: HttpRequest, playbook_id: int) -> HttpResponse:
    playbook = _playbook(request, playbook_id)
    service.playbook_disable(tenant=request.tenant, playbook=playbook, by=request.user)
    messages.success(
        request,
        f"{playbook.name} is off. Its triggers are still recorded as held runs, the group its effectiveness "
        "is compared with.",
    )
    return redirect("playbooks:detail", playbook.pk)


@require_POST
@member_required(Capability.CONFIGURE)
def playbook_archive(request: HttpRequest, playbook_id: int) -> HttpResponse:
    playbook = _playbook(request, playbook_id)
    service.playbook_archive(tenant=request.tenant, playbook=playbook, by=request.user)
    messages.success(request, f"Removed {playbook.name}. Its runs and the tasks they made are kept.")
    return redirect("playbooks:index")


@require_POST
@member_required(Capability.EDIT)
def playbook_run(request: HttpRequest, playbook_id: int) -> HttpResponse:
    """Run it by hand on an account named in the form."""
    playbook = _playbook(request, playbook_id)
    form = RunOnAccountForm(request.POST, tenant=request.tenant)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("account", ["Choose an account."])))
        return redirect("playbooks:detail", playbook.pk)
    return _run(request, playbook, form.cleaned_data["account"], reverse("playbooks:detail", args=[playbook.pk]))


def _run(request: HttpRequest, playbook: Playbook, account: Account, back: str) -> HttpResponse:
    if not may_run_by_hand(membership=request.membership, playbook=playbook, account=account):
        raise PermissionDenied("You may not run this playbook on this account.")
    if playbook.archived_at is not None or playbook.broken_reason:
        messages.error(request, f"{playbook.name} cannot run: {playbook.broken_reason or 'it was removed'}.")
        return redirect(back)
    run = run_by_hand(tenant=request.tenant, playbook=playbook, account=account, by=request.user)
    messages.success(request, f"Running {playbook.name} on {account.name}: its actions follow in a moment.")
    return redirect("playbooks:run", run.pk)
