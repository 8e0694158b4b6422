"""The record import as background work: the upload stores the file as a job, a worker checks and writes it.

The job is the account import's (accounts.models.ImportJob, one job framework for every import):
its task (accounts.tasks.import_job_run_task) claims it with the lease every claim shares, the beat's
sweep (imports_requeue_all) sends again a job queued while the broker was down or whose worker died,
and the run of a record kind is ours, registered in HealthConfig.ready() through
accounts.services.import_runners, since accounts may never import health.

record_import_create  reads the bounded head of the upload (core.imports.reading.read_upload) and
                      refuses a bad file or header at once; stores the file, queues the job
record_import_run     the worker's part: reads the whole file, checks every row, writes in the job's
                      mode, and records counts, errors, the rejected rows and progress on the job
"""

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet

from accounts.models import ImportJob, ImportMode, ImportStatus
from accounts.selectors.imports import import_job_get, import_job_list
from accounts.services.import_runs import import_job_read, import_job_refuse
from accounts.services.imports import import_job_enqueue, import_job_new
from core.imports.jobs import Checked, RowError, job_finish, job_save, rejected_rows_csv
from core.imports.reading import read_upload
from tenancy.models import Tenant, User

from ..models.record_kinds import KINDS
from . import records
from .record_import_checks import RowChecker, find_columns

# The run holds every row in memory and writes them in one transaction (all or nothing needs both), and
# must end well within the task's time limit (CELERY_TASK_SOFT_TIME_LIMIT, 5 minutes): 100,000 tickets
# took 13 s on PostgreSQL on a shared 2-core machine, so a slower one has room. A bigger export is split
# and imported file after file.
MAX_ROWS = 100_000
# How often the run counts its progress on the job: often enough for the page, rarely enough to cost nothing.
PROGRESS_EVERY = 1000


def record_import_list(*, tenant: Tenant) -> QuerySet[ImportJob]:
    return import_job_list(tenant=tenant, kinds=KINDS)


def record_import_get(*, tenant: Tenant, record_import_id: int) -> ImportJob:
    return import_job_get(tenant=tenant, import_job_id=record_import_id, kinds=KINDS)


def ignored_columns(job: ImportJob) -> list[str]:
    """The file's columns that no column of the kind takes (the job's mapping: column name -> header)."""
    taken = set(job.mapping.values())
    return [header for header in job.headers if header not in taken]


def record_import_create(
    *, tenant: Tenant, kind: str, mode: str, uploaded_file: UploadedFile, by: User | None
) -> ImportJob:
    """A queued import of the file; ValidationError says what is wrong with a file or header that cannot
    be imported. Reads the header and the first rows only: the request takes as long for 100,000 rows as
    for 10, and the run reports what is wrong further down the file."""
    if kind not in KINDS:
        raise ValidationError({"kind": "Choose what the file holds: tickets, invoices, changes, meetings or NPS."})
    if mode not in ImportMode.values:
        raise ValidationError({"mode": "Choose all or nothing, or importing the valid rows."})
    data, head = read_upload(uploaded_file)
    found, _ignored = find_columns(head, KINDS[kind])
    with transaction.atomic():
        job = import_job_new(
            tenant=tenant,
            kind=kind,
            uploaded_file=uploaded_file,
            data=data,
            table=head,
            by=by,
            mapping=found,
            mode=mode,
            status=ImportStatus.QUEUED,
        )
        import_job_enqueue(job=job)
    return job


def record_import_run(job: ImportJob) -> ImportJob:
    """Run a claimed (RUNNING) job of a record kind; row errors end it REJECTED or DONE with rejected rows."""
    kind, tenant = KINDS[job.kind], job.tenant
    try:
        table = import_job_read(job)
        if len(table) > MAX_ROWS:
            raise ValidationError(
                f"The file has {len(table):,} rows; an import of signals takes up to {MAX_ROWS:,}. "
                "Split it into smaller files and import them one after the other."
            )
        found, _ignored = find_columns(table, kind)
    except ValidationError as error:
        return import_job_refuse(job, error)
    job_save(job, total_rows=len(table), processed_rows=0, encoding=table.encoding, mapping=found)
    checker = RowChecker(tenant=tenant, kind=kind, table=table, found=found)
    checked = Checked(values=[None] * len(table))
    for index in range(len(table)):
        row, row_errors = checker.check(index)
        checked.values[index] = row
        for row_error in row_errors:
            checked.reject(index, row_error)

    def count_progress(index: int) -> None:
        # Counted while the service checks the records: most of the run (parsing the cells took a fifth of it).
        if index and index % PROGRESS_EVERY == 0:
            job_save(job, processed_rows=index)

    try:
        result = records.record_bulk_upsert(
            tenant=tenant,
            kind=kind,
            rows=checked.values,
            mode=job.mode,
            describe=lambda i: f"line {table.lines[i]}",
            on_checked=count_progress,
        )
    except ValidationError as error:
        # Another import or the API wrote some of these external ids meanwhile; nothing was written.
        return import_job_refuse(job, error)
    for index, problems in result.errors.items():
        for name, messages in problems.items():
            column = checker.column_of(name)
            checked.reject(index, RowError(table.lines[index], column, checker.cell(column, index), " ".join(messages)))
    created, updated = result.count(records.CREATED), result.count(records.UPDATED)
    rejected = len(checked.errors)
    if rejected and job.mode != ImportMode.VALID_ROWS:
        status = ImportStatus.REJECTED
        message = (
            f"Nothing imported: {rejected} of {len(table)} rows have errors. Fix them and upload the file again, "
            "or import it choosing to import the valid rows."
        )
    else:
        status = ImportStatus.DONE
        message = f"Imported {created + updated} {kind.plural.lower()}: {created} created, {updated} updated."
        if rejected:
            message += f" {rejected} rows were rejected: download them, fix them and import that file."
    return job_finish(
        job,
        status,
        errors=checked.all_errors(),
        message=message,
        rejected_csv=rejected_rows_csv(table, checked.reasons()) if rejected else None,
        processed_rows=len(table),
        created_count=created,
        updated_count=updated,
        rejected_count=rejected,
    )
