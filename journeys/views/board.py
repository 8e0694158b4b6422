"""The journey board (tracks by stage), the same tracks as a sortable list, and the flags for review."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core import tenant_time
from core.text import day
from core.web import OWNER_ME, get_or_404, list_params, member_required, owner_filtered, query_without, safe_next
from tenancy.models import Role
from tenancy.permissions import Capability, membership_can, require

from .. import selectors, services
from ..forms.flags import FlagConfirmForm, FlagDismissForm, FlagFilterForm
from ..forms.tracks import TrackFilterForm
from ..models import FlagStatus, Stage

TRACKS_PER_PAGE = 50
FLAGS_PER_PAGE = 50


def _filtered(request: HttpRequest, params: QueryDict, *, with_ended: bool):
    form = TrackFilterForm(params, tenant=request.tenant, with_ended=with_ended)
    data, owner_value, owner_id = owner_filtered(request, form)
    tracks = selectors.tracks_filtered(
        tenant=request.tenant,
        segment=data.get("segment") or "",
        tier_id=data.get("tier"),
        owner_id=owner_id,
        status=data.get("status") or "",
        stage=data.get("stage") or "",
        search=data.get("q") or "",
    )
    return form, tracks, owner_value == OWNER_ME


@require_GET
@member_required()
def board(request: HttpRequest) -> HttpResponse:
    params = list_params(request)
    params.pop("stage", None)
    form, tracks, mine = _filtered(request, params, with_ended=False)
    columns = selectors.board_columns(tracks=tracks)
    today = tenant_time.today(request.tenant)
    renewals, in_renewal = selectors.board_renewals(tenant=request.tenant, tracks=tracks, today=today)
    for column in columns:
        if column.stage == Stage.RENEWAL:
            column.renewals, column.renewals_total = renewals, in_renewal
        for card in column.cards:
            # A CSM moves only their own accounts' cards; ownership is on the account, loaded with the card.
            card.may_move = membership_can(request.membership, Capability.EDIT, card)
    return render(
        request,
        "journeys/board/index.html",
        {
            "form": form,
            "columns": columns,
            "stages": Stage.choices,
            "query": query_without(params),
            "mine": mine,
            "total": sum(c.total for c in columns),
            "in_renewal": in_renewal,
            "today": today,
            "may_move": membership_can(request.membership, Capability.EDIT),
            "section": "journeys",
        },
    )


@require_GET
@member_required()
def track_list(request: HttpRequest) -> HttpResponse:
    params = list_params(request)
    form, tracks, mine = _filtered(request, params, with_ended=True)
    sort = params.get("sort") or "status"
    page = Paginator(selectors.tracks_sorted(tracks, sort), TRACKS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "journeys/board/list.html",
        {
            "form": form,
            "page": page,
            "query": query_without(params, "sort"),
            "sort": sort,
            "mine": mine,
            "section": "journeys",
        },
    )


@require_GET
@member_required()
def flag_list(request: HttpRequest) -> HttpResponse:
    params = request.GET.copy()
    if "owner" not in params and request.membership.role == Role.CSM:
        params["owner"] = OWNER_ME
    params.setdefault("status", FlagStatus.OPEN)
    form = FlagFilterForm(params)
    data = form.cleaned_data if form.is_valid() else {"status": FlagStatus.OPEN}
    flags = selectors.flag_list(
        tenant=request.tenant,
        status=data.get("status") or "",
        kind=data.get("kind") or "",
        owner=request.user if data.get("owner") == OWNER_ME else None,
    )
    page = Paginator(flags, FLAGS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.flags_with_tasks(tenant=request.tenant, flags=page.object_list)
    for flag in page:
        selectors.with_back_stages(flag)
    return render(
        request,
        "journeys/board/flags.html",
        {
            "form": form,
            "page": page,
            "query": query_without(params),
            "mine": data.get("owner") == OWNER_ME,
            "may_edit": membership_can(request.membership, Capability.EDIT),
            "user_id": request.user.pk,
            "is_csm": request.membership.role == Role.CSM,
            "section": "journeys",
        },
    )


def _back(request: HttpRequest, flag) -> HttpResponse:
    if target := safe_next(request):
        return redirect(target)
    return redirect("journeys:account_journey", account_id=flag.track.account_id)


@require_POST
@member_required(Capability.EDIT)
def flag_confirm(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = get_or_404(selectors.flag_get, tenant=request.tenant, flag_id=flag_id)
    require(request, Capability.EDIT, flag)
    form = FlagConfirmForm(request.POST)
    form.is_valid()
    try:
        transition = services.flag_confirm(
            flag=flag,
            by=request.user,
            to_stage=form.cleaned_data.get("to_stage") or "",
            note=form.cleaned_data.get("note") or "",
        )
    except ValidationError as error:
        messages.error(request, f"Could not confirm the regression of {flag.track.name}: {' '.join(error.messages)}")
    else:
        messages.success(
            request,
            f"{flag.track.account.name} · {flag.track.name} moved back to {transition.get_to_stage_display()} "
            f"({transition.reason_label}).",
        )
    return _back(request, flag)


@require_GET
@member_required()
def flag_detail(request: HttpRequest, flag_id: int) -> HttpResponse:
    """Where a flag's task links (the inbox): the flag on its account's journey."""
    flag = get_or_404(selectors.flag_get, tenant=request.tenant, flag_id=flag_id)
    return redirect(f"{reverse('journeys:account_journey', args=[flag.track.account_id])}#track-{flag.track_id}")


@require_POST
@member_required(Capability.EDIT)
def flag_task(request: HttpRequest, flag_id: int) -> HttpResponse:
    """Make a task of the flag for the account's owner (a CSM on their own accounts, leaders and admins on any)."""
    flag = get_or_404(selectors.flag_get, tenant=request.tenant, flag_id=flag_id)
    require(request, Capability.EDIT, flag)
    try:
        task, created = services.flag_task_make(flag=flag, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        owner = task.owner or "nobody yet"
        messages.success(
            request,
            f"{'Task made' if created else 'Task already made'} for {owner}: {task.title}, due {day(task.due_on)}.",
        )
    return _back(request, flag)


@require_POST
@member_required(Capability.EDIT)
def flag_dismiss(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = get_or_404(selectors.flag_get, tenant=request.tenant, flag_id=flag_id)
    require(request, Capability.EDIT, flag)
    form = FlagDismissForm(request.POST)
    form.is_valid()
    try:
        services.flag_dismiss(flag=flag, by=request.user, note=form.cleaned_data.get("note") or "")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Dismissed: {flag.message}")
    return _back(request, flag)
