"""The master calendar's filter form: its view, period, scope and filters."""

from django import forms

from tenancy.models import Team

from ..models import Channel, EntryStatus, MessageType
from ..selectors import SCOPE_ACCOUNT, SCOPE_ALL, SCOPE_MINE, VIEWS

SMALL_SELECT = {"class": "form-select form-select-sm"}


class CalendarFilterForm(forms.Form):
    """The calendar's view, period anchor, scope and filters; anything invalid falls back to the default."""

    view = forms.ChoiceField(required=False, choices=[(v, v.title()) for v in VIEWS], widget=forms.HiddenInput)
    date = forms.DateField(required=False, widget=forms.HiddenInput)
    scope = forms.ChoiceField(
        required=False,
        choices=[(SCOPE_ALL, "Every account"), (SCOPE_MINE, "My accounts"), (SCOPE_ACCOUNT, "One account")],
        widget=forms.Select(attrs=SMALL_SELECT),
    )
    account = forms.IntegerField(required=False, widget=forms.HiddenInput)
    team = forms.ChoiceField(
        required=False, choices=[("", "Every team"), *Team.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )
    message_type = forms.ChoiceField(
        required=False,
        label="Type",
        choices=[("", "Every type"), *MessageType.choices],
        widget=forms.Select(attrs=SMALL_SELECT),
    )
    channel = forms.ChoiceField(
        required=False, choices=[("", "Every channel"), *Channel.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status but cancelled"), *EntryStatus.choices],
        widget=forms.Select(attrs=SMALL_SELECT),
    )

    def values(self) -> dict:
        if self.is_valid():
            return self.cleaned_data
        return dict.fromkeys(self.fields, "") | {"date": None, "account": None}
