"""Backfill: historical events from a file through the same ingestion as the API."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scope

from health.models import RawEvent

from .builders import contact, rollups, tracked_account

pytestmark = pytest.mark.django_db


def _jsonl(tmp_path, lines) -> str:
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines))
    return str(path)


def test_jsonl_backfill_counts_once_however_often_it_runs(tenant_a, tmp_path, capsys):
    acme = tracked_account(tenant_a, "acme-1")
    jane = contact(tenant_a, acme, "u1")
    path = _jsonl(
        tmp_path,
        [
            {"type": "track", "event": "Report Created", "userId": "u1", "timestamp": "2025-01-15T10:00:00Z"},
            {"type": "track", "event": "Report Created", "userId": "u1", "timestamp": "2025-01-15T11:00:00Z"},
            "{not json",
            {"type": "track", "userId": "u1", "timestamp": "2025-01-16T10:00:00Z"},
        ],
    )
    call_command("backfill_events", path, "--tenant", tenant_a.slug)
    out = capsys.readouterr().out
    assert "2 events stored, 0 already there, 2 rejected." in out
    assert "line 3: Not JSON" in out and "line 4:" in out and "event" in out.split("line 4:")[1]
    call_command("backfill_events", path, "--tenant", tenant_a.slug)
    assert "0 events stored, 2 already there" in capsys.readouterr().out
    with scope(tenant=tenant_a):
        assert RawEvent.objects.count() == 2
    # Both land on 15 January in Berlin, where tenant A's days are counted.
    assert rollups(tenant_a) == [(acme.pk, jane.pk, "Report Created", dt.date(2025, 1, 15), 2, Decimal("2.00"))]


def test_csv_backfill_attributes_by_group_column(tenant_a, tmp_path, capsys):
    acme = tracked_account(tenant_a, "acme-1")
    path = tmp_path / "events.csv"
    path.write_text(
        "type,event,userId,groupId,timestamp,properties\n"
        'track,Dashboard Viewed,u9,acme-1,2025-02-01T09:00:00Z,"{""board"": ""Sales""}"\n'
        "track,Dashboard Viewed,u9,acme-1,2025-02-01T10:00:00Z,not-json\n"
    )
    call_command("backfill_events", str(path), "--tenant", tenant_a.slug)
    assert "1 events stored, 0 already there, 1 rejected." in capsys.readouterr().out
    with scope(tenant=tenant_a):
        event = RawEvent.objects.get()
    assert (event.account_id, event.properties) == (acme.pk, {"board": "Sales"})


def test_backfill_refuses_unknown_tenants_and_files(tenant_a, tmp_path):
    with pytest.raises(CommandError, match="no tenant"):
        call_command("backfill_events", _jsonl(tmp_path, []), "--tenant", "nope")
    with pytest.raises(CommandError, match="There is no file"):
        call_command("backfill_events", str(tmp_path / "missing.jsonl"), "--tenant", tenant_a.slug)
