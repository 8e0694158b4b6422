"""The book's filters, parsed once for the page, the CSV export and the API."""

from django import forms
from django.db.models import F, Q, QuerySet

from tenancy.models import Tenant, User
from tenancy.parsing import parse_id

from .. import selectors
from ..models import Account, AccountStatus, CustomFieldDefinition, CustomFieldType, Segment
from ..selectors.custom_fields import custom_field_definitions
from ..selectors.tiers import service_tiers
from ..services.custom_fields import custom_field_filter_value

SORTS = {
    "name": "name",
    "-name": "-name",
    "arr": "arr",
    "-arr": "-arr",
    "acv": "acv",
    "-acv": "-acv",
    "seats": "seats_purchased",
    "-seats": "-seats_purchased",
    "signed": "signed_on",
    "-signed": "-signed_on",
    "segment": "segment",
    "-segment": "-segment",
    "tier": "service_tier__rank",
    "-tier": "-service_tier__rank",
    "owner": "owner__full_name",
    "-owner": "-owner__full_name",
    "health": F("health_score").asc(nulls_last=True),
    "-health": F("health_score").desc(nulls_last=True),
    "updated": "updated_at",
    "-updated": "-updated_at",
}
OWNER_ALL, OWNER_ME, OWNER_NONE = "all", "me", "none"


class AnyYesNoSelect(forms.NullBooleanSelect):
    """A yes/no filter whose empty choice reads "Any", not Django's "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", "Any"), ("true", "Yes"), ("false", "No")]


class AccountFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", help_text="Name, domain or external id")
    external_id = forms.CharField(required=False)
    segment = forms.ChoiceField(required=False, choices=[("", "Any segment"), *Segment.choices])
    tier = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    owner = forms.CharField(required=False, help_text="A user id, 'me', 'none' or 'all'")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *AccountStatus.choices])
    strategic = forms.NullBooleanField(required=False, widget=AnyYesNoSelect)
    parent = forms.IntegerField(required=False, help_text="Accounts directly below this account id")
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS])

    def __init__(self, data=None, *, tenant: Tenant, user: User | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.tenant, self.user = tenant, user
        self.fields["tier"].choices = [("", "Any tier")] + [(t.pk, t.name) for t in service_tiers(tenant=tenant)]
        self.custom_definitions: list[CustomFieldDefinition] = custom_field_definitions(tenant=tenant)
        for definition in self.custom_definitions:
            for name, field in _custom_filter_fields(definition).items():
                self.fields[name] = field
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def clean_owner(self) -> str:
        owner = self.cleaned_data["owner"].strip()
        if owner in ("", OWNER_ALL, OWNER_ME, OWNER_NONE) or parse_id(owner) is not None:
            return owner
        raise forms.ValidationError("Use a user id, 'me', 'none' or 'all'.")

    def apply(self, accounts: QuerySet[Account]) -> QuerySet[Account]:
        """The accounts that match; call after is_valid()."""
        data = self.cleaned_data
        if data.get("q"):
            term = data["q"].strip()
            accounts = accounts.filter(
                Q(name__icontains=term) | Q(domain__icontains=term) | Q(external_id__icontains=term)
            )
        for name, lookup in (
            ("external_id", "external_id"),
            ("segment", "segment"),
            ("tier", "service_tier_id"),
            ("status", "status"),
            ("parent", "parent_id"),
        ):
            if data.get(name) not in (None, ""):
                accounts = accounts.filter(**{lookup: data[name]})
        if data.get("strategic") is not None:
            accounts = accounts.filter(is_strategic=data["strategic"])
        owner = data.get("owner")
        if owner == OWNER_ME and self.user is not None:
            accounts = accounts.filter(owner=self.user)
        elif owner == OWNER_NONE:
            accounts = accounts.filter(owner__isnull=True)
        elif owner and (owner_id := parse_id(owner)) is not None:
            accounts = accounts.filter(owner_id=owner_id)
        for definition in self.custom_definitions:
            accounts = _apply_custom(accounts, definition, data)
        return accounts.order_by(SORTS.get(data.get("sort") or "name", "name"), "pk")


def _custom_filter_fields(definition: CustomFieldDefinition) -> dict[str, forms.Field]:
    name, label = f"cf_{definition.key}", definition.label
    kind = definition.field_type
    if kind == CustomFieldType.NUMBER:
        return {
            f"{name}_min": forms.DecimalField(required=False, label=f"{label} from"),
            f"{name}_max": forms.DecimalField(required=False, label=f"{label} to"),
        }
    if kind == CustomFieldType.DATE:
        return {
            f"{name}_from": forms.DateField(required=False, label=f"{label} from"),
            f"{name}_to": forms.DateField(required=False, label=f"{label} to"),
        }
    if kind == CustomFieldType.BOOLEAN:
        return {name: forms.NullBooleanField(required=False, label=label, widget=AnyYesNoSelect)}
    if kind == CustomFieldType.CHOICE:
        return {
            name: forms.ChoiceField(
                required=False,
                label=label,
                choices=[("", f"Any {label.lower()}")] + [(c, c) for c in definition.choices],
            )
        }
    return {name: forms.CharField(required=False, label=label)}


def _apply_custom(accounts: QuerySet[Account], definition: CustomFieldDefinition, data: dict) -> QuerySet[Account]:
    path, name = f"custom_fields__{definition.key}", f"cf_{definition.key}"
    kind = definition.field_type
    if kind == CustomFieldType.NUMBER:
        if data.get(f"{name}_min") is not None:
            accounts = accounts.filter(**{f"{path}__gte": float(data[f"{name}_min"])})
        if data.get(f"{name}_max") is not None:
            accounts = accounts.filter(**{f"{path}__lte": float(data[f"{name}_max"])})
    elif kind == CustomFieldType.DATE:
        if data.get(f"{name}_from"):
            accounts = accounts.filter(**{f"{path}__gte": data[f"{name}_from"].isoformat()})
        if data.get(f"{name}_to"):
            accounts = accounts.filter(**{f"{path}__lte": data[f"{name}_to"].isoformat()})
    elif kind == CustomFieldType.BOOLEAN:
        if data.get(name) is not None:
            accounts = accounts.filter(**{path: data[name]})
    elif kind == CustomFieldType.CHOICE:
        if data.get(name):
            accounts = accounts.filter(**{path: custom_field_filter_value(definition, data[name])})
    elif data.get(name):
        accounts = accounts.filter(**{f"{path}__icontains": data[name]})
    return accounts


def filtered_accounts(*, tenant: Tenant, user: User | None, params) -> tuple[AccountFilterForm, QuerySet[Account]]:
    """The filter form for these query parameters and the accounts it selects (all of them if it is invalid)."""
    form = AccountFilterForm(params, tenant=tenant, user=user)
    accounts = selectors.account_list(tenant=tenant)
    if form.is_valid():
        return form, form.apply(accounts)
    return form, accounts.none()
