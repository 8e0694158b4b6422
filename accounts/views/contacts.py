"""Adding and changing an account's contacts."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.web import apply_errors, get_or_404, member_required
from tenancy.permissions import Capability, require

from .. import selectors, services
from ..forms.contacts import ContactForm


@member_required(Capability.EDIT)
def contact_create(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_or_404(selectors.account_get, tenant=request.tenant, account_id=account_id)
    require(request, Capability.EDIT, account)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(tenant=request.tenant, account=account, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Added {contact.name} to {account.name}.")
            return redirect(account)
    return render(
        request, "accounts/book/contact_form.html", {"form": form, "account": account, "title": "New contact"}
    )


@member_required(Capability.EDIT)
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_or_404(selectors.contact_get, tenant=request.tenant, contact_id=contact_id)
    require(request, Capability.EDIT, contact)
    form = ContactForm.for_contact(contact, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(contact=contact, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"Saved {contact.name}.")
            return redirect(contact.account)
    return render(
        request,
        "accounts/book/contact_form.html",
        {"form": form, "account": contact.account, "contact": contact, "title": f"Edit {contact.name}"},
    )
