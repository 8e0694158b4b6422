"""The tasks made of health signals, for the pages that list signals."""

from collections.abc import Iterable

from activities.models import TaskSource
from activities.selectors.tasks import tasks_of_source
from tenancy.models import Tenant

from ..models import HealthSignal


def signals_with_tasks(*, tenant: Tenant, signals: Iterable[HealthSignal]) -> list[HealthSignal]:
    """Each signal with the task made of it (`signal.task`, None when nobody made one), in one query."""
    found = list(signals)
    tasks = {
        task.source_id: task
        for task in tasks_of_source(tenant=tenant, source=TaskSource.HEALTH_SIGNAL, source_ids=[s.pk for s in found])
    }
    for signal in found:
        signal.task = tasks.get(signal.pk)  # type: ignore[attr-defined]  # a page's attribute, not a field
    return found


def health_signal_get(*, tenant: Tenant, health_signal_id: int) -> HealthSignal:
    return HealthSignal.objects.select_related("account", "account__owner").get(tenant=tenant, pk=health_signal_id)
