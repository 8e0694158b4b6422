"""An import runs as background work: on a real Celery worker when Redis is there."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope

from accounts import services
from accounts.models import Account, ImportJob, ImportStatus
from accounts.services import imports

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


def test_the_worker_counts_the_rows_and_reports_a_broken_line_the_upload_did_not_read(
    worker, finished_tasks, tenant_a, alice, monkeypatch
):
    from core.imports import reading

    # The upload reads 256 bytes of the CSV; the worker, in its own process, reads the whole file.
    monkeypatch.setattr(reading, "HEAD_BYTES", 256)
    lines = ["external_id,name,segment"] + [f"b-{n:03d},Broken File {n},smb" for n in range(40)]
    upload = SimpleUploadedFile("book.csv", ("\n".join(lines) + "\nb-999,Broken,smb,extra\n").encode())
    with scope(tenant=tenant_a):
        job = imports.import_job_create(tenant=tenant_a, kind="accounts", uploaded_file=upload, by=alice)
        assert job.total_rows == 0
        mapping = {"external_id": "external_id", "name": "name", "segment": "segment"}
        imports.import_job_configure(job=job, mapping=mapping, mode="all_or_nothing", by=alice)

    name, state = finished_tasks.get(timeout=120)
    assert (name, state) == ("accounts.tasks.import_job_run_task", "SUCCESS")
    with scope(tenant=tenant_a):
        job = ImportJob.objects.get(pk=job.pk)
        assert job.status == ImportStatus.REJECTED
        assert "Line 42 has 4 cells, but the first row names 3 columns." in job.message
        assert not Account.objects.filter(external_id__startswith="b-").exists()
