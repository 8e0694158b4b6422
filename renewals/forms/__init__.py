"""Forms of renewals, one module per feature (renewals, forecast, tasks, settings, contracts, pipeline,
metrics), and the widget attributes they share."""

from django import forms

SMALL_SELECT = {"class": "form-select form-select-sm"}
SMALL_INPUT = {"class": "form-control form-control-sm"}
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 14, "decimal_places": 2}
