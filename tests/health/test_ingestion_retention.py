"""Ingestion errors are kept INGESTION_ERROR_RETENTION_DAYS, then purged per tenant, in batches, by a task
on the beat schedule."""

import datetime as dt
import queue

import pytest
from django.utils import timezone
from django_scopes import scope

from config.celery import app as celery_app
from health.ingestion.services import ingest, ingestion_errors_purge
from health.models import IngestionError
from health.tasks import ingestion_errors_purge_sweep

from .builders import errors

REFUSED = {"type": "track", "userId": "u1"}  # no event name


def _errors_aged(tenant, ages_in_days: list[int]) -> None:
    """One ingestion error per age, made by ingestion itself, then dated back."""
    ingest(tenant=tenant, calls=[{**REFUSED, "messageId": f"m-{age}"} for age in ages_in_days])
    now = timezone.now()
    with scope(tenant=tenant):
        for age in ages_in_days:
            IngestionError.objects.filter(tenant=tenant, message_id=f"m-{age}").update(
                received_at=now - dt.timedelta(days=age)
            )


def _kept(tenant) -> list[str]:
    return sorted(e.message_id for e in errors(tenant))


@pytest.mark.django_db
def test_errors_past_the_retention_go_in_batches_and_only_the_tenants_own(tenant_a, tenant_b, settings):
    settings.INGESTION_ERROR_RETENTION_DAYS = 30
    _errors_aged(tenant_a, [1, 29, 31, 32, 40, 60, 90])
    _errors_aged(tenant_b, [31, 90])
    with scope(tenant=tenant_a):
        first = ingestion_errors_purge(tenant=tenant_a, batch_size=2, batches=2)
        # Four deleted, oldest first; one old error left for the next run.
        assert (first.deleted, first.done) == (4, False)
        assert _kept(tenant_a) == ["m-1", "m-29", "m-31"]
        second = ingestion_errors_purge(tenant=tenant_a, batch_size=2, batches=2)
        assert (second.deleted, second.done) == (1, True)
    assert _kept(tenant_a) == ["m-1", "m-29"]
    assert _kept(tenant_b) == ["m-31", "m-90"]


@pytest.mark.django_db
def test_the_retention_is_a_setting(tenant_a, settings):
    settings.INGESTION_ERROR_RETENTION_DAYS = 7
    _errors_aged(tenant_a, [1, 6, 8])
    with scope(tenant=tenant_a):
        assert ingestion_errors_purge(tenant=tenant_a).deleted == 1
    assert _kept(tenant_a) == ["m-1", "m-6"]


def test_the_purge_is_on_the_beat_schedule():
    [entry] = [e for e in celery_app.conf.beat_schedule.values() if e["task"].endswith("ingestion_errors_purge_sweep")]
    assert entry["task"] == ingestion_errors_purge_sweep.name
    assert ingestion_errors_purge_sweep.name in celery_app.tasks


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_the_sweep_purges_every_tenant_in_its_own_task(worker, finished_tasks, tenant_a, tenant_b):
    _errors_aged(tenant_a, [1, 31, 45])
    _errors_aged(tenant_b, [2, 60])
    assert ingestion_errors_purge_sweep.delay().get(timeout=60) == 2
    done = []
    while len([name for name, state in done if name.endswith("ingestion_errors_purge_task")]) < 2:
        try:
            done.append(finished_tasks.get(timeout=60))
        except queue.Empty:
            pytest.fail(f"The tenants' purge tasks did not finish; finished: {done}")
    assert all(state == "SUCCESS" for _name, state in done)
    assert _kept(tenant_a) == ["m-1"]
    assert _kept(tenant_b) == ["m-2"]
