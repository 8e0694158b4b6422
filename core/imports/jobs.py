"""The import job every file import shares (accounts and contacts, health's records, campaign sends): what it
records, how a worker claims it, how it counts progress batch by batch, and how it ends with its errors and
rejected rows. Each app keeps its own job model (a subclass of ImportJobBase), its task and its rows' rules.

    if not job_claim(Model.objects.filter(tenant=tenant, pk=pk), now=now):
        return None                              # ran already, or another run holds it
    job_save(job, total_rows=len(table))         # progress, committed with each batch
    job_finish(job, Model.Status.DONE, errors=checked.all_errors(), message=...,
               rejected_csv=rejected_rows_csv(table, checked.reasons()))   # the rows to fix, as a file
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone

from ..work import claim_one, lease_ended, lease_left
from .reading import Table
from .safety import safe_cell

# A job keeps the first errors: enough to fix a file, bounded for a file of 500,000 bad rows.
MAX_STORED_ERRORS = 500


def import_upload_path(job: "ImportJobBase", filename: str) -> str:
    # Files carry their tenant in the path, like every other tenant-owned thing.
    return f"imports/tenant-{job.tenant_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class ImportJobBase(models.Model):
    """What every import job records. A subclass is also TenantOwned, and names its statuses: `queued_status`
    (waiting for a worker), `running_status`, `finished_statuses` and, of those, `complete_statuses`."""

    queued_status: ClassVar[str]
    running_status: ClassVar[str]
    finished_statuses: ClassVar[tuple[str, ...]]
    # Finished through every row (imported, or refused as a whole): the bar is full, whatever was counted.
    complete_statuses: ClassVar[tuple[str, ...]]
    status: Any
    # From TenantOwned, which every concrete job also is.
    tenant_id: int

    file = models.FileField(upload_to=import_upload_path)
    original_name = models.CharField(max_length=255)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="The first errors: line, column, value, reason.")
    message = models.CharField(max_length=500, blank=True)
    rejected_file = models.FileField(upload_to=import_upload_path, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def progress_pct(self) -> int:
        if self.status in self.complete_statuses:
            return 100
        if not self.total_rows:
            return 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.status in self.finished_statuses


@dataclass(frozen=True)
class RowError:
    """Why a row was rejected: its line in the file (header = 1), the column, the value and the reason."""

    line: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "value": self.value[:200], "reason": self.reason}


@dataclass
class Checked:
    """Per row, in file order: its cleaned values, or None once rejected; and the errors of each rejected row."""

    values: list[dict | None]
    errors: dict[int, list[RowError]] = field(default_factory=dict)

    def reject(self, index: int, error: RowError) -> None:
        self.values[index] = None
        self.errors.setdefault(index, []).append(error)

    @property
    def valid_count(self) -> int:
        return sum(1 for row in self.values if row is not None)

    def all_errors(self) -> list[RowError]:
        return [error for index in sorted(self.errors) for error in self.errors[index]]

    def reasons(self) -> dict[int, str]:
        """Each rejected row's reasons in one cell, for rejected_rows_csv."""
        return {index: "; ".join(f"{e.column}: {e.reason}" for e in errors) for index, errors in self.errors.items()}


def job_claim(rows: QuerySet, *, now: dt.datetime | None = None, takeover: bool = False) -> bool:
    """Claim the queued job `rows` names for this run (compare-and-set: a second message of the same task
    finds it claimed). A running job whose run started longer ago than the task lease has no live worker and
    is taken over; `takeover` takes a running one at once (a message redelivered because its worker died)."""
    model = rows.model
    now = now or timezone.now()
    abandoned = Q(status=model.running_status) & (Q() if takeover else lease_ended("started_at", now))
    return claim_one(
        rows.filter(Q(status=model.queued_status) | abandoned),
        status=model.running_status,
        started_at=now,
        processed_rows=0,
    )


def job_busy_for(job: ImportJobBase, now: dt.datetime) -> int | None:
    """Seconds until a running job's run may be taken over (at least 1); None when it is not running."""
    if job.status != job.running_status or job.started_at is None:
        return None
    return max(int(lease_left(job.started_at, now).total_seconds()) + 1, 1)


def jobs_waiting(jobs: QuerySet, *, now: dt.datetime, queued_before: dt.datetime) -> QuerySet:
    """The jobs whose run to send again: queued before `queued_before` and never started (their message was
    lost: the broker was down), or running past the lease (their worker died)."""
    model = jobs.model
    return jobs.filter(
        Q(status=model.queued_status, created_at__lt=queued_before)
        | (Q(status=model.running_status) & lease_ended("started_at", now))
    )


def job_save(job: ImportJobBase, **fields: Any) -> None:
    """Write `fields` (progress, counts) to the job at once, without touching the rest of the row."""
    for name, value in fields.items():
        setattr(job, name, value)
    jobs: QuerySet[Any] = type(job)._default_manager.all()
    jobs.filter(tenant_id=job.tenant_id, pk=job.pk).update(**fields)


Job = TypeVar("Job", bound=ImportJobBase)


def job_finish(
    job: Job,
    status: str,
    *,
    errors: Sequence[RowError | Mapping] = (),
    message: str,
    rejected_csv: bytes | None = None,
    **counts: Any,
) -> Job:
    """End the job with its outcome: the first errors kept, the message (cut at 500 characters: say the
    reassurance first), the rejected rows as a file to fix and import again."""
    if rejected_csv is not None:
        job.rejected_file.save(f"rejected-{job.pk}.csv", ContentFile(rejected_csv), save=False)
    job.status = status
    job.errors = [e if isinstance(e, Mapping) else e.as_dict() for e in errors[:MAX_STORED_ERRORS]]
    job.message = message[:500]
    job.finished_at = timezone.now()
    for name, value in counts.items():
        setattr(job, name, value)
    job.save()
    return job


def job_stopped_message(job: ImportJobBase, error: BaseException, *, done: int | None = None) -> str:
    """What a run that crashed half-way tells: the reassurance first (the message is cut at 500 characters)."""
    done = job.processed_rows if done is None else done
    return (
        f"The import stopped after {done} of {job.total_rows} rows. Rows written until then stay; importing "
        f"the file again is safe, as rows are matched by external id. The cause: {error}"
    )[:500]


def batches(count: int, size: int) -> Iterable[tuple[int, int]]:
    """(start, end) of each batch of `size` rows out of `count`: one transaction each, committed with its
    progress (job_save), so the page sees the bar move and a crash keeps what was written."""
    for start in range(0, count, size):
        yield start, min(start + size, count)


def rejected_rows_csv(table: Table, reasons: Mapping[int, str]) -> bytes:
    """The rejected rows (by index in the table) with their original columns and an error column, safe to
    open in a spreadsheet: the file to fix and import again."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in [*table.headers, "error"]])
    indexes = sorted(reasons)
    rows = table.frame.iloc[indexes].itertuples(index=False, name=None)
    for index, cells in zip(indexes, rows, strict=True):
        writer.writerow([safe_cell(cell) for cell in (*cells, reasons[index])])
    # With a BOM, Excel opens the file as UTF-8 and shows umlauts and accents right.
    return out.getvalue().encode("utf-8-sig")
