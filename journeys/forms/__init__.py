"""Forms of journeys, one module per feature (tracks, flags, settings, plans), and the widget
attributes they share."""

SMALL_SELECT = {"class": "form-select form-select-sm"}
SMALL_INPUT = {"class": "form-control form-control-sm"}
