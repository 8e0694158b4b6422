"""The preview on the playbook's page and in the editor: start one (of the saved playbook, or of the editor's
unsaved definition) and poll its progress until the result shows. Starting one is the admin's, as the
editor is; any member may read a preview of their tenant."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.web import get_or_404, member_required
from tenancy.parsing import parse_id
from tenancy.permissions import Capability, membership_can
from tenancy.queue import BACKGROUND_UNAVAILABLE, queue_watch

from ..forms.playbooks import draft_from_post
from ..models import Playbook, PreviewJob
from ..selectors import playbooks as selectors
from ..services import preview as service

DAYS = (7, 30, 90)


def _days(request: HttpRequest) -> int:
    days = parse_id(request.POST.get("days", ""))
    return days if days in DAYS else service.DEFAULT_DAYS


def _status(request: HttpRequest, job: PreviewJob, *, unavailable: bool = False) -> HttpResponse:
    context = {
        **service.preview_shown(job),
        "days_choices": DAYS,
        "unavailable": BACKGROUND_UNAVAILABLE if unavailable else "",
    }
    if request.headers.get("HX-Request"):
        return render(request, "playbooks/_preview.html", context)
    return render(request, "playbooks/_preview_page.html", {**context, "section": "playbooks"})


@require_POST
@member_required(Capability.CONFIGURE)
def preview_start(request: HttpRequest) -> HttpResponse:
    """From the playbook's page (its saved definition) or from the editor (the form's fields: the draft as
    typed, unsaved)."""
    tenant = request.tenant
    playbook: Playbook | None = None
    if (playbook_id := parse_id(request.POST.get("playbook", ""))) is not None:
        playbook = get_or_404(selectors.playbook_get, tenant=tenant, playbook_id=playbook_id)
    definition = draft_from_post(request.POST) if "trigger" in request.POST else None
    try:
        with queue_watch() as watch:
            job = service.preview_start(
                tenant=tenant, by=request.user, definition=definition, playbook=playbook, days=_days(request)
            )
    except ValidationError as error:
        problems = [f"{message}" for messages_ in error.message_dict.values() for message in messages_]
        if request.headers.get("HX-Request"):
            # 200: htmx swaps only a success, and these are the answer the person needs to see.
            return render(request, "playbooks/_preview_refused.html", {"problems": problems})
        messages.error(request, "The preview needs a valid trigger and conditions: " + " ".join(problems))
        return redirect("playbooks:detail", playbook.pk) if playbook else redirect("playbooks:index")
    return _status(request, job, unavailable=bool(watch.failed))


@require_GET
@member_required()
def preview_status(request: HttpRequest, preview_id: int) -> HttpResponse:
    """The progress, then the result: polled every two seconds while the replay runs."""
    job = get_or_404(service.preview_get, tenant=request.tenant, job_id=preview_id)
    with queue_watch() as watch:
        service.preview_resume(tenant=request.tenant, job=job)
    return _status(request, job, unavailable=bool(watch.failed))


@require_GET
@member_required()
def playbook_preview(request: HttpRequest, playbook_id: int) -> HttpResponse:
    """The playbook page's preview card: the start button and the latest preview of the playbook."""
    playbook = get_or_404(selectors.playbook_get, tenant=request.tenant, playbook_id=playbook_id)
    latest = service.preview_latest(tenant=request.tenant, playbook=playbook)
    context = {
        "playbook": playbook,
        "days_choices": DAYS,
        "latest": service.preview_shown(latest) if latest else None,
        "may_configure": membership_can(request.membership, Capability.CONFIGURE),
    }
    return render(request, "playbooks/_preview_card.html", context)
