"""Forms of a renewal's forecast: the owner's override and the leader's review."""

from django import forms

from ..models import Forecast


class ForecastOverrideForm(forms.Form):
    # The reason is the service's to require: its message says what the reason is for.
    category = forms.ChoiceField(label="Forecast category", choices=Forecast.choices)
    reason = forms.CharField(
        label="Why?",
        max_length=300,
        required=False,
        help_text="Kept with the change, e.g. 'Champion left; the new VP questions the budget'.",
    )


class ReviewAcknowledgeForm(forms.Form):
    note = forms.CharField(label="Note", max_length=300, required=False)
