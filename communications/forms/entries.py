"""Forms of a calendar entry's pages. Plain forms that hand their data to communications.services, which
holds the rules (governance, caps, merge fields, approvals); choices are this tenant's accounts, contacts and
people, and times are entered in the tenant's time zone."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Account, ContactRole
from accounts.selectors import assignable_owners
from core import tenant_time
from tenancy.models import Team, Tenant
from tenancy.parsing import parse_id

from .. import selectors
from ..models import CalendarEntry, Channel, MessageType


def parse_fallbacks(text: str) -> dict[str, str]:
    """ "field = value" lines into {"field": "value"}; blank lines are skipped, anything else is an error."""
    fallbacks: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip():
            raise ValidationError(
                f'Line {number} ("{line.strip()}") is not "field = value", e.g. "contact.first_name = there".'
            )
        fallbacks[name.strip()] = value.strip()
    return fallbacks


def format_fallbacks(fallbacks: dict | None) -> str:
    return "\n".join(f"{name} = {value}" for name, value in (fallbacks or {}).items())


class EntryForm(forms.Form):
    """A calendar entry. The contacts offered are the chosen account's; the date and time are local."""

    account = forms.ModelChoiceField(
        queryset=Account.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )
    contacts = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The people it goes to; or leave them unticked and choose an audience role.",
    )
    audience_role = forms.ChoiceField(
        required=False,
        label="Or every active contact with the role",
        choices=[("", "—"), *ContactRole.choices],
    )
    message_type = forms.ChoiceField(label="Message type", choices=MessageType.choices)
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.EMAIL)
    team = forms.ChoiceField(choices=Team.choices)
    owner = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    scheduled_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    scheduled_time = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time"}))
    subject = forms.CharField(max_length=200)
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 8}))
    fallbacks = forms.CharField(
        required=False,
        label="Fallbacks",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "contact.first_name = there"}),
        help_text='One "field = value" a line: used when a merge field has no value for a contact.',
    )

    def __init__(self, data=None, *, tenant: Tenant, account: Account | None = None, accounts=None, **kwargs):
        super().__init__(data, **kwargs)
        self.tenant = tenant
        self.fields["account"].queryset = accounts if accounts is not None else Account.objects.filter(tenant=tenant)
        account_id = account.pk if account is not None else None
        if account_id is None and data is not None and parse_id(data.get("account", "")) is not None:
            account_id = parse_id(data["account"])
        elif account_id is None and self.initial.get("account"):
            account_id = getattr(self.initial["account"], "pk", self.initial["account"])
        # Only that account's contacts are valid choices, so no contact of another account gets through.
        self.fields["contacts"].queryset = selectors.contacts_of(tenant=tenant, account_id=account_id)
        if account is not None:
            self.fields["account"].initial = account
            self.fields["account"].disabled = True
        self.fields["owner"].choices = [("", "—"), *((u.pk, str(u)) for u in assignable_owners(tenant=tenant))]

    def clean_fallbacks(self) -> dict[str, str]:
        return parse_fallbacks(self.cleaned_data.get("fallbacks", ""))

    def scheduled_at(self) -> dt.datetime:
        data = self.cleaned_data
        return tenant_time.at(self.tenant, data["scheduled_on"], data["scheduled_time"])

    def service_fields(self) -> dict:
        """The entry's fields as the services take them."""
        data = self.cleaned_data
        return {
            "subject": data["subject"],
            "body": data["body"],
            "message_type": data["message_type"],
            "channel": data["channel"],
            "team": data["team"],
            "audience_role": data["audience_role"],
            "contacts": list(data["contacts"]),
            "fallbacks": data["fallbacks"],
            "scheduled_at": self.scheduled_at(),
        }

    @classmethod
    def initial_for(cls, entry: CalendarEntry, tenant: Tenant) -> dict:
        local = tenant_time.local(tenant, entry.scheduled_at)
        return {
            "account": entry.account,
            "contacts": list(entry.contacts.all()),
            "audience_role": entry.audience_role,
            "message_type": entry.message_type,
            "channel": entry.channel,
            "team": entry.team,
            "owner": entry.owner_id,
            "scheduled_on": local.date(),
            "scheduled_time": local.time().replace(second=0, microsecond=0),
            "subject": entry.subject,
            "body": entry.body,
            "fallbacks": format_fallbacks(entry.fallbacks),
        }


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why cancel it?", max_length=300, help_text="Kept on the entry, e.g. 'Covered in the QBR instead'."
    )
