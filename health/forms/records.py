"""The upload form of the record import."""

from django import forms
from django.conf import settings

from accounts.models import ImportMode
from core.imports.reading import megabytes

from ..models.record_kinds import KINDS
from ..services.record_imports import MAX_ROWS

MODES = [
    (ImportMode.ALL_OR_NOTHING, "All or nothing: import only if every row is valid"),
    (ImportMode.VALID_ROWS, "Import the valid rows and list the rejected ones"),
]


class RecordImportForm(forms.Form):
    kind = forms.ChoiceField(label="The file holds", choices=[(kind.key, kind.plural) for kind in KINDS.values()])
    file = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}))
    mode = forms.ChoiceField(
        label="When some rows have errors", choices=MODES, initial=ImportMode.ALL_OR_NOTHING, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set per form, not when the module loads: the limit is a setting, and tests change it.
        self.fields["file"].help_text = (
            "CSV (comma, semicolon or tab separated; UTF-8 or Windows-1252) or an Excel .xlsx workbook "
            f"(its first sheet), up to {megabytes(settings.IMPORT_MAX_BYTES)} and {MAX_ROWS:,} rows. "
            "The first row names the columns."
        )
