"""Reads of cadences and enrolments that the pages and the API share."""

from django.db.models import Count, Q, QuerySet

from tenancy.models import Tenant

from ..models import Cadence, CadenceStep, Enrollment, EnrollmentStatus, EntryStatus

# Not sent yet: an exit cancels these. A failed entry keeps its failure; a sending one is already leaving.
UNSENT = (EntryStatus.DRAFT, EntryStatus.PENDING_APPROVAL, EntryStatus.SCHEDULED, EntryStatus.DEFERRED)


def cadences_list(*, tenant: Tenant) -> QuerySet[Cadence]:
    return Cadence.objects.filter(tenant=tenant).annotate(
        step_count=Count("steps", distinct=True),
        active_count=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.ACTIVE), distinct=True),
    )


def cadence_get(*, tenant: Tenant, cadence_id: int) -> Cadence:
    return Cadence.objects.get(tenant=tenant, pk=cadence_id)


def cadence_step_get(*, tenant: Tenant, step_id: int) -> CadenceStep:
    return CadenceStep.objects.select_related("cadence").get(tenant=tenant, pk=step_id)


def cadence_steps(*, tenant: Tenant, cadence: Cadence) -> QuerySet[CadenceStep]:
    return CadenceStep.objects.filter(tenant=tenant, cadence=cadence).order_by("offset_days", "position", "id")


def enrollment_get(*, tenant: Tenant, enrollment_id: int) -> Enrollment:
    return Enrollment.objects.select_related("cadence", "account").get(tenant=tenant, pk=enrollment_id)


def enrollments_filtered(
    *, tenant: Tenant, cadence_id: int | None = None, status: str = "", account_id: int | None = None
) -> QuerySet[Enrollment]:
    """Enrolments with their cadence and account, and how many of their entries were sent, are still to
    go and were cancelled: three counts in the same query."""
    rows = Enrollment.objects.filter(tenant=tenant).select_related("cadence", "account", "account__owner")
    if cadence_id:
        rows = rows.filter(cadence_id=cadence_id)
    if status:
        rows = rows.filter(status=status)
    if account_id:
        rows = rows.filter(account_id=account_id)
    return rows.annotate(
        sent_count=Count("entries", filter=Q(entries__status=EntryStatus.SENT)),
        planned_count=Count("entries", filter=Q(entries__status__in=UNSENT)),
        cancelled_count=Count("entries", filter=Q(entries__status=EntryStatus.CANCELLED)),
    ).order_by("-enrolled_at", "-id")
