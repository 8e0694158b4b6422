"""Logging a note (a call, a meeting, an email, a note) on an account, from the account card or the inbox."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.web import apply_errors, member_required, safe_next
from tenancy.parsing import parse_id
from tenancy.permissions import Capability

from ..forms.notes import NoteForm
from ..services.notes import note_log

# The account card and the health timeline reload on it.
CHANGED = "notes-changed"


@require_http_methods(["GET", "POST"])
@member_required(Capability.EDIT)
def note_new(request: HttpRequest) -> HttpResponse:
    """Viewers read; anyone else logs what they did with an account, theirs or a colleague's."""
    account_id = parse_id(request.GET.get("account", "") or request.POST.get("fixed_account", ""))
    form = NoteForm(request.POST or None, tenant=request.tenant, initial={"account": account_id})
    note = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        happened_at = data["happened_at"]
        if happened_at is not None and timezone.is_naive(happened_at):
            happened_at = timezone.make_aware(happened_at, request.tenant.zone)
        try:
            note = note_log(
                tenant=request.tenant,
                account=data["account"],
                author=request.user,
                kind=data["kind"],
                subject=data["subject"],
                body=data["body"],
                happened_at=happened_at,
            )
        except ValidationError as error:
            apply_errors(form, error)
    fixed = request.POST.get("fixed_account") or ""
    if request.htmx and request.method == "POST":
        context = {"note_form": form, "fixed_account": fixed}
        if note is not None:
            context = {
                "note_form": NoteForm(tenant=request.tenant, initial={"account": account_id}),
                "logged": note,
                "fixed_account": fixed,
            }
        response = render(request, "activities/notes/_form.html", context)
        if note is not None:
            response["HX-Trigger"] = CHANGED
        return response
    if request.htmx:
        # The inbox's form, loaded when it is opened.
        return render(request, "activities/notes/_form.html", {"note_form": form})
    if note is not None:
        messages.success(request, f"Logged the {note.get_kind_display().lower()} on {note.account}.")
        return redirect(safe_next(request) or note.account.get_absolute_url())
    return render(request, "activities/notes/new.html", {"note_form": form, "section": "activities"})
