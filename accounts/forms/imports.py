"""The upload form and the column-mapping form of an import of accounts or contacts."""

from django import forms
from django.conf import settings

from core.imports.reading import megabytes

from ..imports.mapping import TargetField
from ..models import ACCOUNT_IMPORT_KINDS, ImportKind, ImportMode

SKIP = ""


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="The file holds",
        choices=[(kind.value, kind.label) for kind in ACCOUNT_IMPORT_KINDS],
        initial=ImportKind.ACCOUNTS,
    )
    file = forms.FileField(widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Set per form, not when the module loads: the limit is a setting, and tests change it.
        self.fields["file"].help_text = (
            "CSV (comma, semicolon or tab separated; UTF-8 or Windows-1252) or an Excel .xlsx workbook "
            f"(its first sheet), up to {megabytes(settings.IMPORT_MAX_BYTES)}. The first row names the columns."
        )


class ImportMappingForm(forms.Form):
    """One choice of column per field the import can fill, and what to do with rows that have errors."""

    mode = forms.ChoiceField(
        label="When some rows have errors",
        choices=ImportMode.choices,
        initial=ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, targets: list[TargetField], headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = targets
        choices = [(SKIP, "— skip —"), *((h, h) for h in headers)]
        for target in targets:
            self.fields[target.key] = forms.ChoiceField(
                label=target.label, choices=choices, required=target.required, help_text=target.help_text
            )
        # The mode comes last, after the columns.
        self.order_fields([t.key for t in targets] + ["mode"])

    def mapping(self) -> dict[str, str]:
        return {t.key: self.cleaned_data[t.key] for t in self.targets if self.cleaned_data.get(t.key)}
