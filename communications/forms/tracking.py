"""Engagement a person logs by hand on an entry (a reply, a meeting)."""

from django import forms

from accounts.models import Account, Contact
from tenancy.models import Tenant

from ..models import EngagementKind


class EngagementLogForm(forms.Form):
    kind = forms.ChoiceField(
        label="What happened",
        choices=[(EngagementKind.REPLY, "The contact replied"), (EngagementKind.MEETING, "A meeting was booked")],
        widget=forms.RadioSelect,
        initial=EngagementKind.REPLY,
    )
    contact = forms.ModelChoiceField(queryset=Contact.objects.none(), required=False, empty_label="— not one person —")
    at = forms.DateTimeField(
        label="When",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Now if empty.",
    )
    note = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, tenant: Tenant, account: Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(tenant=tenant, account=account).order_by("name")
