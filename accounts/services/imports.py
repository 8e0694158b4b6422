"""Bulk imports of accounts and contacts: upload, column mapping, and the run; the job, its claim and its
sweep serve every import kind (health's records run through a runner health registers, see import_runners.py;
the run itself is import_runs.py).

import_job_create   stores the file and reads its header and first rows; a bad header changes nothing
                    (the run reads, counts and checks every row: a web worker never waits for that)
import_job_new      the store every kind's upload shares (health's record import creates its jobs QUEUED)
import_job_configure saves the mapping (for next time too) and queues the run
import_job_run      claims the job and runs it; a second run does nothing, a redelivery after
                    a lost worker takes the job over once the first run's lease has run out
"""

from datetime import datetime
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.imports.jobs import job_busy_for, job_claim, job_stopped_message, jobs_waiting
from core.imports.reading import ZIP, Table, read_upload
from tenancy.models import Tenant, User
from tenancy.queue import enqueue, enqueue_on_commit, requeue_before

from ..imports.mapping import guess_mapping
from ..models import ACCOUNT_IMPORT_KINDS, ImportJob, ImportMapping, ImportMode, ImportStatus
from ..selectors.imports import import_mapping_saved, import_targets
from .import_runs import import_job_execute


def import_job_create(*, tenant: Tenant, kind: str, uploaded_file: UploadedFile, by: User | None) -> ImportJob:
    """A job for the uploaded file, with the columns guessed; ValidationError says what is wrong with a bad file.

    Reads the header and the first rows only, so the request takes as long for 500,000 rows as for 50:
    the run counts the rows and reports the problems of the rest of the file on the job.
    """
    if kind not in ACCOUNT_IMPORT_KINDS:
        raise ValidationError({"kind": "Choose whether the file holds accounts or contacts."})
    data, table = read_upload(uploaded_file)
    saved = import_mapping_saved(tenant=tenant, kind=kind)
    mapping = guess_mapping(targets=import_targets(tenant=tenant, kind=kind), headers=table.headers, saved=saved)
    return import_job_new(
        tenant=tenant, kind=kind, uploaded_file=uploaded_file, data=data, table=table, by=by, mapping=mapping
    )


def import_job_new(
    *, tenant: Tenant, kind: str, uploaded_file: UploadedFile, data: bytes, table: Table, by: User | None, **fields
) -> ImportJob:
    """Store the upload (its bytes and head already read by read_upload) as a new job of `kind`; `fields`
    set the rest (mapping, mode, status). Every import kind's upload ends here, so files are kept alike."""
    job = ImportJob(
        tenant=tenant,
        kind=kind,
        original_name=PurePath(uploaded_file.name or "upload").name[:255],
        encoding=table.encoding,
        headers=table.headers,
        # Counted by the run, which reads the whole file.
        total_rows=0,
        created_by=by,
        **fields,
    )
    # The stored name is ours: what people call their files does not belong in a path.
    job.file.save(f"{kind}.{'xlsx' if data.startswith(ZIP) else 'csv'}", ContentFile(data), save=False)
    job.save()
    return job


def import_job_enqueue(*, job: ImportJob) -> None:
    """Send the queued job's run once the transaction commits; never raises (the beat's sweep resends it)."""
    from ..tasks import import_job_run_task

    enqueue_on_commit(import_job_run_task, tenant_id=job.tenant_id, import_job_id=job.pk)


def _clean_mapping(job: ImportJob, mapping: dict[str, str]) -> dict[str, str]:
    targets = import_targets(tenant=job.tenant, kind=job.kind)
    labels = {t.key: t.label for t in targets}
    chosen = {key: header for key, header in mapping.items() if header}
    errors = []
    for key, header in chosen.items():
        if key not in labels:
            errors.append(f"There is no field {key!r} to import into.")
        elif header not in job.headers:
            errors.append(f"The file has no column {header!r}.")
    missing = [t.label for t in targets if t.required and t.key not in chosen]
    if missing:
        errors.append(
            f"Choose the column for {', '.join(missing)}: {'it is' if len(missing) == 1 else 'they are'} required."
        )
    fields_by_header: dict[str, list[str]] = {}
    for key, header in chosen.items():
        fields_by_header.setdefault(header, []).append(labels.get(key, key))
    for header, fields in fields_by_header.items():
        if len(fields) > 1:
            errors.append(f"The column {header!r} is chosen for {' and '.join(fields)}; a column fills one field.")
    if errors:
        raise ValidationError(errors)
    return chosen


def import_job_configure(*, job: ImportJob, mapping: dict[str, str], mode: str, by: User | None) -> ImportJob:
    """Save the column mapping, on the job and as the tenant's mapping for next time, and queue the run."""
    if job.status != ImportStatus.UPLOADED:
        raise ValidationError("This import has been started already. Upload the file again to import it once more.")
    if mode not in ImportMode.values:
        raise ValidationError({"mode": "Choose all or nothing, or importing the valid rows."})
    chosen = _clean_mapping(job, mapping)
    with transaction.atomic():
        # Compare-and-set: a double-clicked button queues the import once.
        queued = ImportJob.objects.filter(tenant=job.tenant, pk=job.pk, status=ImportStatus.UPLOADED).update(
            mapping=chosen, mode=mode, status=ImportStatus.QUEUED
        )
        if queued != 1:
            raise ValidationError("This import has been started already.")
        ImportMapping.objects.update_or_create(tenant=job.tenant, kind=job.kind, defaults={"mapping": chosen})
        import_job_enqueue(job=job)
    job.mapping, job.mode, job.status = chosen, mode, ImportStatus.QUEUED
    return job


class ImportJobBusy(Exception):
    """Another run holds the job; try again once its lease has run out."""

    def __init__(self, retry_in: int):
        super().__init__(f"The import is running elsewhere; retry in {retry_in} s.")
        self.retry_in = retry_in


def import_jobs_requeue(*, tenant: Tenant, now: datetime | None = None) -> int:
    """Send again the runs of jobs of every kind queued long ago and never started (their message was lost:
    the broker was down), and of runs whose worker died; the run's claim makes a second message harmless."""
    from ..tasks import import_job_run_task

    now = now or timezone.now()
    jobs = ImportJob.objects.filter(tenant=tenant)
    waiting = jobs_waiting(jobs, now=now, queued_before=requeue_before(now)).values_list("pk", flat=True)
    return sum(enqueue(import_job_run_task, tenant_id=tenant.pk, import_job_id=pk) for pk in waiting)


def import_job_run(*, job_id: int, tenant: Tenant) -> ImportJob | None:
    """Run a queued job, or take over one whose run died; None when it ran already.

    Raises ImportJobBusy while another run may still be working on it.
    """
    now = timezone.now()
    if not job_claim(ImportJob.objects.filter(tenant=tenant, pk=job_id), now=now):
        held = ImportJob.objects.filter(tenant=tenant, pk=job_id).first()
        if held is not None and (retry_in := job_busy_for(held, now)) is not None:
            raise ImportJobBusy(retry_in=retry_in)
        return None
    job = ImportJob.objects.select_related("tenant", "created_by").get(tenant=tenant, pk=job_id)
    try:
        return import_job_execute(job)
    except Exception as error:
        done = ImportJob.objects.filter(tenant=tenant, pk=job_id).values_list("processed_rows", flat=True).first()
        ImportJob.objects.filter(tenant=tenant, pk=job_id).update(
            status=ImportStatus.FAILED,
            message=job_stopped_message(job, error, done=done or 0),
            finished_at=timezone.now(),
        )
        # Celery records the failure with its traceback too.
        raise
