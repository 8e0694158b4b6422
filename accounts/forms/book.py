"""Forms of the book of business: an account, its status and its tier override. Plain forms, not ModelForms:
a service compares the account before and after a change (its ACV decides its tier), so the form must not
change the instance while it validates."""

from django import forms
from django.utils.html import escape

from tenancy.models import Tenant

from .. import selectors
from ..models import Account, AccountStatus, CustomFieldDefinition, CustomFieldType, Segment, ServiceTier, TierOverride
from ..selectors.custom_fields import custom_field_definitions
from ..services.book import ACCOUNT_EDITABLE_FIELDS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CUSTOM_PREFIX = "cf_"


def _custom_form_field(definition: CustomFieldDefinition) -> forms.Field:
    # Form help text is rendered as HTML (crispy's |safe), and an admin types this one: escape it here.
    common = {"label": definition.label, "required": False, "help_text": escape(definition.help_text)}
    kind = definition.field_type
    if kind == CustomFieldType.NUMBER:
        return forms.DecimalField(**common)
    if kind == CustomFieldType.DATE:
        return forms.DateField(widget=DATE_INPUT, **common)
    if kind == CustomFieldType.BOOLEAN:
        return forms.NullBooleanField(**common)
    if kind == CustomFieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—")] + [(c, c) for c in definition.choices], **common)
    return forms.CharField(max_length=500, **common)


class AccountForm(forms.Form):
    external_id = forms.CharField(
        max_length=255,
        label="External id",
        help_text="The id your product and CRM use for this account (the Segment groupId).",
    )
    name = forms.CharField(max_length=200)
    domain = forms.CharField(max_length=253, required=False)
    segment = forms.ChoiceField(choices=Segment.choices)
    arr = forms.DecimalField(label="ARR", min_value=0, max_digits=14, decimal_places=2)
    acv = forms.DecimalField(
        label="ACV",
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text="Decides the service tier unless an override holds it.",
    )
    seats_purchased = forms.IntegerField(min_value=0, initial=0)
    industry = forms.CharField(max_length=80, required=False)
    region = forms.CharField(max_length=80, required=False)
    owner = forms.ModelChoiceField(queryset=None, required=False, label="Owner CSM")
    parent = forms.ModelChoiceField(queryset=None, required=False, label="Parent account")
    signed_on = forms.DateField(required=False, widget=DATE_INPUT)
    go_live_on = forms.DateField(required=False, widget=DATE_INPUT, label="Go-live")

    def __init__(self, data=None, *, tenant: Tenant, account: Account | None = None, **kwargs):
        super().__init__(data, **kwargs)
        # Choices come from this tenant only.
        self.fields["owner"].queryset = selectors.assignable_owners(tenant=tenant)
        parents = Account.objects.filter(tenant=tenant).only("pk", "name").order_by("name")
        if account is not None:
            parents = parents.exclude(pk=account.pk)
        self.fields["parent"].queryset = parents
        if account is not None and account.arr_from_contracts:
            # Disabled: shown, and the posted value ignored in favour of the account's own.
            arr = self.fields["arr"]
            arr.disabled = True
            arr.help_text = Account._meta.get_field("arr_from_contracts").help_text
        self.custom_definitions = custom_field_definitions(tenant=tenant)
        for definition in self.custom_definitions:
            field = _custom_form_field(definition)
            field.required = definition.required and definition.field_type != CustomFieldType.BOOLEAN
            self.fields[CUSTOM_PREFIX + definition.key] = field

    @classmethod
    def for_account(cls, account: Account, data=None) -> "AccountForm":
        initial = {name: getattr(account, name) for name in ACCOUNT_EDITABLE_FIELDS}
        initial.update(owner=account.owner_id, parent=account.parent_id)
        initial.update({CUSTOM_PREFIX + k: v for k, v in account.custom_fields.items()})
        return cls(data, tenant=account.tenant, account=account, initial=initial)

    def split(self) -> tuple[dict, dict]:
        """(account fields, custom field values) from cleaned data, for the services."""
        data = dict(self.cleaned_data)
        custom = {key[len(CUSTOM_PREFIX) :]: data.pop(key) for key in list(data) if key.startswith(CUSTOM_PREFIX)}
        for name in ("domain", "industry", "region"):
            data[name] = data[name] or ""
        return data, custom

    def custom_field_names(self) -> list[str]:
        return [CUSTOM_PREFIX + d.key for d in self.custom_definitions]


class TierOverrideForm(forms.Form):
    kind = forms.ChoiceField(choices=[c for c in TierOverride.choices if c[0]], label="Override")
    tier = forms.ModelChoiceField(
        queryset=None,
        required=False,
        help_text="Empty: strategic keeps the current tier, an at-risk upgrade goes one up.",
    )
    until = forms.DateField(
        required=False, widget=DATE_INPUT, help_text="When an at-risk upgrade ends; empty takes the tenant's default."
    )
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, data=None, *, tenant: Tenant, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["tier"].queryset = ServiceTier.objects.filter(tenant=tenant).order_by("-rank")


class AccountStatusForm(forms.Form):
    status = forms.ChoiceField(choices=AccountStatus.choices)
