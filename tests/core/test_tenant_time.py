"""Tenant time: a day is the tenant's day, whatever zone the process runs in, and there is one way to get it."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from core import tenant_time

ROOT = Path(__file__).resolve().parents[2]
# Reading "today" or "the day of a moment" past core: the active zone (a task has none) or a copy of core's rule.
INLINE = re.compile(r"timezone\.localdate\(|timezone\.localtime\(|\.astimezone\(tenant\.zone\)|tzinfo=tenant\.zone")


@pytest.fixture
def kiritimati(tenant_a):
    tenant_a.time_zone = "Pacific/Kiritimati"  # UTC+14: most days differ from UTC's
    return tenant_a


def test_today_is_the_tenants_date_even_where_the_process_runs_in_utc(kiritimati):
    late_utc = dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC)
    with timezone.override(dt.UTC):
        assert tenant_time.today(kiritimati, at=late_utc) == dt.date(2026, 12, 7)
        assert tenant_time.day_of(kiritimati, late_utc) == dt.date(2026, 12, 7)
        assert tenant_time.local(kiritimati, late_utc).hour == 13


def test_a_day_begins_at_the_tenants_midnight_across_a_clock_change(tenant_a):
    tenant_a.time_zone = "Europe/Berlin"
    # The night the clocks go back: the day is 25 hours long, and it begins at 22:00 UTC the evening before.
    start = tenant_time.at(tenant_a, dt.date(2026, 10, 25))
    end = tenant_time.at(tenant_a, dt.date(2026, 10, 26))
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 10, 24, 22, 0, tzinfo=dt.UTC)
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=25)
    assert tenant_time.at(tenant_a, dt.date(2026, 10, 25), dt.time(9)).astimezone(dt.UTC).hour == 8


def test_no_app_reads_the_tenants_day_past_core():
    offenders = []
    for path in sorted(ROOT.glob("*/**/*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", "tests/", "core/", "bench/", "var/")) or "/migrations/" in relative:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == [], "use core.tenant_time:\n" + "\n".join(offenders)
