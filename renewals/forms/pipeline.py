"""Forms of the expansion pipeline pages. Plain forms: each hands its data to a service, which holds the rules."""

from django import forms

from accounts.models import Segment
from accounts.selectors import assignable_owners
from core.web import OWNER_ALL, OWNER_ME
from tenancy.models import Tenant, User

from ..models import ExpansionOpportunity, OpportunityKind, OpportunitySource, OpportunityStage
from ..selectors.contracts import contract_accounts
from ..selectors.pipeline import SOURCE_SIGNAL
from . import DATE_INPUT, MONEY, SMALL_INPUT, SMALL_SELECT


class PipelineFilterForm(forms.Form):
    """The board's and the list's filters; `owner` is "me", "all" or a user id (the opportunity's owner)."""

    q = forms.CharField(required=False, label="Search", widget=forms.TextInput(attrs={**SMALL_INPUT, "type": "search"}))
    owner = forms.ChoiceField(required=False, widget=forms.Select(attrs=SMALL_SELECT))
    kind = forms.ChoiceField(
        required=False, choices=[("", "Any kind"), *OpportunityKind.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )
    source = forms.ChoiceField(
        required=False,
        choices=[("", "Any source"), (OpportunitySource.MANUAL, "Manual"), (SOURCE_SIGNAL, "Any signal")]
        + [c for c in OpportunitySource.choices if c[0] != OpportunitySource.MANUAL],
        widget=forms.Select(attrs=SMALL_SELECT),
    )
    segment = forms.ChoiceField(
        required=False, choices=[("", "Any segment"), *Segment.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )
    stage = forms.ChoiceField(
        required=False, choices=[("", "Any stage"), *OpportunityStage.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )
    closed_within = forms.IntegerField(required=False, min_value=0, max_value=3650, widget=forms.HiddenInput)

    def __init__(self, data=None, *, tenant: Tenant, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["owner"].choices = [(OWNER_ALL, "Everyone's"), (OWNER_ME, "Mine")] + [
            (str(u.pk), str(u)) for u in assignable_owners(tenant=tenant)
        ]


class OpportunityForm(forms.Form):
    account = forms.ModelChoiceField(queryset=None)
    title = forms.CharField(max_length=160, help_text='What the customer would buy, e.g. "50 more seats for Finance".')
    kind = forms.ChoiceField(choices=OpportunityKind.choices)
    value = forms.DecimalField(label="Value (ARR)", **MONEY, help_text="The ARR it would add.")
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody yet")
    expected_close_on = forms.DateField(label="Expected close", required=False, widget=DATE_INPUT)
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, data=None, *, tenant: Tenant, account_owner: User | None = None, **kwargs):
        super().__init__(data, **kwargs)
        # Choices from this tenant only; with `account_owner` (a CSM), only the accounts they own.
        accounts = contract_accounts(tenant=tenant)
        self.fields["account"].queryset = accounts.filter(owner=account_owner) if account_owner else accounts
        self.fields["owner"].queryset = assignable_owners(tenant=tenant)


class OpportunityEditForm(forms.Form):
    title = forms.CharField(max_length=160)
    kind = forms.ChoiceField(choices=OpportunityKind.choices)
    value = forms.DecimalField(label="Value (ARR)", **MONEY)
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody yet")
    expected_close_on = forms.DateField(label="Expected close", required=False, widget=DATE_INPUT)
    handed_to_sales = forms.BooleanField(label="Handed off to sales", required=False)
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, data=None, *, tenant: Tenant, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["owner"].queryset = assignable_owners(tenant=tenant)

    @classmethod
    def for_opportunity(cls, opportunity: ExpansionOpportunity, data=None, **kwargs) -> "OpportunityEditForm":
        initial = {name: getattr(opportunity, name) for name in cls.base_fields if name != "owner"}
        initial["owner"] = opportunity.owner_id
        return cls(data, tenant=opportunity.tenant, initial=initial, **kwargs)


class OpportunityMoveForm(forms.Form):
    stage = forms.ChoiceField(label="Move to", choices=OpportunityStage.choices)
    lost_reason = forms.CharField(
        label="Why was it lost?",
        max_length=300,
        required=False,
        help_text='In the customer\'s words, e.g. "Budget frozen until next fiscal year".',
    )
    add_to_contract = forms.BooleanField(
        label="Add its value to the contract's ARR",
        required=False,
        initial=True,
        help_text="Records an amendment on the account's active contract, effective today.",
    )
