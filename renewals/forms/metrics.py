"""The metrics page's period picker: a named period, or custom first and last days."""

import datetime as dt

from django import forms

from core.text import day

from ..reporting.periods import DEFAULT_PERIOD, PERIOD_KINDS, Period, period_for

DATE_ERRORS = {"invalid": "Enter the date as YYYY-MM-DD, for example 2026-03-31."}
LONGEST_YEARS = 10


class MetricsPeriodForm(forms.Form):
    period = forms.ChoiceField(choices=list(PERIOD_KINDS.items()), required=False, label="Period")
    start = forms.DateField(
        required=False, label="First day", error_messages=DATE_ERRORS, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        required=False, label="Last day", error_messages=DATE_ERRORS, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        kind = data.get("period") or ("custom" if data.get("start") or data.get("end") else DEFAULT_PERIOD)
        data["period"] = kind
        if kind != "custom" or self.errors:
            return data
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            missing = "end" if start else "start"
            self.add_error(missing, "A custom period needs both its first and its last day.")
        elif end < start:
            self.add_error("end", f"The period ends ({day(end)}) before it starts ({day(start)}).")
        elif start > self.today:
            self.add_error(
                "start", f"The period starts after today ({day(self.today)}): there is no ARR to compare yet."
            )
        elif (end - start).days > 366 * LONGEST_YEARS:
            self.add_error("end", f"Pick a period of at most {LONGEST_YEARS} years.")
        return data

    def chosen_period(self) -> Period:
        """The period asked for when the form is valid; this quarter otherwise (the page says why)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        kind = data.get("period") or DEFAULT_PERIOD
        if kind == "custom":
            return period_for("custom", self.today, start=data["start"], last_day=data["end"])
        return period_for(kind, self.today)
