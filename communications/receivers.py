"""How communications reacts to its peers: a journey stage entered enrols the stage's cadences and exits
the ones of the stage left; an opened renewal enrols the renewal cadence and its close exits it; a health
signal enrols the cadences its kind triggers (the expansion ask on an expansion signal) and its
resolution exits them.

The signals arrive on commit, maybe after the sender's scope closed (a Celery batch): each receiver enters
the tenant's scope. What the sender did is committed, so a failure here is logged, never raised into it."""

import logging
from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import receiver
from django.utils import timezone
from django_scopes import scope

from accounts.models import Account
from health.scoring.detection import signal_raised, signal_resolved
from journeys.signals import track_transitioned
from renewals.signals import renewal_closed, renewal_opened
from tenancy.models import Tenant

from .models import CadenceAnchor
from .services.cadences import cadences_enrol_for
from .services.enrollment_end import enrollments_exit_for_anchor
from .services.notifications import notification_on_health_signal

logger = logging.getLogger(__name__)

# While set, the receivers let their peers' events pass: a bulk load (the demo) replays years of stage
# changes and contract ends, and plans its own enrolments and alerts instead.
_paused: ContextVar[bool] = ContextVar("communications_receivers_paused", default=False)


@contextmanager
def receivers_paused():
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


CHURNED = "churned"


def _stage_label(stage: str) -> str:
    return stage.replace("_", " ")


@receiver(track_transitioned, dispatch_uid="communications_stage_cadences")
def stage_cadences(sender, transition, **kwargs) -> None:
    if _paused.get():
        return
    try:
        with scope(tenant=transition.tenant_id):
            _stage_cadences(transition)
    except Exception:
        logger.exception("tenant %s: cadences for stage transition %s failed", transition.tenant_id, transition.pk)


def _stage_cadences(transition) -> None:
    tenant = Tenant.objects.get(pk=transition.tenant_id)
    track = transition.track
    left, entered = transition.from_stage or "", transition.to_stage or ""
    if left and left != entered:
        where = f"moved to {_stage_label(entered)}" if entered else "ended"
        enrollments_exit_for_anchor(
            tenant=tenant,
            anchor_ref=f"track:{track.pk}:{left}",
            reason=f"Track “{track.name}” {where}: the rest of its {_stage_label(left)} cadence is cancelled.",
        )
    if entered:
        account = Account.objects.get(tenant=tenant, pk=track.account_id)
        cadences_enrol_for(
            tenant=tenant,
            account=account,
            anchor=CadenceAnchor.STAGE_ENTERED,
            trigger=entered,
            anchor_on=timezone.localdate(transition.at, timezone=tenant.zone),
            anchor_ref=f"track:{track.pk}:{entered}",
        )


@receiver(renewal_opened, dispatch_uid="communications_renewal_opened")
def renewal_cadence_enrol(sender, tenant, renewal, **kwargs) -> None:
    if _paused.get():
        return
    try:
        with scope(tenant=tenant):
            account = Account.objects.get(tenant=tenant, pk=renewal.account_id)
            cadences_enrol_for(
                tenant=tenant,
                account=account,
                anchor=CadenceAnchor.RENEWAL_DATE,
                trigger=None,
                anchor_on=renewal.due_on,
                anchor_ref=f"renewal:{renewal.pk}",
            )
            contract = renewal.contract
            cadences_enrol_for(
                tenant=tenant,
                account=account,
                anchor=CadenceAnchor.CONTRACT_START,
                trigger=None,
                anchor_on=contract.start_on,
                anchor_ref=f"contract:{contract.pk}",
            )
    except Exception:
        logger.exception("tenant %s: enrolling renewal %s in its cadence failed", tenant.pk, renewal.pk)


@receiver(renewal_closed, dispatch_uid="communications_renewal_closed")
def renewal_cadence_exit(sender, tenant, renewal, **kwargs) -> None:
    if _paused.get():
        return
    if renewal.outcome == CHURNED:
        reason = "Account churned: the rest of the renewal cadence is cancelled."
    else:
        reason = "Renewal signed: the rest of the renewal cadence is cancelled."
    try:
        with scope(tenant=tenant):
            enrollments_exit_for_anchor(tenant=tenant, anchor_ref=f"renewal:{renewal.pk}", reason=reason)
    except Exception:
        logger.exception("tenant %s: exiting the cadence of renewal %s failed", tenant.pk, renewal.pk)


@receiver(signal_raised, dispatch_uid="communications_signal_cadences")
def signal_cadences(sender, health_signal, **kwargs) -> None:
    if _paused.get():
        return
    # Any kind a cadence names as its trigger; the default is the expansion ask on "expansion".
    try:
        with scope(tenant=health_signal.tenant_id):
            tenant = Tenant.objects.get(pk=health_signal.tenant_id)
            cadences_enrol_for(
                tenant=tenant,
                account=Account.objects.get(tenant=tenant, pk=health_signal.account_id),
                anchor=CadenceAnchor.SIGNAL_RAISED,
                trigger=health_signal.kind,
                anchor_on=health_signal.raised_on,
                anchor_ref=f"signal:{health_signal.pk}",
            )
    except Exception:
        logger.exception("tenant %s: cadences for health signal %s failed", health_signal.tenant_id, health_signal.pk)


@receiver(signal_resolved, dispatch_uid="communications_signal_cadences_exit")
def signal_cadences_exit(sender, health_signal, **kwargs) -> None:
    if _paused.get():
        return
    try:
        # What the signal asked for no longer holds: an expansion ask to an account no longer near its seats.
        reason = f"{health_signal.get_kind_display()} cleared: the rest of the cadence it started is cancelled."
        with scope(tenant=health_signal.tenant_id):
            tenant = Tenant.objects.get(pk=health_signal.tenant_id)
            enrollments_exit_for_anchor(tenant=tenant, anchor_ref=f"signal:{health_signal.pk}", reason=reason)
    except Exception:
        logger.exception(
            "tenant %s: exiting the cadences of health signal %s failed", health_signal.tenant_id, health_signal.pk
        )


@receiver(signal_raised, dispatch_uid="communications_signal_notifications")
def signal_notifications(sender, health_signal, **kwargs) -> None:
    """A risk signal becomes an alert for the account's CSM (Slack and email), once per signal."""
    if _paused.get():
        return
    try:
        notification_on_health_signal(sender, health_signal=health_signal, **kwargs)
    except Exception:
        logger.exception("tenant %s: alert for health signal %s failed", health_signal.tenant_id, health_signal.pk)
