"""A campaign calendar to import (CSV)."""

from django import forms
from django.conf import settings

from core.imports.reading import megabytes
from tenancy.models import Team


class CalendarImportForm(forms.Form):
    team = forms.ChoiceField(
        label="The sends are", choices=Team.choices, initial=Team.MARKETING, help_text="For rows without a team."
    )
    file = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [(v, f"{label}'s sends") for v, label in Team.choices]
        self.fields["file"].help_text = (
            "CSV (comma or semicolon separated; UTF-8 or Windows-1252) or .xlsx, up to "
            f"{megabytes(settings.IMPORT_MAX_BYTES)}. The first row names the columns; see the sample."
        )
