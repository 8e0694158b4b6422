"""The book of business: the list, accounts' part of the account page (the 360 is dashboard's), and its forms."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core import tenant_time
from core.text import day
from core.web import apply_errors, get_or_404, member_required
from tenancy.models import Role
from tenancy.permissions import Capability, may_assign_to, membership_can, require

from .. import selectors, services
from ..economics import account_economics
from ..forms.book import AccountForm, AccountStatusForm, TierOverrideForm
from ..forms.filters import OWNER_ME, filtered_accounts
from ..models import AccountStatus, TierOverride
from ..selectors.exports import accounts_csv

ACCOUNTS_PER_PAGE = 50


def _book_params(request: HttpRequest):
    """The query, with a CSM's own accounts as the default view of the book."""
    params = request.GET.copy()
    if "owner" not in params and request.membership.role == Role.CSM:
        params["owner"] = OWNER_ME
    return params


@member_required()
def account_list(request: HttpRequest) -> HttpResponse:
    params = _book_params(request)
    form, accounts = filtered_accounts(tenant=request.tenant, user=request.user, params=params)
    page = Paginator(accounts, ACCOUNTS_PER_PAGE).get_page(request.GET.get("page"))
    policy = services.service_model_settings(tenant=request.tenant)
    rows = [(account, account_economics(account.service_tier, account.acv, policy)) for account in page]
    query = params.copy()
    for name in ("page", "sort"):
        query.pop(name, None)
    return render(
        request,
        "accounts/book/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "owners": selectors.assignable_owners(tenant=request.tenant),
            "mine": params.get("owner") == OWNER_ME,
            "may_create": membership_can(request.membership, Capability.EDIT),
            "may_import": membership_can(request.membership, Capability.MANAGE),
            "sort": params.get("sort", "name"),
        },
    )


@member_required()
def account_export(request: HttpRequest) -> StreamingHttpResponse:
    form, accounts = filtered_accounts(tenant=request.tenant, user=request.user, params=_book_params(request))
    lines = accounts_csv(accounts=accounts, definitions=form.custom_definitions, currency=request.tenant.currency)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"accounts-{request.tenant.slug}-{tenant_time.today(request.tenant):%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _may_assign(request: HttpRequest, owner) -> None:
    if not may_assign_to(request.membership, owner):
        raise ValidationError({"owner": "CSMs may only own accounts themselves; ask a CS leader to assign others."})


@member_required(Capability.EDIT)
def account_create(request: HttpRequest) -> HttpResponse:
    initial = {"owner": request.user.pk} if request.membership.role == Role.CSM else {}
    form = AccountForm(request.POST or None, tenant=request.tenant, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields, custom = form.split()
        try:
            _may_assign(request, fields["owner"])
            account = services.account_create(tenant=request.tenant, by=request.user, custom_fields=custom, **fields)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Created {account.name} in {account.service_tier or 'no tier'}.")
            return redirect(account)
    return render(request, "accounts/book/form.html", {"form": form, "title": "New account"})


def account_page_context(request: HttpRequest, account_id: int) -> dict:
    """What the account 360 (dashboard's account page) shows of accounts: the account, its facts and roll-up,
    tier and cost to serve, contacts and tier history, for accounts' partials (accounts/book/_account_*.html).
    The page lives in dashboard, above every app whose card it shows; accounts offers its part from here."""
    account = get_or_404(selectors.account_get, tenant=request.tenant, account_id=account_id)
    policy = services.service_model_settings(tenant=request.tenant)
    may_edit = membership_can(request.membership, Capability.EDIT, account)
    return {
        "account": account,
        "economics": account_economics(account.service_tier, account.acv, policy),
        "policy": policy,
        "rollup": selectors.account_rollup(tenant=request.tenant, account=account),
        "children": selectors.account_list(tenant=request.tenant).filter(parent=account).order_by("name")[:50],
        "contacts": selectors.contact_list(tenant=request.tenant)
        .filter(account=account)
        .order_by("-is_active", "name"),
        "history": selectors.tier_history(tenant=request.tenant, account=account)[:50],
        "custom_values": _custom_values(request, account),
        "may_edit": may_edit,
        "override_form": TierOverrideForm(tenant=request.tenant) if may_edit else None,
    }


def _custom_values(request: HttpRequest, account) -> list[tuple[str, object]]:
    definitions = selectors.custom_field_definitions(tenant=request.tenant)
    return [(d.label, account.custom_fields.get(d.key)) for d in definitions]


@member_required(Capability.EDIT)
def account_edit(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_or_404(selectors.account_get, tenant=request.tenant, account_id=account_id)
    require(request, Capability.EDIT, account)
    form = AccountForm.for_account(account, request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields, custom = form.split()
        try:
            if fields["owner"] != account.owner:
                _may_assign(request, fields["owner"])
            tier_before = account.service_tier
            account = services.account_update(account=account, by=request.user, custom_fields=custom, **fields)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            moved = (
                f" It moved from {tier_before} to {account.service_tier}."
                if tier_before != account.service_tier
                else ""
            )
            messages.success(request, f"Saved {account.name}.{moved}")
            return redirect(account)
    return render(
        request, "accounts/book/form.html", {"form": form, "title": f"Edit {account.name}", "account": account}
    )


@require_POST
@member_required(Capability.EDIT)
def account_status(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_or_404(selectors.account_get, tenant=request.tenant, account_id=account_id)
    require(request, Capability.EDIT, account)
    form = AccountStatusForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied("Unknown status.")
    if form.cleaned_data["status"] == AccountStatus.CHURNED:
        services.account_deactivate(account=account, by=request.user)
        messages.success(request, f"{account.name} is marked churned as of {day(account.churned_on)}.")
    else:
        services.account_reactivate(account=account, by=request.user)
        messages.success(request, f"{account.name} is active again.")
    return redirect(account)


@require_POST
@member_required(Capability.EDIT)
def account_tier_override(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_or_404(selectors.account_get, tenant=request.tenant, account_id=account_id)
    require(request, Capability.EDIT, account)
    if request.POST.get("action") == "remove":
        if account.tier_override:
            change = services.account_remove_tier_override(account=account, by=request.user)
            messages.success(request, f"Override removed: {account.name} follows its ACV again ({change.to_tier}).")
        return redirect(account)
    form = TierOverrideForm(request.POST, tenant=request.tenant)
    if form.is_valid():
        try:
            change = services.account_set_tier_override(account=account, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            until = f" until {day(account.tier_override_until)}" if account.tier_override_until else ""
            label = TierOverride(account.tier_override).label
            messages.success(request, f"{account.name} is held in {change.to_tier}{until} ({label}).")
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(errors)}")
    return redirect(account)
