"""Journey analytics, read: the stage figures and breakdowns of a period (report.py, with the definitions)
and the outcome groups, regression reasons, chart and CSV built on them (outcomes.py)."""

from .outcomes import GROUPS, analytics_chart_data, analytics_csv_rows
from .report import DIMENSIONS, AnalyticsFilters, analytics_filters, journey_analytics

__all__ = [
    "DIMENSIONS",
    "GROUPS",
    "AnalyticsFilters",
    "analytics_chart_data",
    "analytics_csv_rows",
    "analytics_filters",
    "journey_analytics",
]
