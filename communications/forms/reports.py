"""The engagement report's period."""

import datetime as dt

from django import forms

REPORT_DEFAULT_DAYS = 90
REPORT_MAX_DAYS = 731


class ReportPeriodForm(forms.Form):
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), required=False)

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        end = data.get("end") or self.today
        start = data.get("start") or end - dt.timedelta(days=REPORT_DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError("The period starts after it ends.")
        if (end - start).days >= REPORT_MAX_DAYS:
            raise forms.ValidationError("Choose a period of two years at most.")
        data["start"], data["end"] = start, end
        return data

    def period(self) -> tuple[dt.date, dt.date]:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return self.today - dt.timedelta(days=REPORT_DEFAULT_DAYS - 1), self.today
