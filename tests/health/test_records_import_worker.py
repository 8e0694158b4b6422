"""A record import runs as background work: on a real Celery worker when Redis is there, in-process otherwise."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope

from accounts.models import ImportJob, ImportStatus
from health.services import record_imports as import_jobs
from health.services.record_imports import PROGRESS_EVERY

from .builders import book_account, count

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROWS = 2 * PROGRESS_EVERY + 500  # progress is counted more than once on the way


def test_a_record_import_runs_on_the_worker_through_accounts_task(worker, finished_tasks, tenant_a, alice):
    book_account(tenant_a, 1)
    lines = ["account_external_id,external_id,score,responded_on"]
    lines += [f"ext-1,w-{n:05d},{n % 11},2025-03-01" for n in range(ROWS)]
    lines.append("ext-9,w-unknown,7,2025-03-01")
    upload = SimpleUploadedFile("nps.csv", "\n".join(lines).encode(), content_type="text/csv")
    with scope(tenant=tenant_a):
        job = import_jobs.record_import_create(
            tenant=tenant_a, kind="nps", mode="valid_rows", uploaded_file=upload, by=alice
        )

    name, state = finished_tasks.get(timeout=120)
    # The one import task of accounts ran health's run, which accounts never imports.
    assert (name, state) == ("accounts.tasks.import_job_run_task", "SUCCESS")
    with scope(tenant=tenant_a):
        job = ImportJob.objects.get(pk=job.pk)
    assert job.status == ImportStatus.DONE, job.message
    assert (job.total_rows, job.processed_rows, job.progress_pct) == (ROWS + 1, ROWS + 1, 100)
    assert (job.created_count, job.rejected_count) == (ROWS, 1)
    assert job.errors == [
        {
            "line": ROWS + 2,
            "column": "account_external_id",
            "value": "ext-9",
            "reason": "No account has the external id ext-9; import the accounts first.",
        }
    ]
    assert count(tenant_a, "nps") == ROWS
