"""A task made of a health signal ("Make a task" on the signals list and the account's health page): the
account's owner acts on it within 2 business days. The signal stays what it is: detection resolves it."""

from activities.models import Task, TaskSource
from activities.services.follow_ups import task_follow_up
from tenancy.models import User

from ..models import HealthSignal


def signal_task_make(*, signal: HealthSignal, by: User | None) -> tuple[Task, bool]:
    """The signal's task for the account's owner, or the one made before: (task, created)."""
    return task_follow_up(
        tenant=signal.tenant,
        source=TaskSource.HEALTH_SIGNAL,
        source_id=signal.pk,
        account=signal.account,
        title=signal.message,
        details=f"{signal.get_kind_display()} ({signal.get_severity_display().lower()}), raised {signal.raised_on}.",
        by=by,
    )
