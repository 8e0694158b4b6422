"""Forms of the contracts pages. Plain forms: each hands its data to a service, which holds the rules."""

from django import forms

from accounts.models import Segment
from accounts.selectors import assignable_owners
from core.web import OWNER_ALL, OWNER_ME
from tenancy.models import Tenant, User

from ..models import AmendmentKind, Contract, ContractStatus
from ..selectors.contracts import contract_accounts
from . import DATE_INPUT, MONEY, SMALL_INPUT, SMALL_SELECT

AUTO_RENEW_DEFAULT, AUTO_RENEW_YES, AUTO_RENEW_NO = "default", "yes", "no"


def owner_choices(tenant: Tenant) -> list[tuple[str, str]]:
    return [(OWNER_ALL, "Everyone's accounts"), (OWNER_ME, "My accounts")] + [
        (str(u.pk), str(u)) for u in assignable_owners(tenant=tenant)
    ]


class ContractFilterForm(forms.Form):
    """The list's filters; `owner` is "me", "all" or a user id (the account's owner)."""

    q = forms.CharField(required=False, label="Search", widget=forms.TextInput(attrs={**SMALL_INPUT, "type": "search"}))
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *ContractStatus.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )
    segment = forms.ChoiceField(
        required=False, choices=[("", "Any segment"), *Segment.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )
    owner = forms.ChoiceField(required=False, label="CSM", widget=forms.Select(attrs=SMALL_SELECT))
    auto_renew = forms.ChoiceField(
        required=False,
        label="Auto-renew",
        choices=[("", "Either"), (AUTO_RENEW_YES, "Auto-renews"), (AUTO_RENEW_NO, "Does not auto-renew")],
        widget=forms.Select(attrs=SMALL_SELECT),
    )
    ending_within = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=3650,
        label="Ending within (days)",
        widget=forms.NumberInput(attrs=SMALL_INPUT),
    )

    def __init__(self, data=None, *, tenant: Tenant, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["owner"].choices = owner_choices(tenant)


class ContractForm(forms.Form):
    """A new contract. The service fills what is left empty: the end from the term, the segment's auto-renew
    and the tenant's notice period."""

    account = forms.ModelChoiceField(queryset=None)
    start_on = forms.DateField(label="Starts on", widget=DATE_INPUT)
    end_on = forms.DateField(
        label="Ends on", required=False, widget=DATE_INPUT, help_text="The last day of the term; empty: from the term."
    )
    term_months = forms.IntegerField(label="Term (months)", min_value=1, max_value=120, initial=12, required=False)
    arr = forms.DecimalField(label="ARR", **MONEY)
    seats = forms.IntegerField(min_value=0, initial=0, required=False)
    auto_renew = forms.ChoiceField(
        label="Auto-renew",
        initial=AUTO_RENEW_DEFAULT,
        choices=[
            (AUTO_RENEW_DEFAULT, "The segment's default"),
            (AUTO_RENEW_YES, "Yes, renews itself unless cancelled by the notice date"),
            (AUTO_RENEW_NO, "No"),
        ],
    )
    notice_days = forms.IntegerField(
        label="Notice period (days)",
        min_value=0,
        max_value=730,
        required=False,
        help_text="How many days before the end the customer must cancel; empty: the tenant's default.",
    )
    reference = forms.CharField(
        max_length=80, required=False, help_text="The contract's number in your CRM or billing."
    )

    def __init__(self, data=None, *, tenant: Tenant, owner: User | None = None, **kwargs):
        super().__init__(data, **kwargs)
        # Choices from this tenant only: another tenant's account id is "not one of the available choices".
        # With `owner` (a CSM), only the accounts they own: the others are not theirs to change.
        accounts = contract_accounts(tenant=tenant)
        self.fields["account"].queryset = accounts.filter(owner=owner) if owner is not None else accounts

    def service_fields(self) -> dict:
        """The cleaned data as contract_create takes it; call after is_valid()."""
        data = dict(self.cleaned_data)
        data["auto_renew"] = {AUTO_RENEW_YES: True, AUTO_RENEW_NO: False}.get(data["auto_renew"])
        data["term_months"] = data.get("term_months") or 12
        data["seats"] = data.get("seats") or 0
        data["reference"] = data.get("reference") or ""
        return data


class ContractEditForm(forms.Form):
    reference = forms.CharField(max_length=80, required=False)
    auto_renew = forms.BooleanField(label="Auto-renews", required=False)
    notice_days = forms.IntegerField(label="Notice period (days)", min_value=0, max_value=730)

    @classmethod
    def for_contract(cls, contract: Contract, data=None, **kwargs) -> "ContractEditForm":
        initial = {name: getattr(contract, name) for name in cls.base_fields}
        return cls(data, initial=initial, **kwargs)


class AmendmentForm(forms.Form):
    kind = forms.ChoiceField(choices=AmendmentKind.choices)
    effective_on = forms.DateField(label="Effective on", widget=DATE_INPUT)
    arr_change = forms.DecimalField(label="ARR change", **MONEY, help_text="Signed: 5000 adds ARR, -5000 removes it.")
    seats_change = forms.IntegerField(
        label="Seats change", initial=0, required=False, help_text="Signed, like the ARR."
    )
    note = forms.CharField(max_length=300, required=False)


class CancellationForm(forms.Form):
    cancelled_on = forms.DateField(
        label="Notice received on", widget=DATE_INPUT, help_text="The day the customer gave notice of cancellation."
    )
    note = forms.CharField(max_length=300, required=False, help_text="Why the customer is leaving, in their words.")
