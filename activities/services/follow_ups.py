"""A task made by hand from something an app raised (a journey flag, a health signal): the one "Make a task"
behaviour every such button shares, so each source gets at most one task, owned and due the same way."""

from accounts.models import Account
from core import tenant_time
from tenancy.models import Tenant, User

from ..models import Task
from .tasks import TaskDraft, task_create

# "Due in 2 business days": time to act on it, soon enough that it is not forgotten.
FOLLOW_UP_BUSINESS_DAYS = 2


def task_follow_up(
    *, tenant: Tenant, source: str, source_id: int, account: Account, title: str, details: str = "", by: User | None
) -> tuple[Task, bool]:
    """The task for that source object, made now for the account's owner and due in 2 business days of the
    tenant's calendar, or the one made before: (task, created)."""
    return task_create(
        tenant=tenant,
        draft=TaskDraft(
            title=title,
            details=details,
            due_on=tenant_time.business_days_after(tenant_time.today(tenant), FOLLOW_UP_BUSINESS_DAYS),
            owner_id=account.owner_id,
            account_id=account.pk,
            source=source,
            source_id=source_id,
            source_key=f"{source}:{source_id}",
            created_by_id=by.pk if by else None,
        ),
    )
