"""A worker killed after a recompute batch committed but before its on-commit dispatch ran: the batch's news
(CSM alerts, cadence enrolments, forecast refreshes, expansion opportunities, journey flags) is an outbox row
of the batch's own transaction, so the beat's sweep delivers it a minute later, and each receiver does its
work once, however often the news arrives."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from communications.models import Enrollment, EnrollmentStatus, Notification
from core import events
from health.models import HealthSignal, SignalStatus
from health.services import detection
from journeys.models import TrackFlag
from renewals.models import ExpansionOpportunity, ForecastChange, Renewal

from ..renewals.builders import contract_for, make_account, today_of

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


def _batch(tenant, accounts, *, announced: bool, capture) -> tuple[dict, list]:
    """What a recompute batch commits (health's own signals_sync), with its on-commit dispatch run or, as when
    the worker is killed between the commit and the callbacks, dropped (and handed back)."""
    with scope(tenant=tenant), capture(execute=announced) as callbacks, transaction.atomic():
        result = detection.signals_sync(
            tenant=tenant,
            account_ids=[a.pk for a in accounts],
            wanted=_wanted(accounts),
            today=today_of(tenant),
            cooldown_days=detection.cooldowns(None),
        )
    assert len(callbacks) >= 1  # the dispatch was due on commit
    return result, callbacks


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


def _sweep_a_minute_later(capture) -> int:
    # What the receivers announce in turn (a journey flag) is dispatched when their transaction commits.
    with capture(execute=True):
        return events.events_sweep(now=timezone.now() + events.SWEEP_AFTER + dt.timedelta(seconds=1))


def test_a_batch_whose_dispatch_was_lost_is_delivered_by_the_sweep_once(
    tenant_a, book, django_capture_on_commit_callbacks
):
    accounts, renewal = book
    result, (lost_dispatch, *_others) = _batch(
        tenant_a, accounts, announced=False, capture=django_capture_on_commit_callbacks
    )
    assert result["raised"] == 3
    lost = _effects(tenant_a, renewal)
    assert (lost["alerts"], lost["enrolments"], lost["opportunities"], lost["flags"]) == (0, 0, 0, 0)
    assert lost["forecast_refreshed"] is False

    assert _sweep_a_minute_later(django_capture_on_commit_callbacks) == 1
    delivered = _effects(tenant_a, renewal)
    # The CSM's alert for the inactive power user, the expansion ask and its opportunity, the red flag.
    assert (delivered["alerts"], delivered["enrolments"], delivered["opportunities"], delivered["flags"]) == (
        1,
        1,
        1,
        1,
    )
    assert delivered["forecast_refreshed"] is True
    # Swept again, or the lost dispatch arriving after all: nothing twice.
    assert _sweep_a_minute_later(django_capture_on_commit_callbacks) == 0
    lost_dispatch()
    assert _effects(tenant_a, renewal) == delivered


def test_a_lost_resolution_is_delivered_too(tenant_a, book, django_capture_on_commit_callbacks):
    accounts, _renewal = book
    _batch(tenant_a, accounts, announced=True, capture=django_capture_on_commit_callbacks)
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        # The next day nothing holds any more; the worker dies before the dispatch.
        detection.signals_sync(
            tenant=tenant_a,
            account_ids=[a.pk for a in accounts],
            wanted=[],
            today=today_of(tenant_a) + dt.timedelta(days=1),
            cooldown_days=detection.cooldowns(None),
        )
        assert _signal_enrolments(tenant_a, EnrollmentStatus.ACTIVE).count() == 1
    assert _sweep_a_minute_later(django_capture_on_commit_callbacks) == 1
    with scope(tenant=tenant_a):
        assert HealthSignal.objects.filter(tenant=tenant_a, status=SignalStatus.RESOLVED).count() == 3
        assert not _signal_enrolments(tenant_a, EnrollmentStatus.ACTIVE).exists()
        assert _signal_enrolments(tenant_a, EnrollmentStatus.EXITED).count() == 1
