"""Backtests built in the background with their progress: the report of the models in effect, and the
editor's preview of unsaved settings against them.

Reading the inputs of every as-of day takes seconds on a real book (about 6 s for the demo's 500
accounts and their decided renewals) and minutes on a large one, too long for a request. A page or the
API asks for a backtest: if it is built, they show it; if not, the first ask starts one build (a worker
task) and every ask says how many of the days it needs have been read. A result is kept in the cache
under the tenant, the models in effect, the day and (a preview) the settings tried, for an hour: a new
model version or a new day starts a new one, and renewals decided during the hour show in the next.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from core import tenant_time
from tenancy.models import Tenant
from tenancy.queue import enqueue

from ..models import HealthModel
from .backtest import BacktestReport, Comparison, backtest_compare, backtest_run
from .scores import ModelsInEffect, health_models_in_effect

RESULT_SECONDS = 3600
# A build that has said nothing for this long is taken for dead (its worker gone): the next ask starts again.
BUILD_STALE_SECONDS = 600

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BacktestJob:
    """A backtest (a report, or a preview's comparison) once built; until then how far its build got."""

    result: Any = None
    days_read: int = 0
    days_needed: int = 0
    digest: str = ""  # a preview's, for the page to poll it by
    # The build could not be queued (the broker or the cache is down): the next ask tries again.
    unavailable: bool = False

    @property
    def percent(self) -> int:
        return round(100 * self.days_read / self.days_needed) if self.days_needed else 0


def _digest(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _models(model_for: ModelsInEffect) -> list:
    return sorted((s, m.pk, m.version) for s, m in [*model_for.by_segment.items(), ("", model_for.fallback)])


def _job(key: str, start: Callable[[], bool] | None, digest: str = "") -> BacktestJob:
    """The result under `key`, or its build's progress; `start` queues the build when none is running (and
    says whether the broker took it)."""
    result = cache.get(key)
    if result is None and start is not None and cache.add(f"{key}:progress", (0, 0), timeout=BUILD_STALE_SECONDS):
        # Runs at once where tasks run in-process: the result is there on the first ask.
        if not start():
            cache.delete(f"{key}:progress")  # nothing is building: the page's next poll asks again
            return BacktestJob(digest=digest, unavailable=True)
        result = cache.get(key)
    if result is not None:
        return BacktestJob(result=result, digest=digest)
    progress = cache.get(f"{key}:progress")
    if progress is None and start is not None:
        # Neither a result, nor a build running, nor one could be marked: the cache is down, and a build's
        # result could not reach the page anyway.
        return BacktestJob(digest=digest, unavailable=True)
    days_read, days_needed = progress or (0, 0)
    return BacktestJob(days_read=days_read, days_needed=days_needed, digest=digest)


def _build(key: str, work: Callable[[Progress], Any]) -> Any:
    """Run a build for `key`, saying after each day read how far it got; keep the result."""

    def progress(days_read: int, days_needed: int) -> None:
        cache.set(f"{key}:progress", (days_read, days_needed), timeout=BUILD_STALE_SECONDS)

    try:
        result = work(progress)
    except Exception:
        cache.delete(f"{key}:progress")  # the next ask tries again rather than wait for a dead build
        raise
    cache.set(key, result, timeout=RESULT_SECONDS)
    cache.delete(f"{key}:progress")
    return result


# The report of the models in effect


def _report_key(tenant: Tenant, model_for: ModelsInEffect, today: dt.date) -> str:
    return f"health:backtest-report:{tenant.pk}:{_digest(today.isoformat(), _models(model_for))}"


def backtest_report_get(*, tenant: Tenant) -> BacktestJob:
    """The report of the models in effect if it is built; otherwise its build (started here once) so far."""
    from ..tasks import backtest_report_task

    today = tenant_time.today(tenant)
    key = _report_key(tenant, health_models_in_effect(tenant=tenant), today)
    return _job(key, lambda: enqueue(backtest_report_task, tenant_id=tenant.pk, key=key, today=today.isoformat()))


def backtest_report_build(*, tenant: Tenant, key: str, today: dt.date) -> BacktestReport:
    model_for = health_models_in_effect(tenant=tenant)
    return _build(
        key, lambda progress: backtest_run(tenant=tenant, model_for=model_for, today=today, progress=progress)
    )


# The editor's preview of unsaved settings


def _preview_key(tenant: Tenant, digest: str) -> str:
    # The tenant is part of the key, never of the digest a page sends back: another tenant's digest finds nothing.
    return f"health:backtest-preview:{tenant.pk}:{digest}"


def _as_json(settings: dict) -> dict:
    # As the task gets them (a Decimal share as its text): the same settings tried twice are the same preview.
    return json.loads(json.dumps(settings, default=str))


def preview_digest(*, tenant: Tenant, segment: str, settings: dict, today: dt.date) -> str:
    """What names a preview: the day, the models in effect, the segment and the settings tried."""
    text = json.dumps(_as_json(settings), sort_keys=True)
    return _digest(today.isoformat(), _models(health_models_in_effect(tenant=tenant)), segment, text)


def backtest_preview_get(*, tenant: Tenant, segment: str, settings: dict) -> BacktestJob:
    """The backtest of these settings (the editor's, unsaved) against the models in effect, once built;
    otherwise its build so far. Its result is a backtest.Comparison."""
    from ..tasks import backtest_preview_task

    today = tenant_time.today(tenant)
    settings = _as_json(settings)
    digest = preview_digest(tenant=tenant, segment=segment, settings=settings, today=today)
    key = _preview_key(tenant, digest)
    return _job(
        key,
        lambda: enqueue(
            backtest_preview_task,
            tenant_id=tenant.pk,
            key=key,
            segment=segment,
            settings=settings,
            today=today.isoformat(),
        ),
        digest=digest,
    )


def backtest_preview_poll(*, tenant: Tenant, digest: str) -> BacktestJob:
    """How the preview with this digest is getting on (the editor polls it): built, or its progress.
    Polling never starts a build: the settings are only in the editor's POST."""
    return _job(_preview_key(tenant, digest), start=None, digest=digest)


def backtest_preview_build(*, tenant: Tenant, key: str, segment: str, settings: dict, today: dt.date) -> Comparison:
    candidate = HealthModel(tenant=tenant, segment=segment, **settings)
    return _build(
        key,
        lambda progress: backtest_compare(
            tenant=tenant, segment=segment, candidate=candidate, today=today, progress=progress
        ),
    )
