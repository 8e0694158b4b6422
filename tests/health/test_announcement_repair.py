"""A worker killed after a recompute batch committed but before its on-commit announcement ran: the batch's
news (alerts, cadence enrolments, forecast refreshes, expansion opportunities, journey flags) is lost, and a
rerun only refreshes the open signals. `repair_announcements` announces a tenant's day again, and every
receiver does its work once, however many times the day is announced."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django_scopes import scope

from communications.models import Enrollment, EnrollmentStatus, Notification
from health.models import HealthSignal, SignalStatus
from health.scoring import detection
from journeys.models import FlagStatus, TrackFlag
from renewals.models import ExpansionOpportunity, ForecastChange, Renewal

from ..renewals.helpers import contract_for, make_account, today_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(tenant_a, bob, django_capture_on_commit_callbacks):
    """Three accounts of bob's with tracks and a renewal, made with their announcements delivered."""
    with django_capture_on_commit_callbacks(execute=True):
        accounts = [make_account(tenant_a, n, owner=bob) for n in (1, 2, 3)]
        renewal = contract_for(tenant_a, accounts[0], days_to_end=40).renewal
    with scope(tenant=tenant_a):
        Renewal.objects.filter(tenant=tenant_a, pk=renewal.pk).update(suggested_at=None, suggestion_reasons=[])
    return accounts, renewal


def _wanted(accounts) -> list[detection.Wanted]:
    inactive, ready, red = accounts
    return [
        detection.Wanted(
            inactive.pk, "power_user_inactive", "contact:1", "high", "Power user Jane Roe inactive 23 days."
        ),
        detection.Wanted(ready.pk, "expansion", "account", "opportunity", f"{ready.name} uses 92% of its seats."),
        detection.Wanted(
            red.pk, "band_change", "account", "high", "Moved to red.", data={"from": "yellow", "to": "red"}
        ),
    ]


def _batch(tenant, accounts, *, announced: bool, capture) -> dict:
    """What a recompute batch commits (health's own signals_sync), with its on-commit announcement run or,
    as when the worker is killed between the commit and the callbacks, dropped."""
    with scope(tenant=tenant), capture(execute=announced) as callbacks, transaction.atomic():
        result = detection.signals_sync(
            tenant=tenant,
            account_ids=[a.pk for a in accounts],
            wanted=_wanted(accounts),
            today=today_of(tenant),
            cooldown_days=detection.cooldowns(None),
        )
    assert len(callbacks) >= 1  # the announcement was due on commit
    return result


def _repair(tenant, capture, day=None) -> str:
    out = io.StringIO()
    with capture(execute=True):
        call_command("repair_announcements", tenant=tenant.slug, day=str(day or today_of(tenant)), stdout=out)
    return out.getvalue()


def _signal_enrolments(tenant, status):
    return Enrollment.objects.filter(tenant=tenant, anchor_ref__startswith="signal:", status=status)


def _effects(tenant, renewal) -> dict:
    with scope(tenant=tenant):
        return {
            "alerts": Notification.objects.filter(tenant=tenant, source_key__startswith="health_signal:").count(),
            "enrolments": Enrollment.objects.filter(tenant=tenant, anchor_ref__startswith="signal:").count(),
            "opportunities": ExpansionOpportunity.objects.filter(tenant=tenant, health_signal__isnull=False).count(),
            "flags": TrackFlag.objects.filter(tenant=tenant, kind="health_red").count(),
            "forecast_refreshed": Renewal.objects.get(tenant=tenant, pk=renewal.pk).suggested_at is not None,
            "forecast_changes": ForecastChange.objects.filter(tenant=tenant, renewal=renewal).count(),
        }


def test_a_lost_announcement_loses_the_batchs_news_until_the_day_is_repaired(
    tenant_a, book, django_capture_on_commit_callbacks
):
    accounts, renewal = book
    assert _batch(tenant_a, accounts, announced=False, capture=django_capture_on_commit_callbacks)["raised"] == 3
    lost = _effects(tenant_a, renewal)
    assert (lost["alerts"], lost["enrolments"], lost["opportunities"], lost["flags"]) == (0, 0, 0, 0)
    assert lost["forecast_refreshed"] is False
    # A rerun of the day finds the signals open and only refreshes them: the news stays lost.
    assert _batch(tenant_a, accounts, announced=True, capture=django_capture_on_commit_callbacks)["raised"] == 0
    assert _effects(tenant_a, renewal) == lost

    report = _repair(tenant_a, django_capture_on_commit_callbacks)
    assert "3 raised" in report
    repaired = _effects(tenant_a, renewal)
    assert (repaired["alerts"], repaired["enrolments"], repaired["opportunities"]) == (1, 1, 1)
    assert repaired["flags"] == 1 and repaired["forecast_refreshed"] is True
    # Announced again: nothing twice.
    _repair(tenant_a, django_capture_on_commit_callbacks)
    assert _effects(tenant_a, renewal) == repaired


def test_a_repair_of_a_day_whose_news_arrived_doubles_nothing(tenant_a, book, django_capture_on_commit_callbacks):
    accounts, renewal = book
    _batch(tenant_a, accounts, announced=True, capture=django_capture_on_commit_callbacks)
    delivered = _effects(tenant_a, renewal)
    assert (delivered["alerts"], delivered["enrolments"], delivered["opportunities"], delivered["flags"]) == (
        1,
        1,
        1,
        1,
    )
    with scope(tenant=tenant_a):
        # What people and time did since: the CSM dismissed the flag, the enrolment ended.
        TrackFlag.objects.filter(tenant=tenant_a).update(status=FlagStatus.DISMISSED)
        _signal_enrolments(tenant_a, EnrollmentStatus.ACTIVE).update(status=EnrollmentStatus.COMPLETED)
    _repair(tenant_a, django_capture_on_commit_callbacks)
    assert _effects(tenant_a, renewal) == delivered
    with scope(tenant=tenant_a):
        assert not TrackFlag.objects.filter(tenant=tenant_a, status=FlagStatus.OPEN).exists()
        assert not _signal_enrolments(tenant_a, EnrollmentStatus.ACTIVE).exists()


def test_a_lost_resolution_is_repaired_too(tenant_a, book, django_capture_on_commit_callbacks):
    accounts, _renewal = book
    _batch(tenant_a, accounts, announced=True, capture=django_capture_on_commit_callbacks)
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        # The next day nothing holds any more; the worker dies before announcing it.
        detection.signals_sync(
            tenant=tenant_a,
            account_ids=[a.pk for a in accounts],
            wanted=[],
            today=today_of(tenant_a) + dt.timedelta(days=1),
            cooldown_days=detection.cooldowns(None),
        )
        assert _signal_enrolments(tenant_a, EnrollmentStatus.ACTIVE).count() == 1
    report = _repair(tenant_a, django_capture_on_commit_callbacks, day=today_of(tenant_a) + dt.timedelta(days=1))
    assert "3 resolved" in report
    with scope(tenant=tenant_a):
        assert HealthSignal.objects.filter(tenant=tenant_a, status=SignalStatus.RESOLVED).count() == 3
        assert not _signal_enrolments(tenant_a, EnrollmentStatus.ACTIVE).exists()
        assert _signal_enrolments(tenant_a, EnrollmentStatus.EXITED).count() == 1


def test_the_command_names_an_unknown_tenant_or_a_bad_day(tenant_a):
    with pytest.raises(CommandError, match="no tenant with the slug 'nope'"):
        call_command("repair_announcements", tenant="nope", day="2026-12-01")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("repair_announcements", tenant=tenant_a.slug, day="1.12.2026")
