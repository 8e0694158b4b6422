"""Rollups: the incremental path equals a recomputation from raw events; days follow the tenant's
zone; timestamps are corrected for clock skew; retention removes raw events and keeps rollups."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope

from health.ingestion.services import ingest
from health.models import EventRollup
from health.services import usage as services

from .builders import contact, raw_events, rollup_story, rollups, track, tracked_account

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def test_incremental_rollups_equal_a_rebuild(tenant_a):
    rollup_story(tenant_a)
    incremental = rollups(tenant_a)
    assert len(incremental) == 9
    out = StringIO()
    call_command("rebuild_rollups", "--tenant", "alpha", stdout=out)
    assert rollups(tenant_a) == incremental
    assert "9 rollup rows" in out.getvalue()


def test_days_follow_the_tenants_zone_and_points_the_catalogue(tenant_a):
    rollup_story(tenant_a)
    by_day = {(r[2], str(r[3]), r[1] is None): (r[4], r[5]) for r in rollups(tenant_a)}
    # Berlin: 23:30 UTC on 1 March is 2 March.
    assert by_day[("Report Created", "2026-03-01", False)] == (1, 7.5)
    assert by_day[("Report Created", "2026-03-02", False)] == (1, 7.5)
    assert by_day[("Pricing", "2019-06-01", False)][0] == 1
    # Anonymous visitor of a known account: counted for the account, with no contact.
    assert by_day[("Report Created", "2026-03-03", True)] == (1, 7.5)


def test_rebuild_since_a_day_leaves_earlier_days(tenant_a):
    rollup_story(tenant_a)
    before = rollups(tenant_a)
    with scope(tenant=tenant_a):
        EventRollup.objects.filter(tenant=tenant_a).update(count=99)
    call_command("rebuild_rollups", "--tenant", "alpha", "--since", "2026-03-03", stdout=StringIO())
    after = {(r[0], r[1], r[2], r[3]): r[4] for r in rollups(tenant_a)}
    for account_id, contact_id, name, day, count, _points in before:
        expected = count if day >= dt.date(2026, 3, 3) else 99
        assert after[(account_id, contact_id, name, day)] == expected


@pytest.mark.parametrize(
    ("call", "sent_at", "expected"),
    [
        # The client's clock is 2 hours fast: sentAt 12:00 on its clock arrived at 10:00 on ours.
        ({"timestamp": "2026-05-01T11:30:00Z"}, "2026-05-01T12:00:00Z", "2026-05-01T09:30:00+00:00"),
        ({"originalTimestamp": "2026-05-01T13:30:00+02:00"}, "2026-05-01T12:00:00Z", "2026-05-01T09:30:00+00:00"),
        # A call's own sentAt: 15 minutes and 250 ms after its timestamp.
        ({"timestamp": "2026-05-01T11:30:00Z", "sentAt": "2026-05-01T11:45:00.25Z"}, None, "2026-05-01T09:44:59.75Z"),
        ({"timestamp": "2026-05-01T11:30:00Z"}, None, "2026-05-01T11:30:00+00:00"),
        ({}, "2026-05-01T12:00:00Z", "2026-05-01T10:00:00+00:00"),
    ],
    ids=["skewed", "original timestamp with offset", "per-call sentAt", "no sentAt", "no timestamp"],
)
def test_clock_skew_correction_is_exact(tenant_a, call, sent_at, expected):
    received = dt.datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    result = ingest(tenant=tenant_a, calls=[{**track("u1"), **call}], received_at=received, sent_at=sent_at)
    assert result.stored == 1
    [event] = raw_events(tenant_a)
    assert event.timestamp == dt.datetime.fromisoformat(expected) and event.received_at == received


def test_in_process_backfill_keeps_old_timestamps(tenant_a):
    old = "2018-02-03T04:05:06Z"
    result = ingest(tenant=tenant_a, calls=[track("u1", timestamp=old, sentAt=old)])
    assert result.stored == 1
    assert raw_events(tenant_a)[0].timestamp == dt.datetime(2018, 2, 3, 4, 5, 6, tzinfo=UTC)


def test_impossible_times_are_refused(tenant_a):
    received = timezone.now()
    calls = [
        track("u1", timestamp=(received + dt.timedelta(days=3)).isoformat()),
        track("u1", timestamp="1969-12-31T23:00:00Z"),
    ]
    result = ingest(tenant=tenant_a, calls=calls, received_at=received)
    assert [i for i, _ in result.rejected] == [0, 1]
    assert "future" in result.rejected[0][1] and "1970" in result.rejected[1][1]


def test_clock_skew_over_http(client, tenant_a):
    from .builders import post, write_key

    secret = write_key(tenant_a)
    now = timezone.now()
    ahead = now + dt.timedelta(hours=1)
    happened = ahead - dt.timedelta(minutes=10)
    body = {"batch": [track("u1", timestamp=happened.isoformat())], "sentAt": ahead.isoformat()}
    assert post(client, "/v1/batch", body, secret=secret).status_code == 200
    [event] = raw_events(tenant_a)
    assert abs((event.timestamp - (now - dt.timedelta(minutes=10))).total_seconds()) < 5


def test_purge_removes_old_raw_events_and_keeps_rollups(tenant_a, tenant_b):
    acme = tracked_account(tenant_a, "acme")
    contact(tenant_a, acme, "u1")
    now = timezone.now()
    with scope(tenant=tenant_a):
        services.ingestion_settings_update(
            tenant=tenant_a, group_traits={}, create_unknown_accounts=True, raw_retention_days=30
        )
    old, recent = (now - dt.timedelta(days=40)).isoformat(), (now - dt.timedelta(days=5)).isoformat()
    ingest(tenant=tenant_a, calls=[track("u1", timestamp=old), track("u1", timestamp=recent)])
    ingest(tenant=tenant_b, calls=[track("b1", timestamp=old)])
    kept = rollups(tenant_a)
    out = StringIO()
    call_command("purge_raw_events", "--tenant", "alpha", stdout=out)
    assert [e.timestamp.isoformat() for e in raw_events(tenant_a)] == [recent]
    assert rollups(tenant_a) == kept and len(kept) == 2
    assert len(raw_events(tenant_b)) == 1  # another tenant is not touched
    assert "alpha: 1 raw event" in out.getvalue()
    # All tenants: bravo keeps 400 days by default, so its 40-day-old event stays.
    call_command("purge_raw_events", stdout=StringIO())
    assert len(raw_events(tenant_b)) == 1
    # A rebuild after the purge keeps the purged days' rollups.
    call_command("rebuild_rollups", "--tenant", "alpha", stdout=StringIO())
    assert rollups(tenant_a) == kept


def test_commands_name_an_unknown_tenant(tenant_a):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no tenant"):
        call_command("rebuild_rollups", "--tenant", "nope")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("rebuild_rollups", "--tenant", "alpha", "--since", "March")
