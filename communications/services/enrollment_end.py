"""How an enrolment ends: completed once its cadence has run (every entry sent, failed or cancelled), or
exited when its anchor no longer holds (a renewal signed, a stage left, a signal cleared), its unsent
entries cancelled with the reason. The outbox and a cancel by hand call the first; receivers the second."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from tenancy.models import Tenant, User

from ..models import CalendarEntry, Enrollment, EnrollmentStatus, EntryStatus
from ..selectors.cadences import UNSENT
from .entries import entry_cancel

# What keeps an enrolment active: a sending entry may still come back as scheduled (a retry) or deferred.
STILL_TO_GO = (*UNSENT, EntryStatus.SENDING)

SETTLED_WORDS = ((EntryStatus.SENT, "sent"), (EntryStatus.FAILED, "failed"), (EntryStatus.CANCELLED, "cancelled"))


def _outcome_text(counts: dict[str, int]) -> str:
    """What the entries came to: Nothing left to send: 3 sent, 1 failed, 2 cancelled."""
    parts = [f"{counts[status]} {word}" for status, word in SETTLED_WORDS if counts.get(status)]
    return f"Nothing left to send: {', '.join(parts)}." if parts else "Nothing left to send."


def enrollment_complete_if_done(*, enrollment: Enrollment) -> bool:
    """Complete an active enrolment once none of its entries is still to go (STILL_TO_GO): each was sent,
    failed or cancelled, so the cadence has nothing left to do. A failed entry counts as done: nothing
    retries it by itself, and someone who reschedules it by hand sends it outside the cadence.

    Called wherever an entry of an enrolment leaves those states (the outbox, a cancel by hand); True when
    this call completed it. An exited or completed enrolment stays as it is."""
    tenant_id = enrollment.tenant_id
    with transaction.atomic():
        # Lock first: of two workers finishing its last two entries, the second waits here until the
        # first committed, then sees both entries done. (Without it, each could read the other's entry
        # as still sending, and neither would complete it.)
        locked = Enrollment.objects.select_for_update().filter(
            tenant_id=tenant_id, pk=enrollment.pk, status=EnrollmentStatus.ACTIVE
        )
        if not list(locked.values_list("pk", flat=True)):
            return False
        rows = CalendarEntry.objects.filter(tenant_id=tenant_id, enrollment_id=enrollment.pk).order_by()
        counts = dict(rows.values("status").annotate(n=Count("id")).values_list("status", "n"))
        if any(status in STILL_TO_GO for status in counts):
            return False
        now, reason = timezone.now(), _outcome_text(counts)
        # Conditional: an exit or another completion that got here first wins.
        done = Enrollment.objects.filter(tenant_id=tenant_id, pk=enrollment.pk, status=EnrollmentStatus.ACTIVE).update(
            status=EnrollmentStatus.COMPLETED, ended_at=now, exit_reason=reason
        )
    if done:
        enrollment.status, enrollment.ended_at, enrollment.exit_reason = EnrollmentStatus.COMPLETED, now, reason
    return bool(done)


def enrollment_reopen_if_completed(*, enrollment_id: int, tenant_id: int) -> bool:
    """A completed enrolment with an entry scheduled again (a failed one retried by hand) is active again:
    the cadence has something left to send after all, and an exit would cancel it. True when reopened.

    Not when the account has since been enrolled in the same cadence on the same anchor (one active each):
    that one carries on, and this entry goes out as planned."""
    try:
        with transaction.atomic():
            return bool(
                Enrollment.objects.filter(
                    tenant_id=tenant_id, pk=enrollment_id, status=EnrollmentStatus.COMPLETED
                ).update(status=EnrollmentStatus.ACTIVE, ended_at=None, exit_reason="")
            )
    except IntegrityError:
        return False


@transaction.atomic
def enrollment_exit(*, enrollment: Enrollment, reason: str, by: User | None = None) -> Enrollment:
    """End the enrolment: its entries not sent yet are cancelled with the reason; sent ones stay history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the account leaves the cadence; the cancelled messages show it."})
    enrollment = (
        Enrollment.objects.select_for_update().select_related("cadence").get(tenant=enrollment.tenant, pk=enrollment.pk)
    )
    if enrollment.status != EnrollmentStatus.ACTIVE:
        raise ValidationError(f"This enrolment is already {enrollment.get_status_display().lower()}.")
    why = reason if by is None else f"{by} ended the enrolment in {enrollment.cadence.name}: {reason}"
    # Exited before its entries are cancelled, so cancelling the last of them does not complete it.
    enrollment.status, enrollment.exit_reason, enrollment.ended_at = EnrollmentStatus.EXITED, why[:300], timezone.now()
    enrollment.save(update_fields=["status", "exit_reason", "ended_at"])
    unsent = CalendarEntry.objects.filter(tenant=enrollment.tenant, enrollment=enrollment, status__in=UNSENT)
    for entry in unsent.select_for_update().order_by("scheduled_at", "id"):
        entry.enrollment = enrollment  # already locked and loaded: spares entry_cancel a query per entry
        entry_cancel(entry=entry, by=by, reason=why)
    return enrollment


def enrollments_exit_for_anchor(*, tenant: Tenant, anchor_ref: str, reason: str) -> int:
    """Exit every active enrolment on this anchor ("renewal:12"): how other apps end a cadence."""
    return enrollments_exit_for_anchors(tenant=tenant, reasons={anchor_ref: reason})


def enrollments_exit_for_anchors(*, tenant: Tenant, reasons: dict[str, str]) -> int:
    """Exit every active enrolment on these anchors, each with its anchor's reason. One query finds them:
    a batch of resolved signals usually has none."""
    active = Enrollment.objects.filter(tenant=tenant, anchor_ref__in=list(reasons), status=EnrollmentStatus.ACTIVE)
    exited = 0
    for enrollment in active.order_by("id"):
        enrollment_exit(enrollment=enrollment, reason=reasons[enrollment.anchor_ref])
        exited += 1
    return exited
