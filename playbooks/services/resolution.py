"""Stop when resolved: once what fired a run is over (its health signal resolved, its journey flag cleared),
the runs it fired of playbooks that ask for it are marked resolved, their live tasks are cancelled and the
cadences they enrolled end. Whatever the run did that a person already acted on stays."""

from django.utils import timezone

from activities.models import TaskSource
from activities.services.tasks import tasks_cancel_for_source
from communications.services.enrollment_end import enrollments_exit_for_anchors
from tenancy.models import Tenant

from ..models import PlaybookRun


def runs_resolve(*, tenant: Tenant, occurrence_keys: list[str], why: str) -> int:
    """Resolve the unresolved runs of these occurrences (of playbooks with stop_when_resolved); how many.
    A few queries for any number of keys, plus one write per live task or enrolment it ends."""
    if not occurrence_keys:
        return 0
    runs = list(
        PlaybookRun.objects.filter(
            tenant=tenant,
            occurrence_key__in=list(occurrence_keys),
            resolved_at__isnull=True,
            playbook__stop_when_resolved=True,
        ).values_list("pk", flat=True)
    )
    if not runs:
        return 0
    PlaybookRun.objects.filter(tenant=tenant, pk__in=runs).update(resolved_at=timezone.now())
    note = f"No longer needed: {why}"
    tasks_cancel_for_source(tenant=tenant, source=TaskSource.PLAYBOOK_RUN, source_ids=runs, note=note)
    enrollments_exit_for_anchors(tenant=tenant, reasons={f"playbook_run:{pk}": note[:300] for pk in runs})
    return len(runs)


def runs_resolve_for_signals(*, tenant: Tenant, signal_ids: list[int]) -> int:
    """Health resolved these signals: the runs they fired (raised, band changed, score dropped) stop."""
    return runs_resolve(
        tenant=tenant, occurrence_keys=[f"signal:{pk}" for pk in signal_ids], why="the health signal resolved."
    )


def runs_resolve_for_flags(*, tenant: Tenant, flag_ids: list[int]) -> int:
    """Journeys cleared these track flags: the runs they fired (a track stalled) stop."""
    return runs_resolve(
        tenant=tenant, occurrence_keys=[f"flag:{pk}" for pk in flag_ids], why="the journey flag was cleared."
    )
