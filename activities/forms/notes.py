"""The form of a note logged on an account (a call, a meeting, an email or a note)."""

from django import forms

from accounts.models import Account
from tenancy.models import Tenant

from ..models import NoteKind


class NoteForm(forms.Form):
    account = forms.ModelChoiceField(queryset=Account.objects.none())
    kind = forms.ChoiceField(choices=NoteKind.choices, initial=NoteKind.CALL)
    subject = forms.CharField(max_length=200, required=False)
    body = forms.CharField(label="What happened", widget=forms.Textarea(attrs={"rows": 3}))
    happened_at = forms.DateTimeField(
        label="When",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, tenant: Tenant, **kwargs):
        # Its own ids: the inbox and the account card show it beside the task form.
        kwargs.setdefault("auto_id", "note_%s")
        super().__init__(*args, **kwargs)
        # Only this tenant's accounts: another tenant's id is not a valid choice.
        self.fields["account"].queryset = Account.objects.filter(tenant=tenant).order_by("name")
