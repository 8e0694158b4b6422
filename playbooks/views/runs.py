"""A run's page (what fired it, the conditions as evaluated, each action and what it made) and the account
page's card (the playbooks that ran for the account, their open tasks, running one by hand)."""

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors as account_selectors
from core.web import get_or_404, member_required
from tenancy.permissions import Capability

from ..forms.playbooks import RunPlaybookForm
from ..models import Playbook, PlaybookRun, RunAction
from ..selectors import playbooks as selectors
from ..selectors import runs as run_selectors
from ..services.by_hand import may_run_by_hand
from .playbooks import SECTION, _run

# Where what an action made lives, by RunAction.object_kind (the account's pages where it has none of its own).
OBJECT_LINKS: dict[str, Callable[[RunAction, PlaybookRun], str]] = {
    "task": lambda action, run: reverse("activities:task", args=[action.object_id]),
    "enrollment": lambda action, run: reverse("communications:enrollments") + f"?account={run.account_id}",
    "entry": lambda action, run: reverse("communications:entry", args=[action.object_id]),
    "opportunity": lambda action, run: reverse("renewals:opportunity", args=[action.object_id]),
    "renewal": lambda action, run: reverse("renewals:renewal", args=[action.object_id]),
    "objective": lambda action, run: reverse("accounts:account_detail", args=[run.account_id]),
    "account": lambda action, run: reverse("accounts:account_detail", args=[action.object_id]),
}


def _object_link(action: RunAction, run: PlaybookRun) -> str | None:
    link = OBJECT_LINKS.get(action.object_kind)
    if link is None or action.object_id is None:
        return None
    try:
        return link(action, run)
    except NoReverseMatch:
        return None


@require_GET
@member_required()
def run_detail(request: HttpRequest, playbook_run_id: int) -> HttpResponse:
    run = get_or_404(run_selectors.run_get, tenant=request.tenant, run_id=playbook_run_id)
    actions = list(run.action_results.all())
    for action in actions:
        action.link = _object_link(action, run)
    definition = run.playbook.definition()
    version = run.playbook.versions.filter(tenant=request.tenant, version=run.version).first()
    if version is not None:
        definition = version.definition
    evaluated = list(run.conditions_evaluated or [])
    sentences = selectors.playbook_sentences(tenant=request.tenant, definition={**definition, "conditions": evaluated})
    return render(
        request,
        "playbooks/run.html",
        {
            "run": run,
            "actions": actions,
            "tasks": run_selectors.run_tasks(tenant=request.tenant, run=run),
            "planned": sentences.actions,
            # Each clause as a sentence, with what the account had and whether it held.
            "conditions": [
                {"sentence": sentence, "actual": clause.get("actual"), "held": clause.get("held")}
                for sentence, clause in zip(sentences.conditions, evaluated, strict=True)
            ],
            "section": SECTION,
        },
    )


def _runnable(request: HttpRequest, account) -> list[Playbook]:
    playbooks = selectors.playbooks_live(tenant=request.tenant).filter(broken_reason="")
    return [p for p in playbooks if may_run_by_hand(membership=request.membership, playbook=p, account=account)]


@require_GET
@member_required()
def account_card(request: HttpRequest, account_id: int) -> HttpResponse:
    tenant = request.tenant
    account = get_or_404(account_selectors.account_get, tenant=tenant, account_id=account_id)
    runnable = _runnable(request, account)
    return render(
        request,
        "playbooks/account/_card.html",
        {
            "account": account,
            "runs": run_selectors.account_runs(tenant=tenant, account_id=account.pk),
            "tasks": run_selectors.account_open_tasks(tenant=tenant, account_id=account.pk),
            "run_form": RunPlaybookForm(playbooks=runnable) if runnable else None,
        },
    )


@require_POST
@member_required(Capability.EDIT)
def account_run(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_or_404(account_selectors.account_get, tenant=request.tenant, account_id=account_id)
    # Every live playbook is a choice here: may_run_by_hand (in _run) says no with a 403 where it must.
    form = RunPlaybookForm(request.POST, playbooks=list(selectors.playbooks_live(tenant=request.tenant)))
    back = reverse("accounts:account_detail", args=[account.pk])
    if not form.is_valid():
        raise Http404("No such playbook.")
    playbook = selectors.playbook_get(tenant=request.tenant, playbook_id=form.cleaned_data["playbook"])
    return _run(request, playbook, account, back)
