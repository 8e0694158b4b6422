"""A calendar entry's pages: new (a draft or scheduled at once), its page (recipients, conflicts, status and
reason, deliveries, engagement, approvals), a preview with a real contact, edit, schedule and cancel. Every
rule (governance, merge fields, caps, approvals) is communications.services'; these views say what happened."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from accounts.models import Account
from accounts.selectors import assignable_owner
from core import tenant_time
from core.text import moment, plural
from core.web import apply_errors, get_or_404, member_required, safe_next
from tenancy.models import Role
from tenancy.parsing import parse_id
from tenancy.permissions import Capability, may_assign_to, membership_can, require

from .. import selectors, services
from ..composing.merge import MERGE_FIELDS
from ..forms.entries import CancelForm, EntryForm
from ..models import CalendarEntry, EntryStatus
from ..selectors.personalisation import entry_title
from ..services.conflicts import entries_conflicts
from ..services.entries import FINAL
from ..services.outbox import TASK_CHANNELS
from ..services.resend import entry_resend_unreached
from .calendar import decorate

# Still changeable: nothing has left for anyone yet (the services' rule, not a second list).
EDITABLE = tuple(status for status in EntryStatus if status not in FINAL)
SCHEDULABLE = (EntryStatus.DRAFT, EntryStatus.FAILED)


def when(entry: CalendarEntry, tenant) -> str:
    return moment(entry.scheduled_at, tenant)


def outcome_sentence(entry: CalendarEntry, tenant) -> str:
    """What scheduling did, in the words the person needs: when it goes, or why it waits."""
    recipients = f"{plural(entry.recipient_count, 'recipient')}"
    reason = entry.status_reason.strip()
    if entry.status == EntryStatus.SCHEDULED:
        return f"Scheduled for {when(entry, tenant)} to {recipients}."
    if entry.status == EntryStatus.DEFERRED:
        if reason.lower().startswith("deferred"):
            return reason
        return f"Deferred to {when(entry, tenant)}: {reason}" if reason else f"Deferred to {when(entry, tenant)}."
    if entry.status == EntryStatus.PENDING_APPROVAL:
        return f"Waiting for a leader's or an admin's approval before it is scheduled: {reason or recipients}."
    if entry.status == EntryStatus.DRAFT:
        return "Saved as a draft: nothing is sent until you schedule it."
    return f"{entry.get_status_display()}{': ' + reason if reason else '.'}"


def _message_level(entry: CalendarEntry):
    """A warning when the entry waits (deferred, or for an approval), else a success."""
    if entry.status in (EntryStatus.DEFERRED, EntryStatus.PENDING_APPROVAL):
        return messages.warning
    return messages.success


def _entry(request: HttpRequest, entry_id: int) -> CalendarEntry:
    return get_or_404(selectors.entry_get, tenant=request.tenant, entry_id=entry_id)


def _accounts_for(request: HttpRequest):
    """The accounts a member may plan for: a CSM's own, everyone's for leaders and admins."""
    accounts = account_selectors.account_list(tenant=request.tenant).order_by("name")
    if request.membership.role == Role.CSM:
        accounts = accounts.filter(owner=request.user)
    return accounts


def _owner(request: HttpRequest, owner_id: int | None):
    if not owner_id:
        return request.user
    owner = assignable_owner(tenant=request.tenant, user_id=owner_id)
    if owner is None:
        raise ValidationError({"owner": "Choose one of this tenant's CSMs, leaders or admins."})
    if not may_assign_to(request.membership, owner):
        raise PermissionDenied("Only a CS leader or an admin may give an entry to someone else.")
    return owner


def _form_page(request: HttpRequest, form: EntryForm, entry: CalendarEntry | None, account: Account | None):
    return render(
        request,
        "communications/entries/form.html",
        {
            "form": form,
            "entry": entry,
            "account": account,
            "merge_fields": MERGE_FIELDS,
            "zone": request.tenant.time_zone,
            "nav_active": "calendar",
            "section": "communications",
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@member_required(Capability.EDIT)
def entry_new(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    accounts = _accounts_for(request)
    account = None
    if (picked := parse_id(request.GET.get("account", ""))) is not None:
        account = get_or_404(account_selectors.account_get, tenant=tenant, account_id=picked)
        require(request, Capability.EDIT, account)
    if request.method == "GET":
        local = tenant_time.now(tenant)
        initial = {
            "team": request.membership.team,
            "owner": request.user.pk,
            "scheduled_on": local.date(),
            "scheduled_time": local.replace(minute=0, second=0, microsecond=0).time(),
        }
        return _form_page(
            request, EntryForm(tenant=tenant, account=account, accounts=accounts, initial=initial), None, account
        )
    form = EntryForm(request.POST, tenant=tenant, account=account, accounts=accounts)
    if form.is_valid():
        chosen = account or form.cleaned_data["account"]
        require(request, Capability.EDIT, chosen)
        schedule = request.POST.get("action") == "schedule"
        try:
            owner = _owner(request, form.cleaned_data["owner"])
            # Refused by the rules: nothing is kept, the form says why.
            with transaction.atomic():
                entry = services.entry_create(
                    tenant=tenant,
                    account=chosen,
                    by=request.user,
                    owner=owner,
                    schedule=schedule,
                    **form.service_fields(),
                )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            _message_level(entry)(request, f"{entry_title(entry)} for {chosen.name}: {outcome_sentence(entry, tenant)}")
            return redirect(entry.get_absolute_url())
    return _form_page(request, form, None, account)


def entry_page(request: HttpRequest, entry: CalendarEntry, cancel_form: CancelForm | None = None) -> HttpResponse:
    tenant = request.tenant
    may_edit = membership_can(request.membership, Capability.EDIT, entry)
    conflicts = entries_conflicts(tenant=tenant, entries=[entry])
    decorate([entry], conflicts, tenant=request.tenant)
    deliveries = selectors.entry_deliveries(tenant=tenant, entry=entry)
    recipients = selectors.entry_recipients(entry)
    problems = selectors.entry_merge_problems(entry=entry) if entry.status in EDITABLE else []
    return render(
        request,
        "communications/entries/detail.html",
        {
            "entry": entry,
            "account": entry.account,
            "contacts": selectors.entry_contacts(tenant=tenant, entry=entry),
            "recipients": recipients,
            "approvals": selectors.entry_approvals(tenant=tenant, entry=entry),
            "deliveries": deliveries,
            "engagement": selectors.entry_engagement(tenant=tenant, entry=entry, deliveries=deliveries),
            "problems": problems,
            "may_edit": may_edit and entry.status in EDITABLE,
            "may_schedule": may_edit and entry.status in SCHEDULABLE,
            "may_resend": may_edit and entry.is_partly_sent,
            "reach": selectors.entry_reach(deliveries),
            "may_decide": entry.status == EntryStatus.PENDING_APPROVAL
            and membership_can(request.membership, Capability.MANAGE, entry),
            "cancel_form": cancel_form or CancelForm(),
            "task": selectors.owner_task_of_entry(tenant=tenant, entry=entry)
            if entry.channel in TASK_CHANNELS
            else None,
            "nav_active": "calendar",
            "section": "communications",
        },
        status=400 if cancel_form is not None and cancel_form.errors else 200,
    )


@require_GET
@member_required()
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    return entry_page(request, _entry(request, entry_id))


@require_GET
@member_required()
def entry_preview(request: HttpRequest, entry_id: int) -> HttpResponse:
    """The entry rendered for one real contact of its account: the first recipient unless one is chosen."""
    tenant = request.tenant
    entry = _entry(request, entry_id)
    candidates = list(selectors.contacts_of(tenant=tenant, account_id=entry.account_id))
    chosen = request.GET.get("contact", "")
    contact = next((c for c in candidates if str(c.pk) == chosen), None)
    if contact is None:
        recipients = selectors.entry_recipients(entry)
        contact = recipients[0] if recipients else (candidates[0] if candidates else None)
    preview = selectors.entry_preview(entry=entry, contact=contact) if contact is not None else None
    context = {
        "entry": entry,
        "account": entry.account,
        "contact": contact,
        "candidates": candidates,
        "preview": preview,
        "fallbacks": entry.fallbacks or {},
        "nav_active": "calendar",
        "section": "communications",
    }
    template = "communications/entries/_preview.html" if request.htmx else "communications/entries/preview.html"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@member_required(Capability.EDIT)
def entry_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    tenant = request.tenant
    entry = _entry(request, entry_id)
    require(request, Capability.EDIT, entry)
    if entry.status not in EDITABLE:
        messages.error(
            request, f"{entry_title(entry)} is {entry.get_status_display().lower()}: it can no longer change."
        )
        return redirect(entry.get_absolute_url())
    accounts = account_selectors.account_list(tenant=tenant).filter(pk=entry.account_id)
    if request.method == "GET":
        form = EntryForm(
            tenant=tenant, account=entry.account, accounts=accounts, initial=EntryForm.initial_for(entry, tenant)
        )
        return _form_page(request, form, entry, entry.account)
    form = EntryForm(request.POST, tenant=tenant, account=entry.account, accounts=accounts)
    if form.is_valid():
        try:
            owner = _owner(request, form.cleaned_data["owner"])
            with transaction.atomic():
                entry = services.entry_update(entry=entry, by=request.user, owner=owner, **form.service_fields())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{entry_title(entry)} saved. {outcome_sentence(entry, tenant)}")
            return redirect(entry.get_absolute_url())
    return _form_page(request, form, entry, entry.account)


@require_POST
@member_required(Capability.EDIT)
def entry_schedule(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(request, entry_id)
    require(request, Capability.EDIT, entry)
    try:
        entry = services.entry_schedule(entry=entry, by=request.user)
    except ValidationError as error:
        messages.error(request, f"{entry_title(entry)} was not scheduled: {' '.join(error.messages)}")
    else:
        _message_level(entry)(request, f"{entry_title(entry)}: {outcome_sentence(entry, request.tenant)}")
    return redirect(safe_next(request) or entry.get_absolute_url())


@require_POST
@member_required(Capability.EDIT)
def entry_resend(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Send a partly sent entry again to the contacts it did not reach (its owner, a leader or an admin)."""
    entry = _entry(request, entry_id)
    require(request, Capability.EDIT, entry)
    try:
        entry = entry_resend_unreached(entry=entry, by=request.user)
    except ValidationError as error:
        messages.error(request, f"{entry_title(entry)} was not sent again: {' '.join(error.messages)}")
    else:
        messages.success(request, f"{entry_title(entry)}: {entry.status_reason}")
    return redirect(entry.get_absolute_url())


@require_POST
@member_required(Capability.EDIT)
def entry_cancel(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry(request, entry_id)
    require(request, Capability.EDIT, entry)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.entry_cancel(entry=entry, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{entry_title(entry)} cancelled: {form.cleaned_data['reason']}.")
            return redirect(safe_next(request) or entry.get_absolute_url())
    return entry_page(request, _entry(request, entry_id), cancel_form=form)
