"""An import runs as background work: on a real Celery worker when Redis is there."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope

from accounts import services
from accounts.imports import services as imports
from accounts.models import Account, ImportJob, ImportStatus

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROWS = 1_500  # more than one write batch, so progress moves in steps


def test_import_runs_on_the_worker_with_progress(worker, finished_tasks, tenant_a, alice):
    lines = ["external_id,name,segment,acv,arr"] + [
        f"w-{n:05d},Worker Account {n},smb,{5_000 + n},{5_000 + n}" for n in range(ROWS)
    ]
    upload = SimpleUploadedFile("book.csv", "\n".join(lines).encode(), content_type="text/csv")
    with scope(tenant=tenant_a):
        services.tiers_create_defaults(tenant=tenant_a)
        job = imports.import_job_create(tenant=tenant_a, kind="accounts", uploaded_file=upload, by=alice)
        mapping = {"external_id": "external_id", "name": "name", "segment": "segment", "acv": "acv", "arr": "arr"}
        imports.import_job_configure(job=job, mapping=mapping, mode="all_or_nothing", by=alice)

    name, state = finished_tasks.get(timeout=120)
    assert (name, state) == ("accounts.tasks.import_job_run_task", "SUCCESS")
    with scope(tenant=tenant_a):
        job = ImportJob.objects.get(pk=job.pk)
        assert job.status == ImportStatus.DONE, job.message
        assert (job.created_count, job.rejected_count, job.processed_rows, job.progress_pct) == (ROWS, 0, ROWS, 100)
        assert Account.objects.filter(external_id__startswith="w-").count() == ROWS
        assert not Account.objects.filter(external_id__startswith="w-", service_tier__isnull=True).exists()
