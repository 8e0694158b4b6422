"""The triggers no event announces, fired by the daily sweep: a renewal checkpoint's planned day, a
milestone's due day passed undone, and schedules. Each occurrence key carries its object or its day, so the
hourly beat may fire them as often as it likes: the second time records nothing."""

import datetime as dt

from django.db.models import Q

from accounts.models import Account, AccountStatus
from core import tenant_time
from journeys.peers import milestones_missed_between
from renewals.peers import checkpoints_planned_between
from tenancy.models import Tenant

from ..models import Playbook
from .triggers import Occurrence, occurrences_record

ACCOUNT_BATCH = 1000


def daily_triggers_fire(*, tenant: Tenant, today: dt.date | None = None) -> dict[str, int]:
    """Record today's checkpoint_reached, milestone_missed and schedule runs; how many were queued of each."""
    today = today or tenant_time.today(tenant)
    wanted = set(Playbook.objects.filter(tenant=tenant, archived_at__isnull=True).values_list("trigger", flat=True))
    fired = {"checkpoint_reached": 0, "milestone_missed": 0, "schedule": 0}
    if "checkpoint_reached" in wanted:
        occurrences = [
            Occurrence(
                account_id=c.account_id,
                key=f"checkpoint:{c.checkpoint_id}",
                facts={"checkpoint_id": c.checkpoint_id, "renewal_id": c.renewal_id, "days_before": c.days_before},
            )
            for c in checkpoints_planned_between(tenant=tenant, start=today, end=today)
        ]
        fired["checkpoint_reached"] = len(
            occurrences_record(tenant=tenant, trigger="checkpoint_reached", occurrences=occurrences)
        )
    if "milestone_missed" in wanted:
        yesterday = today - dt.timedelta(days=1)
        occurrences = [
            Occurrence(
                account_id=m.account_id,
                key=f"milestone_missed:{m.milestone_id}",
                facts={"milestone_id": m.milestone_id, "title": m.title, "due_on": m.due_on.isoformat()},
            )
            for m in milestones_missed_between(tenant=tenant, start=yesterday, end=yesterday)
            # Done late today is still missed; done by its day is not (the reader's rule).
        ]
        fired["milestone_missed"] = len(
            occurrences_record(tenant=tenant, trigger="milestone_missed", occurrences=occurrences)
        )
    if "schedule" in wanted:
        fired["schedule"] = _schedule_fire(tenant, today)
    return fired


def _schedule_fire(tenant: Tenant, today: dt.date) -> int:
    weekday = str(today.weekday())
    due = Playbook.objects.filter(tenant=tenant, trigger="schedule", archived_at__isnull=True).filter(
        Q(trigger_params__weekday=weekday) | Q(trigger_params__weekday=int(weekday))
    )
    if not due.exists():
        return 0
    ids = list(
        Account.objects.filter(tenant=tenant, status=AccountStatus.ACTIVE).order_by("pk").values_list("pk", flat=True)
    )
    queued = 0
    for start in range(0, len(ids), ACCOUNT_BATCH):
        occurrences = [
            Occurrence(account_id=pk, key=f"schedule:{today.isoformat()}:{pk}", facts={"weekday": weekday})
            for pk in ids[start : start + ACCOUNT_BATCH]
        ]
        queued += len(occurrences_record(tenant=tenant, trigger="schedule", occurrences=occurrences))
    return queued
