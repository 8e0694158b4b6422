"""The approvals queue's form: a leader's or an admin's note on a decision."""

from django import forms


class DecisionForm(forms.Form):
    note = forms.CharField(label="Note", max_length=500, required=False)
