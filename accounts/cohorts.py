"""Signup cohorts: the one rule journeys' analytics and renewals' retention metrics group accounts by."""

import datetime as dt
from zoneinfo import ZoneInfo


def quarter_label(day: dt.date) -> str:
    """'2026-Q1': sorts as text in time order."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def signup_cohort(*, signed_on: dt.date | None, created_at: dt.datetime, zone: ZoneInfo) -> str:
    """The quarter the account signed; without a signing date, the quarter it was created in, in the
    tenant's time zone (an account imported without its contract date still belongs somewhere)."""
    return quarter_label(signed_on or created_at.astimezone(zone).date())
