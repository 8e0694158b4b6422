"""The playbook page's effectiveness card: loaded after the page (it reads a year of runs and their
outcomes), for any member."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core import tenant_time
from core.web import get_or_404, member_required

from ..selectors import playbooks as selectors
from ..selectors.effectiveness import MIN_GROUP, playbook_effectiveness


@require_GET
@member_required()
def effectiveness(request: HttpRequest, playbook_id: int) -> HttpResponse:
    playbook = get_or_404(selectors.playbook_get, tenant=request.tenant, playbook_id=playbook_id)
    report = playbook_effectiveness(tenant=request.tenant, playbook=playbook, today=tenant_time.today(request.tenant))
    context = {"playbook": playbook, "report": report, "min_group": MIN_GROUP, "section": "playbooks"}
    if request.headers.get("HX-Request"):
        return render(request, "playbooks/_effectiveness.html", context)
    return render(request, "playbooks/_effectiveness_page.html", context)
