"""How long background work may hold what it claimed (a recompute batch, an outbox entry, an import job)
before the sweeps take it over: the one rule every claim shares."""

import datetime as dt

from django.conf import settings

# Past the hard limit: the clocks of the worker and the database, and the commit, take a moment.
LEASE_MARGIN = dt.timedelta(seconds=60)


def task_lease() -> dt.timedelta:
    """Celery kills a task at its hard time limit (CELERY_TASK_TIME_LIMIT), so a claim older than that and
    a margin has no live worker behind it: its worker died, and the work may be handed out again."""
    return dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + LEASE_MARGIN
