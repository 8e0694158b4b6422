"""Handing work to the workers without ever failing the request that asked for it.

Every piece of background work is a row first (a recompute batch, an import, a notification, an outbox
entry): the message to the broker only says "go". When the broker is down, the message is not sent, the
row stays queued, and the request answers at once with BACKGROUND_UNAVAILABLE instead of a 500; each
app's sweep on the beat sends the message again once the broker is back (a task's lease after the work was
queued, see requeue_before).

    with queue_watch() as watch:
        run = run_start_manual(...)          # calls enqueue_on_commit(...) inside
    if watch.failed:
        messages.warning(request, BACKGROUND_UNAVAILABLE)
"""

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from .cache import UNREACHABLE
from .leases import task_lease

logger = logging.getLogger(__name__)

BACKGROUND_UNAVAILABLE = "Background work is unavailable right now; it will start when the queue is back."


def requeue_before(now: dt.datetime) -> dt.datetime:
    """Work queued before this and still waiting lost its message (sent while the broker was down, or
    purged): a task's lease, so a message merely waiting in a busy queue is rarely sent twice (and a task
    sent twice finds its work claimed or done)."""
    return now - task_lease()


@dataclass
class QueueWatch:
    failed: int = 0


_watch: ContextVar[QueueWatch | None] = ContextVar("queue_watch", default=None)


@contextmanager
def queue_watch() -> Iterator[QueueWatch]:
    """Count the messages the code inside could not hand to the broker (what the request should say)."""
    watch = QueueWatch()
    token = _watch.set(watch)
    try:
        yield watch
    finally:
        _watch.reset(token)


# kombu wraps the broker's connection errors in its OperationalError when publishing; the result
# backend's subscription raises redis' own.
BROKER_ERRORS = (BrokerError, *UNREACHABLE, ConnectionError, TimeoutError)


def enqueue(task: Task, **kwargs) -> bool:
    """Send the task now; False (logged, and counted by queue_watch) when the broker cannot be reached:
    the work stays queued in its row for the sweep."""
    # Nobody waits on these results (the rows say how the work went): without one, sending does not
    # subscribe to the result backend, which blocks and then breaks for good while Redis is down.
    if task.app.conf.task_always_eager:
        # In-process: the task runs here, and its own errors are its caller's to see.
        task.apply_async(kwargs=kwargs, ignore_result=True)
        return True
    try:
        task.apply_async(kwargs=kwargs, ignore_result=True)
    except BROKER_ERRORS as error:
        logger.warning("%s not queued (the broker is unavailable: %s); the sweep queues it later", task.name, error)
        if (watch := _watch.get()) is not None:
            watch.failed += 1
        return False
    return True


def enqueue_on_commit(task: Task, **kwargs) -> None:
    """enqueue() once the transaction commits (the worker must find the rows), never raising into it."""
    transaction.on_commit(lambda: enqueue(task, **kwargs))
