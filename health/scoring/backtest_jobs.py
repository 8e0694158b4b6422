"""The backtest report of the models in effect, built in the background with its progress.

Reading the inputs of every as-of day takes seconds on a real book (about 10 s for the demo's 500
accounts and their decided renewals), too long for a request. The page and the API ask for the report:
if it is built, they show it; if not, the first ask starts one build (a worker task) and every ask
says how many of the days it needs have been read. The report is kept in the cache under the tenant,
the models in effect and the day, for an hour: a new model version or a new day starts a new report,
and renewals decided during the hour show in the next one.
"""

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from django.core.cache import cache
from django.utils import timezone

from tenancy.models import Tenant

from .backtest import BacktestReport, backtest_run
from .services import ModelsInEffect, health_models_in_effect

logger = logging.getLogger(__name__)

REPORT_SECONDS = 3600
# A build that has said nothing for this long is taken for dead (its worker gone): the next ask starts again.
BUILD_STALE_SECONDS = 600


@dataclass(frozen=True)
class BacktestJob:
    report: BacktestReport | None
    days_read: int = 0
    days_needed: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.days_read / self.days_needed) if self.days_needed else 0


def _key(tenant: Tenant, model_for: ModelsInEffect, today: dt.date) -> str:
    models = sorted(
        (segment, model.pk, model.version)
        for segment, model in [*model_for.by_segment.items(), ("", model_for.fallback)]
    )
    digest = hashlib.sha256(repr((today.isoformat(), models)).encode()).hexdigest()[:32]
    return f"health:backtest-report:{tenant.pk}:{digest}"


def backtest_report_get(*, tenant: Tenant) -> BacktestJob:
    """The report of the models in effect if it is built; otherwise its build (started here once) so far."""
    from ..tasks import backtest_report_task

    today = timezone.localdate(timezone=tenant.zone)
    key = _key(tenant, health_models_in_effect(tenant=tenant), today)
    report = cache.get(key)
    if report is None and cache.add(f"{key}:progress", (0, 0), timeout=BUILD_STALE_SECONDS):
        # Runs at once where tasks run in-process, so the report is there on the first ask.
        backtest_report_task.delay(tenant_id=tenant.pk, key=key, today=today.isoformat())
        report = cache.get(key)
    if report is not None:
        return BacktestJob(report=report)
    days_read, days_needed = cache.get(f"{key}:progress") or (0, 0)
    return BacktestJob(report=None, days_read=days_read, days_needed=days_needed)


def backtest_report_build(*, tenant: Tenant, key: str, today: dt.date) -> BacktestReport:
    """Build the report for `key` (the task's work), saying how far it got after each day read."""

    def progress(days_read: int, days_needed: int) -> None:
        cache.set(f"{key}:progress", (days_read, days_needed), timeout=BUILD_STALE_SECONDS)

    try:
        report = backtest_run(
            tenant=tenant, model_for=health_models_in_effect(tenant=tenant), today=today, progress=progress
        )
    except Exception:
        cache.delete(f"{key}:progress")  # the next ask tries again rather than wait for a dead build
        raise
    cache.set(key, report, timeout=REPORT_SECONDS)
    cache.delete(f"{key}:progress")
    return report
