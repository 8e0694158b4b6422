"""The Celery app: safe defaults for short, idempotent, tenant-scoped tasks."""

import os

from celery import Celery
from celery.schedules import crontab

from . import redis_transport

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# A worker must outlive losing Redis while a task runs (see config/redis_transport.py).
redis_transport.register()
app = Celery("postsale")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    # A task is acknowledged only when done, and handed back if its worker dies:
    # tasks are idempotent, so running twice is safe, losing one is not.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_track_started=True,
    result_expires=60 * 60 * 24,
    broker_connection_retry_on_startup=True,
    beat_schedule={
        # Hourly, so each tenant's at-risk upgrades end soon after its own midnight.
        "expire-tier-overrides": {
            "task": "accounts.tasks.tier_overrides_expire_all",
            "schedule": crontab(minute=5),
        },
        # Every 2 minutes: claims each tenant's nightly recompute once its clock passes 02:00
        # (a static schedule serves every time zone) and recovers batches whose worker died, soon
        # after their lease (the task time limit and a minute) ends.
        "health-recompute-sweep": {
            "task": "health.tasks.health_recompute_sweep",
            "schedule": crontab(minute="*/2"),
        },
        # Hourly: days in stage grow without any event, so on track / behind / stalled is refreshed.
        "journeys-status-sweep": {
            "task": "journeys.tasks.journeys_status_sweep",
            "schedule": crontab(minute=25),
        },
        # Hourly, so each tenant's auto-renewals happen on its own end date and forecasts see overdue
        # checkpoints and the review window opening the day they do.
        "renewals-daily-sweep": {
            "task": "renewals.tasks.renewals_daily_sweep",
            "schedule": crontab(minute=40),
        },
        # Hourly: each tenant's time-based playbook triggers (checkpoints reached, milestones missed,
        # schedules) once its day has turned (occurrence keys carry the day, so reruns fire nothing twice),
        # and playbook runs whose message or worker was lost are sent again.
        "playbooks-sweep": {
            "task": "playbooks.tasks.playbooks_sweep",
            "schedule": crontab(minute=15),
        },
        # Every minute: announcements between apps whose dispatch was lost (a worker killed after the
        # commit, the broker down) or whose failed receivers are due for a retry (core.events).
        "events-sweep": {
            "task": "core.tasks.events_sweep",
            "schedule": crontab(),
        },
        # Every minute: due calendar entries leave through the outbox (claimed, so never sent twice).
        # Hourly: digests of the week, month or quarter just over, for contacts who chose one.
        "communications-digests-sweep": {
            "task": "communications.tasks.digests_sweep",
            "schedule": crontab(minute=50),
        },
        "communications-outbox-sweep": {
            "task": "communications.tasks.outbox_sweep",
            "schedule": crontab(),
        },
        # Every 5 minutes: work queued while the broker was down (its message never sent) is sent again
        # once the broker is back; a task's lease after it was queued, so a busy queue is not doubled.
        "accounts-imports-requeue": {
            "task": "accounts.tasks.imports_requeue_all",
            "schedule": crontab(minute="*/5"),
        },
        "communications-queued-work-requeue": {
            "task": "communications.tasks.queued_work_requeue",
            "schedule": crontab(minute="*/5"),
        },
        # Nightly: each tenant's ingestion errors past INGESTION_ERROR_RETENTION_DAYS, in its own task.
        "health-ingestion-errors-purge": {
            "task": "health.tasks.ingestion_errors_purge_sweep",
            "schedule": crontab(minute=33, hour=3),
        },
        "clear-expired-sessions": {
            "task": "tenancy.tasks.sessions_clear_expired",
            "schedule": crontab(minute=17, hour=3),
        },
    },
)

app.autodiscover_tasks()
