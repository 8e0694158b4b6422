"""The tenant's playbook settings: the daily cap (admins change it, everyone reads it)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.web import apply_errors, member_required
from tenancy.permissions import Capability, membership_can, require

from ..forms.playbooks import PlaybookSettingsForm
from ..services.settings import playbook_settings, playbook_settings_update
from .playbooks import SECTION


@require_http_methods(["GET", "POST"])
@member_required()
def settings_edit(request: HttpRequest) -> HttpResponse:
    current = playbook_settings(tenant=request.tenant)
    form = PlaybookSettingsForm(request.POST or None, instance=current)
    if request.method == "POST":
        require(request, Capability.CONFIGURE)
        if form.is_valid():
            try:
                playbook_settings_update(tenant=request.tenant, daily_cap=form.cleaned_data["daily_cap"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    f"Saved: at most {form.cleaned_data['daily_cap']:,} runs take actions a day; the rest are held.",
                )
                return redirect("playbooks:settings")
    return render(
        request,
        "playbooks/settings.html",
        {
            "form": form,
            "settings": current,
            "may_configure": membership_can(request.membership, Capability.CONFIGURE),
            "section": SECTION,
        },
        status=400 if form.errors else 200,
    )
