"""Forms of the flags: the list's filters, confirming a move, dismissing a flag."""

from django import forms

from core.web import OWNER_ALL, OWNER_ME

from ..models import FlagKind, FlagStatus, Stage
from . import SMALL_SELECT


class FlagFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *FlagStatus.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )
    kind = forms.ChoiceField(
        required=False, choices=[("", "Any kind"), *FlagKind.choices], widget=forms.Select(attrs=SMALL_SELECT)
    )
    owner = forms.ChoiceField(
        required=False,
        label="Accounts",
        choices=[(OWNER_ALL, "Everyone's accounts"), (OWNER_ME, "My accounts")],
        widget=forms.Select(attrs=SMALL_SELECT),
    )


class FlagConfirmForm(forms.Form):
    to_stage = forms.ChoiceField(required=False, choices=[("", "The suggested stage"), *Stage.choices])
    note = forms.CharField(max_length=300, required=False)


class FlagDismissForm(forms.Form):
    note = forms.CharField(max_length=300, required=False)
