"""How communications reacts to its peers: a journey stage entered enrols the stage's cadences and exits
the ones of the stage left; an opened renewal enrols the renewal cadence and its close exits it; a health
signal enrols the cadences its kind triggers (the expansion ask on an expansion signal) and its
resolution exits them.

The events arrive after the sender's commit (core.events: in the tenant's scope, in a transaction of their
own), so a failure here never reaches the sender: it is logged and the receiver retried. A bulk load (the
demo) pauses the events (events_paused) and plans its own enrolments and alerts instead."""

import datetime as dt
import logging

from accounts.models import Account
from core import tenant_time
from core.events import receives
from health.peers import SignalStatus, signals_of
from health.signals import signals_changed
from journeys.signals import track_transitioned
from renewals.signals import renewal_closed, renewal_opened
from tenancy.models import Tenant, User
from tenancy.signals import membership_ended, tenant_created

from .models import CadenceAnchor
from .services.cadences import cadences_enrol_for, cadences_ensure_defaults, signal_cadence_triggers
from .services.enrollment_end import enrollments_exit_for_anchor, enrollments_exit_for_anchors
from .services.feeds import feeds_delete_for_member
from .services.notifications import notifications_on_health_signals
from .services.settings import blackout_rules, communication_settings, frequency_caps, send_permissions

logger = logging.getLogger(__name__)

CHURNED = "churned"


def _stage_label(stage: str) -> str:
    return stage.replace("_", " ")


@receives(track_transitioned)
def stage_cadences(*, tenant, transition_id, track_id, track_name, account_id, from_stage, to_stage, kind, at) -> None:
    left, entered = from_stage, to_stage
    if left and left != entered:
        where = f"moved to {_stage_label(entered)}" if entered else "ended"
        enrollments_exit_for_anchor(
            tenant=tenant,
            anchor_ref=f"track:{track_id}:{left}",
            reason=f"Track “{track_name}” {where}: the rest of its {_stage_label(left)} cadence is cancelled.",
        )
    if entered:
        account = Account.objects.get(tenant=tenant, pk=account_id)
        cadences_enrol_for(
            tenant=tenant,
            account=account,
            anchor=CadenceAnchor.STAGE_ENTERED,
            trigger=entered,
            anchor_on=tenant_time.day_of(tenant, dt.datetime.fromisoformat(at)),
            anchor_ref=f"track:{track_id}:{entered}",
        )


@receives(renewal_opened)
def renewal_cadence_enrol(*, tenant, renewal_id, account_id, due_on, contract_id, contract_start_on) -> None:
    account = Account.objects.get(tenant=tenant, pk=account_id)
    cadences_enrol_for(
        tenant=tenant,
        account=account,
        anchor=CadenceAnchor.RENEWAL_DATE,
        trigger=None,
        anchor_on=dt.date.fromisoformat(due_on),
        anchor_ref=f"renewal:{renewal_id}",
    )
    cadences_enrol_for(
        tenant=tenant,
        account=account,
        anchor=CadenceAnchor.CONTRACT_START,
        trigger=None,
        anchor_on=dt.date.fromisoformat(contract_start_on),
        anchor_ref=f"contract:{contract_id}",
    )


@receives(renewal_closed)
def renewal_cadence_exit(*, tenant, renewal_id, account_id, outcome) -> None:
    if outcome == CHURNED:
        reason = "Account churned: the rest of the renewal cadence is cancelled."
    else:
        reason = "Renewal signed: the rest of the renewal cadence is cancelled."
    enrollments_exit_for_anchor(tenant=tenant, anchor_ref=f"renewal:{renewal_id}", reason=reason)


@receives(signals_changed)
def health_signals_changed(*, tenant, raised, resolved) -> None:
    """A batch of health signals, once: raised ones enrol the cadences their kind triggers (the expansion
    ask on "expansion") and alert the CSM of risks (Slack and email, once per signal); resolved ones end
    the cadences they started. Read once per batch, so thousands of signals on a first night cost little."""
    # Delivered late (a retry, the sweep), a signal may have cleared since: nothing to act on.
    opened = [s for s in signals_of(tenant=tenant, ids=raised) if s.status == SignalStatus.OPEN]
    _signal_cadences(tenant, opened)
    _signal_cadences_exit(tenant, signals_of(tenant=tenant, ids=resolved) if resolved else [])
    try:
        notifications_on_health_signals(tenant=tenant, signals=opened)
    except Exception:
        logger.exception("tenant %s: alerts for %d health signals failed", tenant.pk, len(opened))


def _signal_cadences(tenant: Tenant, raised) -> None:
    try:
        triggers = signal_cadence_triggers(tenant=tenant)
        wanted = [s for s in raised if s.kind in triggers]
        accounts = Account.objects.filter(tenant=tenant, pk__in={s.account_id for s in wanted}).in_bulk()
    except Exception:
        logger.exception("tenant %s: cadences for %d health signals failed", tenant.pk, len(raised))
        return
    for health_signal in wanted:
        try:
            cadences_enrol_for(
                tenant=tenant,
                account=accounts[health_signal.account_id],
                anchor=CadenceAnchor.SIGNAL_RAISED,
                trigger=health_signal.kind,
                anchor_on=health_signal.raised_on,
                anchor_ref=f"signal:{health_signal.pk}",
                once=True,
            )
        except Exception:
            logger.exception("tenant %s: cadences for health signal %s failed", tenant.pk, health_signal.pk)


def _signal_cadences_exit(tenant: Tenant, resolved) -> None:
    # What the signal asked for no longer holds: an expansion ask to an account no longer near its seats.
    reasons = {
        f"signal:{s.pk}": f"{s.get_kind_display()} cleared: the rest of the cadence it started is cancelled."
        for s in resolved
    }
    try:
        if reasons:
            enrollments_exit_for_anchors(tenant=tenant, reasons=reasons)
    except Exception:
        logger.exception("tenant %s: exiting the cadences of %d health signals failed", tenant.pk, len(resolved))


@receives(tenant_created)
def tenant_defaults(*, tenant) -> None:
    # The seed's rules that protect the customer, and its cadences, as an admin finds them on day one.
    communication_settings(tenant=tenant)
    frequency_caps(tenant=tenant)
    blackout_rules(tenant=tenant)
    send_permissions(tenant=tenant)
    cadences_ensure_defaults(tenant=tenant)


@receives(membership_ended)
def member_feeds(*, tenant, user_id) -> None:
    # Raised, not logged: a removal that left a calendar feed working must not commit.
    feeds_delete_for_member(tenant=tenant, user=User.objects.get(pk=user_id))
