"""An account's journey: its tracks with checklists and timelines, and every change to a track."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from accounts.models import Account
from core import tenant_time
from core.web import apply_errors, get_or_404, member_required, safe_next
from tenancy.parsing import parse_id
from tenancy.permissions import Capability, membership_can, require

from .. import selectors, services
from ..forms.flags import FlagConfirmForm
from ..forms.tracks import CriterionToggleForm, TrackEditForm, TrackEndForm, TrackForm, TransitionForm
from ..models import CriterionKind, JourneyTrack, Stage, TransitionKind

CARD_TRACKS = 6


def _account(request: HttpRequest, account_id: int) -> Account:
    return get_or_404(account_selectors.account_get, tenant=request.tenant, account_id=account_id)


def _track(request: HttpRequest, track_id: int) -> JourneyTrack:
    return get_or_404(selectors.track_get, tenant=request.tenant, track_id=track_id)


def _renewal_phase(request: HttpRequest, account: Account):
    today = tenant_time.today(request.tenant)
    return selectors.account_renewal(tenant=request.tenant, account=account, today=today)


def _journey_url(track: JourneyTrack) -> str:
    return reverse("journeys:account_journey", args=[track.account_id]) + f"#track-{track.pk}"


@require_GET
@member_required()
def account_journey(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    may_edit = membership_can(request.membership, Capability.EDIT, account)
    journeys = selectors.account_journey(tenant=request.tenant, account=account)
    return render(
        request,
        "journeys/account/journey.html",
        {
            "account": account,
            "renewal": _renewal_phase(request, account),
            "active": [j for j in journeys if j.track.is_active],
            "ended": [j for j in journeys if not j.track.is_active],
            "objectives": list(selectors.account_objectives(tenant=request.tenant, account=account)),
            "may_edit": may_edit,
            "stages": Stage.choices,
            "track_form": TrackForm() if may_edit else None,
            "flag_form": FlagConfirmForm(),
            "section": "journeys",
        },
    )


@require_GET
@member_required()
def account_journey_card(request: HttpRequest, account_id: int) -> HttpResponse:
    """The Journey card of the account page, loaded by htmx after the page."""
    account = _account(request, account_id)
    tracks = list(selectors.track_list(tenant=request.tenant).filter(account=account, ended_at__isnull=True))
    return render(
        request,
        "journeys/account/_card.html",
        {
            "account": account,
            "tracks": tracks[:CARD_TRACKS],
            "more": max(0, len(tracks) - CARD_TRACKS),
            "renewal": _renewal_phase(request, account),
        },
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.EDIT)
def track_create(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account(request, account_id)
    require(request, Capability.EDIT, account)
    form = TrackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            track = services.track_create(tenant=request.tenant, account=account, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Started {track.name} in {track.get_stage_display()}.")
            return redirect(_journey_url(track))
    return render(
        request,
        "journeys/account/track_form.html",
        {"form": form, "account": account, "title": f"New track for {account.name}", "section": "journeys"},
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.EDIT)
def track_edit(request: HttpRequest, track_id: int) -> HttpResponse:
    track = _track(request, track_id)
    require(request, Capability.EDIT, track)
    form = TrackEditForm(request.POST or None, initial={"name": track.name, "scope_kind": track.scope_kind})
    if request.method == "POST" and form.is_valid():
        try:
            services.track_rename(track=track, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Saved {track.name}.")
            return redirect(_journey_url(track))
    return render(
        request,
        "journeys/account/track_form.html",
        {"form": form, "account": track.account, "title": f"Edit {track.name}", "section": "journeys"},
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.EDIT)
def track_end(request: HttpRequest, track_id: int) -> HttpResponse:
    track = _track(request, track_id)
    require(request, Capability.EDIT, track)
    form = TrackEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.track_end(track=track, by=request.user, reason_text=form.cleaned_data["reason_text"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Ended {track.name}; it can re-enter a stage later.")
            return redirect(_journey_url(track))
    return render(
        request,
        "journeys/account/end.html",
        {"form": form, "track": track, "account": track.account, "section": "journeys"},
    )


def _default_target(track: JourneyTrack) -> str:
    if not track.is_active:
        return track.stage
    position = Stage.position(track.stage)
    return Stage.values[min(position + 1, len(Stage.values) - 1)]


@require_http_methods(["GET", "POST"])
@member_required(Capability.EDIT)
def track_move(request: HttpRequest, track_id: int) -> HttpResponse:
    track = _track(request, track_id)
    require(request, Capability.EDIT, track)
    to_stage = request.POST.get("to_stage") or request.GET.get("to") or request.GET.get("to_stage") or ""
    if to_stage not in Stage.values:
        to_stage = _default_target(track)
    checklist = selectors.track_checklist(tenant=request.tenant, track=track)
    form = TransitionForm(
        request.POST or None,
        checklist=checklist,
        initial={"to_stage": to_stage, "ticks": [s.criterion.pk for s in checklist if s.met]},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        wanted = set(data.get("ticks") or [])
        try:
            transition = services.track_transition(
                track=track,
                to_stage=data["to_stage"],
                by=request.user,
                reason=data["reason"],
                reason_text=data["reason_text"],
                note=data["note"],
                override_reason=data["override_reason"],
                ticks=[
                    s.criterion
                    for s in checklist
                    if s.criterion.pk in wanted and s.criterion.kind == CriterionKind.MANUAL
                ],
            )
        except ValidationError as error:
            # The boxes ticked in the form stay ticked in the form shown again (the template reads them).
            apply_errors(form, error)
        else:
            overridden = f" Overridden: {transition.override_reason}" if transition.overridden else ""
            messages.success(
                request,
                f"{track.account.name} · {track.name}: {transition.get_kind_display().lower()} to "
                f"{transition.get_to_stage_display()}.{overridden}",
            )
            return redirect(safe_next(request) or _journey_url(track))
    kind = services.transition_kind_for(track, to_stage)
    # From the board, htmx asks for the form alone to show it in a modal; a POST answers with a page.
    in_modal = request.method == "GET" and request.htmx
    return render(
        request,
        "journeys/account/_move_modal.html" if in_modal else "journeys/account/move.html",
        {
            "form": form,
            "track": track,
            "account": track.account,
            "to_stage": to_stage,
            "to_label": Stage(to_stage).label,
            "kind": kind,
            "kind_label": TransitionKind(kind).label,
            "forward": kind in (TransitionKind.ADVANCE, TransitionKind.SKIP),
            "needs_reason_text": kind in (TransitionKind.SKIP, TransitionKind.REENTER),
            "regress": kind == TransitionKind.REGRESS,
            "ticked": {pk for t in form["ticks"].value() or [] if (pk := parse_id(t)) is not None},
            "next": safe_next(request),
            "section": "journeys",
        },
    )


@require_POST
@member_required(Capability.EDIT)
def criterion_toggle(request: HttpRequest, track_id: int, criterion_id: int) -> HttpResponse:
    track = _track(request, track_id)
    criterion = get_or_404(selectors.exit_criterion_get, tenant=request.tenant, criterion_id=criterion_id)
    require(request, Capability.EDIT, track)
    objectives = list(selectors.account_objectives(tenant=request.tenant, account=track.account))
    form = CriterionToggleForm(request.POST, objectives=objectives)
    error_text = ""
    if not form.is_valid():
        error_text = "Choose one of this account's objectives."
    else:
        data = form.cleaned_data
        try:
            if data["checked"]:
                objective = next((o for o in objectives if o.pk == data["objective"]), None)
                services.criterion_check(
                    track=track, criterion=criterion, by=request.user, note=data["note"], objective=objective
                )
            else:
                services.criterion_uncheck(track=track, criterion=criterion)
        except ValidationError as error:
            error_text = " ".join(error.messages)
    if not request.htmx:
        if error_text:
            messages.error(request, error_text)
        return redirect(_journey_url(track))
    track = _track(request, track_id)
    return render(
        request,
        "journeys/account/_checklist.html",
        {
            "track": track,
            "checklist": selectors.track_checklist(tenant=request.tenant, track=track),
            "objectives": objectives,
            "may_edit": True,
            "error": error_text,
        },
    )
