"""Health score pages: an account's health (and its card on the account page), the rows behind a
measure, recompute on demand, and the tenant's signals."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors as account_selectors
from accounts.models import Account
from core import tenant_time
from core.text import day, plural
from core.web import OWNER_ALL, OWNER_ME, get_or_404, member_required, safe_next
from tenancy.models import Role
from tenancy.permissions import Capability, membership_can, require

from ..models import Severity, SignalKind, SignalStatus
from ..scoring.explain import describe
from ..scoring.measures import BY_KEY, FAMILY_LABELS
from ..selectors import scores as selectors
from ..selectors.signal_tasks import health_signal_get, signals_with_tasks
from ..services import scores as services
from ..services.signal_tasks import signal_task_make

SIGNALS_PER_PAGE = 50
TREND_DAYS = 90


def _account(request: HttpRequest, account_id: int) -> Account:
    return get_or_404(account_selectors.account_get, tenant=request.tenant, account_id=account_id)


@require_GET
@member_required()
def account_health(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    tenant = request.tenant
    latest = selectors.health_score_latest(tenant=tenant, account=account)
    context = {
        "account": account,
        "latest": latest,
        "may_recompute": membership_can(request.membership, Capability.EDIT, account),
        "signals": signals_with_tasks(
            tenant=tenant,
            signals=selectors.health_signal_list(tenant=tenant, status=SignalStatus.OPEN, account=account),
        ),
        "may_make_task": membership_can(request.membership, Capability.EDIT, account),
        "people": selectors.contact_health_list(tenant=tenant, account=account)[: selectors.MAX_ROWS],
    }
    if latest is not None:
        history = selectors.health_score_history(tenant=tenant, account=account, days=TREND_DAYS)
        context |= {
            "families": selectors.measure_table(latest.measures),
            "chart": {
                "days": [row["day"].isoformat() for row in history],
                "scores": [row["score"] for row in history],
                "green_from": latest.model.green_from,
                "yellow_from": latest.model.yellow_from,
            },
        }
    return render(request, "health/scores/account.html", context)


@require_GET
@member_required()
def account_health_card(request: HttpRequest, account_id: int) -> HttpResponse:
    """The Health card of the account page, loaded by htmx after the page."""
    account = _account(request, account_id)
    latest = selectors.health_score_latest(tenant=request.tenant, account=account)
    return render(request, "health/scores/_card.html", {"account": account, "latest": latest})


@require_GET
@member_required()
def measure_events(request: HttpRequest, account_id: int, measure_key: str) -> HttpResponse:
    account = _account(request, account_id)
    tenant = request.tenant
    latest = selectors.health_score_latest(tenant=tenant, account=account)
    measure = (latest.measures if latest else {}).get(measure_key)
    if measure is None and measure_key not in BY_KEY:
        raise Http404("No such measure.")
    day = latest.day if latest else tenant_time.today(tenant)
    definition = BY_KEY.get(measure_key)
    label = (measure or {}).get("label") or (definition.label if definition else measure_key)
    family = (measure or {}).get("family") or (definition.family if definition else "custom")
    context = {
        "account": account,
        "latest": latest,
        "key": measure_key,
        "label": label,
        "family_label": FAMILY_LABELS.get(family, family),
        "definition": definition,
        "measure": measure,
        "value": selectors.measure_value(measure_key, (measure or {}).get("raw")),
        "phrase": describe(measure_key, measure) if measure else "",
        "events": selectors.measure_events(tenant=tenant, account=account, measure_key=measure_key, day=day),
    }
    return render(request, "health/scores/measure.html", context)


@require_POST
@member_required(Capability.EDIT)
def account_health_recompute(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    require(request, Capability.EDIT, account)
    score = services.account_recompute(account=account)
    if score is None or score.score is None:
        messages.info(request, f"Recomputed {account.name}: no measure has data yet, so there is no score.")
    else:
        left_out = f" {plural(len(score.missing), 'measure')} left out for lack of data."
        messages.success(
            request,
            f"Recomputed {account.name}: health {score.score} ({score.band})." + (left_out if score.missing else ""),
        )
    return redirect("health:account_health", account_id=account.pk)


class SignalFilterForm(forms.Form):
    # The page's own filter (one view reads it), so it lives next to the view.
    status = forms.ChoiceField(choices=SignalStatus.choices, required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *SignalKind.choices], required=False)
    severity = forms.ChoiceField(choices=[("", "Any severity"), *Severity.choices], required=False)
    owner = forms.ChoiceField(choices=[(OWNER_ALL, "Everyone's accounts"), (OWNER_ME, "My accounts")], required=False)


@require_GET
@member_required()
def signal_list(request: HttpRequest) -> HttpResponse:
    params = request.GET.copy()
    if "owner" not in params and request.membership.role == Role.CSM:
        params["owner"] = OWNER_ME  # a CSM's own book first, as on the accounts page
    params.setdefault("status", SignalStatus.OPEN)
    form = SignalFilterForm(params)
    data = form.cleaned_data if form.is_valid() else {"status": SignalStatus.OPEN}
    signals = selectors.health_signal_list(
        tenant=request.tenant,
        status=data.get("status") or SignalStatus.OPEN,
        kind=data.get("kind") or None,
        severity=data.get("severity") or None,
        owner=request.user if data.get("owner") == OWNER_ME else None,
    )
    page = Paginator(signals, SIGNALS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = signals_with_tasks(tenant=request.tenant, signals=page.object_list)
    for signal in page.object_list:
        # A CSM makes tasks of their own accounts' signals; leaders and admins of any; viewers of none.
        signal.may_make_task = membership_can(request.membership, Capability.EDIT, signal.account)
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "health/scores/signals.html",
        {"form": form, "page": page, "query": query.urlencode(), "mine": data.get("owner") == OWNER_ME},
    )


@require_GET
@member_required()
def signal_detail(request: HttpRequest, health_signal_id: int) -> HttpResponse:
    """Where a signal's task links (the inbox): the signal on its account's health page."""
    signal = get_or_404(health_signal_get, tenant=request.tenant, health_signal_id=health_signal_id)
    return redirect(f"{reverse('health:account_health', args=[signal.account_id])}#account-signals")


@require_POST
@member_required(Capability.EDIT)
def signal_task(request: HttpRequest, health_signal_id: int) -> HttpResponse:
    """Make a task of the signal for the account's owner, due in 2 business days (once per signal)."""
    signal = get_or_404(health_signal_get, tenant=request.tenant, health_signal_id=health_signal_id)
    require(request, Capability.EDIT, signal.account)
    task, created = signal_task_make(signal=signal, by=request.user)
    owner = task.owner or "nobody yet"
    messages.success(
        request, f"{'Task made' if created else 'Task already made'} for {owner}: {task.title}, due {day(task.due_on)}."
    )
    return redirect(safe_next(request) or reverse("health:account_health", args=[signal.account_id]))
