"""The contracts pages: the book's contracts as a list, one contract with its chain and amendments, and the
forms that create, edit, amend and cancel one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors as account_selectors
from core import tenant_time
from core.text import day, money
from core.web import OWNER_ME, apply_errors, get_or_404, list_params, member_required, owner_filtered, query_without
from tenancy.models import Role
from tenancy.permissions import Capability, membership_can, require

from .. import services
from ..forms.contracts import (
    AUTO_RENEW_NO,
    AUTO_RENEW_YES,
    AmendmentForm,
    CancellationForm,
    ContractEditForm,
    ContractFilterForm,
    ContractForm,
)
from ..models import Contract, ContractStatus
from ..selectors import contracts as selectors

CONTRACTS_PER_PAGE = 25
DETAIL_TEMPLATE = "renewals/contracts/detail.html"


def _contract(request: HttpRequest, contract_id: int) -> Contract:
    return get_or_404(selectors.contract_get, tenant=request.tenant, contract_id=contract_id)


@require_GET
@member_required()
def contract_list(request: HttpRequest) -> HttpResponse:
    params = list_params(request)
    form = ContractFilterForm(params, tenant=request.tenant)
    data, owner_value, owner_id = owner_filtered(request, form)
    contracts = selectors.contracts_filtered(
        tenant=request.tenant,
        today=tenant_time.today(request.tenant),
        status=data.get("status") or "",
        segment=data.get("segment") or "",
        owner_id=owner_id,
        auto_renew={AUTO_RENEW_YES: True, AUTO_RENEW_NO: False}.get(data.get("auto_renew") or ""),
        ending_within=data.get("ending_within"),
        search=data.get("q") or "",
    )
    sort = params.get("sort") or selectors.DEFAULT_SORT
    if sort not in selectors.CONTRACT_SORTS:
        sort = selectors.DEFAULT_SORT
    page = Paginator(selectors.contracts_sorted(contracts, sort), CONTRACTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "renewals/contracts/list.html",
        {
            "form": form,
            "page": page,
            "query": query_without(params, "sort"),
            "sort": sort,
            "mine": owner_value == OWNER_ME,
            "may_create": membership_can(request.membership, Capability.EDIT),
            "section": "renewals",
        },
    )


def _detail(request: HttpRequest, contract: Contract, *, status: int = 200, **forms) -> HttpResponse:
    """The contract page; a form that failed comes in `forms` bound, with its errors, in place of a blank one."""
    may_edit = membership_can(request.membership, Capability.EDIT, contract)
    context = {
        "contract": contract,
        "account": contract.account,
        # Reverse one-to-ones: None when the contract has no renewal (yet) or was not renewed.
        "renewal": getattr(contract, "renewal", None),
        "renews": contract.renews,
        "renewed_by": getattr(contract, "renewed_by", None),
        "amendments": list(selectors.contract_amendments(tenant=request.tenant, contract=contract)),
        "today": tenant_time.today(request.tenant),
        "may_edit": may_edit,
        "section": "renewals",
    }
    if may_edit:
        context["amend_form"] = forms.get("amend_form") or AmendmentForm(
            prefix="amend", initial={"effective_on": tenant_time.today(request.tenant)}
        )
        context["edit_form"] = forms.get("edit_form") or ContractEditForm.for_contract(contract, prefix="edit")
        if contract.cancelled_on is None and contract.status == ContractStatus.ACTIVE:
            context["cancel_form"] = forms.get("cancel_form") or CancellationForm(
                prefix="cancel", initial={"cancelled_on": tenant_time.today(request.tenant)}
            )
    context["open_form"] = next(iter(forms), "")
    return render(request, DETAIL_TEMPLATE, context, status=status)


@require_GET
@member_required()
def contract_detail(request: HttpRequest, contract_id: int) -> HttpResponse:
    return _detail(request, _contract(request, contract_id))


def _own_only(request: HttpRequest):
    """A CSM picks among the accounts they own; leaders and admins among all."""
    return request.user if request.membership.role == Role.CSM else None


@require_http_methods(["GET", "POST"])
@member_required(Capability.EDIT)
def contract_new(request: HttpRequest) -> HttpResponse:
    initial = {"start_on": tenant_time.today(request.tenant)}
    account = None
    if account_id := request.GET.get("account"):
        account = get_or_404(account_selectors.account_get, tenant=request.tenant, account_id=account_id)
        require(request, Capability.EDIT, account)
        initial["account"] = account.pk
    form = ContractForm(request.POST or None, tenant=request.tenant, owner=_own_only(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        require(request, Capability.EDIT, fields["account"])
        try:
            contract = services.contract_create(
                tenant=request.tenant, by=request.user, today=tenant_time.today(request.tenant), **fields
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Added the contract of {contract.account.name}, {day(contract.start_on)} to "
                f"{day(contract.end_on)}; its renewal is open with the runway of its segment.",
            )
            return redirect(contract.get_absolute_url())
    return render(
        request,
        "renewals/contracts/form.html",
        {"form": form, "account": account, "title": "New contract", "section": "renewals"},
    )


@require_POST
@member_required(Capability.EDIT)
def contract_edit(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = _contract(request, contract_id)
    require(request, Capability.EDIT, contract)
    form = ContractEditForm.for_contract(contract, request.POST, prefix="edit")
    if form.is_valid():
        try:
            services.contract_update(contract=contract, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Saved the contract of {contract.account.name}.")
            return redirect(contract.get_absolute_url())
    return _detail(request, contract, edit_form=form)


@require_POST
@member_required(Capability.EDIT)
def contract_amend(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = _contract(request, contract_id)
    require(request, Capability.EDIT, contract)
    form = AmendmentForm(request.POST, prefix="amend")
    if form.is_valid():
        data = form.cleaned_data
        try:
            amendment = services.contract_amend(
                contract=contract,
                by=request.user,
                kind=data["kind"],
                effective_on=data["effective_on"],
                arr_change=data["arr_change"],
                seats_change=data.get("seats_change") or 0,
                note=data.get("note") or "",
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Recorded {amendment.get_kind_display().lower()} on {contract.account.name}'s contract: "
                f"ARR {'+' if amendment.arr_change >= 0 else ''}{money(amendment.arr_change, request.tenant)} "
                f"from {day(amendment.effective_on)}.",
            )
            return redirect(contract.get_absolute_url())
    return _detail(request, contract, amend_form=form)


@require_POST
@member_required(Capability.EDIT)
def contract_cancel(request: HttpRequest, contract_id: int) -> HttpResponse:
    contract = _contract(request, contract_id)
    require(request, Capability.EDIT, contract)
    form = CancellationForm(request.POST, prefix="cancel")
    if form.is_valid():
        try:
            services.contract_cancel(
                contract=contract,
                by=request.user,
                cancelled_on=form.cleaned_data["cancelled_on"],
                note=form.cleaned_data.get("note") or "",
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"Recorded {contract.account.name}'s notice of cancellation of "
                f"{day(form.cleaned_data['cancelled_on'])}: the contract ends on {day(contract.end_on)} "
                "instead of renewing.",
            )
            return redirect(contract.get_absolute_url())
    return _detail(request, contract, cancel_form=form)
