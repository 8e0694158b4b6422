"""Campaign imports: marketing and support sends planned in other tools, imported from a CSV so they show
on the master calendar and count against the frequency caps.

calendar_import_create  stores the file and checks its header row; a bad header changes nothing (the
                        request reads the first rows only, whatever the file's length)
calendar_import_run     claims the import, reads the whole file and processes it in batches: a file that
                        cannot be read ends the import with why; bad rows are reported (line,
                        column, value, why) and skipped, good ones kept, and the skipped rows are offered
                        as a file to fix and import again; a row whose external id was imported before
                        updates that entry, never duplicates it

The job, its claim, progress and outcome are the import kit's (core.imports.jobs), as for every file import.
"""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from core.imports.jobs import (
    MAX_STORED_ERRORS,
    RowError,
    batches,
    job_claim,
    job_finish,
    job_save,
    job_stopped_message,
    jobs_waiting,
    rejected_rows_csv,
)
from core.imports.reading import check_size, read_head, read_table
from core.text import plural
from tenancy.models import Team, Tenant, User
from tenancy.queue import enqueue, enqueue_on_commit, requeue_before

from ..models import CalendarEntry, CalendarImport, EntrySource, EntryStatus
from .entries import entry_create, entry_update
from .import_rows import Lookups, RowProblem, cell, column_mapping, lookups_for, row_fields

BATCH_SIZE = 200


def calendar_import_create(
    *, tenant: Tenant, uploaded_file: UploadedFile, team: str, by: User | None
) -> CalendarImport:
    """An import of the uploaded CSV, queued; ValidationError says what is wrong with a bad header.

    The rows are read, counted and checked by the run: an upload answers as fast for 500,000 rows as for 50.
    """
    from ..tasks import calendar_import_run_task

    if team not in Team.values:
        raise ValidationError({"team": "Choose the team whose sends the file holds."})
    if uploaded_file.size is not None:
        check_size(uploaded_file.size)
    data = uploaded_file.read()
    check_size(len(data))
    table = read_head(data)
    column_mapping(table.headers)
    calendar_import = CalendarImport(
        tenant=tenant,
        original_name=PurePath(uploaded_file.name or "upload.csv").name[:255],
        team=team,
        created_by=by,
    )
    # The stored name is ours: what people call their files does not belong in a path.
    calendar_import.file.save("campaigns.csv", ContentFile(data), save=False)
    calendar_import.save()
    enqueue_on_commit(calendar_import_run_task, tenant_id=tenant.pk, import_id=calendar_import.pk)
    return calendar_import


def calendar_imports_requeue(*, tenant: Tenant, now: dt.datetime | None = None) -> int:
    """Send again the runs of imports uploaded long ago and never started (their message was lost: the
    broker was down), and of runs whose worker died; the run's claim makes a second message harmless."""
    from ..tasks import calendar_import_run_task

    now = now or timezone.now()
    imports = CalendarImport.objects.filter(tenant=tenant)
    waiting = jobs_waiting(imports, now=now, queued_before=requeue_before(now)).values_list("pk", flat=True)
    return sum(enqueue(calendar_import_run_task, tenant_id=tenant.pk, import_id=pk) for pk in waiting)


@dataclass
class _Run:
    created: int = 0
    updated: int = 0
    rejected: int = 0
    held: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Row index -> why it was skipped, for the file of skipped rows.
    reasons: dict[int, str] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)

    def reject(self, index: int, line: int, problem: RowProblem) -> None:
        self.rejected += 1
        self.reasons[index] = f"{problem.column}: {problem.reason}" if problem.column else problem.reason
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(RowError(line, problem.column, str(problem.value), problem.reason))


def _write_row(fields: dict, ref: str, lookups: Lookups, calendar_import: CalendarImport) -> tuple[CalendarEntry, bool]:
    existing = lookups.existing.get(ref)
    if existing is None:
        entry = entry_create(
            tenant=calendar_import.tenant,
            by=None,
            source=EntrySource.CAMPAIGN_IMPORT,
            external_ref=ref,
            calendar_import=calendar_import,
            **fields,
        )
        lookups.existing[ref] = entry
        return entry, True
    if existing.source != EntrySource.CAMPAIGN_IMPORT:
        raise RowProblem(
            "external id", ref, "A calendar entry planned here has this id already; give the send its own."
        )
    if existing.account_id != fields["account"].pk:
        raise RowProblem(
            "account", str(fields["account"]), f"This send was imported for {existing.account} before; it cannot move."
        )
    if existing.status in (EntryStatus.SENDING, EntryStatus.SENT, EntryStatus.CANCELLED):
        raise RowProblem(
            "external id", ref, f"This send is {existing.get_status_display().lower()} already; it was not changed."
        )
    fields = {k: v for k, v in fields.items() if k != "account"}
    return entry_update(entry=existing, by=None, **fields), False


def _process_batch(
    calendar_import: CalendarImport, rows: list[tuple[int, int, dict]], mapping: dict, run: _Run
) -> None:
    lookups = lookups_for(calendar_import.tenant, [r for _, _, r in rows], mapping)
    for index, line, row in rows:
        ref = cell(row, mapping, "external_ref")
        try:
            if not ref:
                raise RowProblem("external id", "", "Every send needs the id its tool gave it.")
            if len(ref) > 120:
                raise RowProblem("external id", ref[:40] + "…", "External ids are 120 characters at most.")
            if ref in run.seen:
                raise RowProblem("external id", ref, f"Line {run.seen[ref]} has the same external id.")
            run.seen[ref] = line
            fields = row_fields(row, mapping, lookups, calendar_import)
            # A savepoint per row: a row the rules refuse leaves the rest of the batch standing.
            with transaction.atomic():
                entry, created = _write_row(fields, ref, lookups, calendar_import)
        except RowProblem as problem:
            run.reject(index, line, problem)
            continue
        except ValidationError as error:
            run.reject(index, line, RowProblem("", "", " ".join(error.messages)))
            continue
        if created:
            run.created += 1
        else:
            run.updated += 1
        if entry.status in (EntryStatus.DEFERRED, EntryStatus.PENDING_APPROVAL):
            run.held += 1


def _message(run: _Run) -> str:
    done = run.created + run.updated
    message = f"Imported {plural(done, 'send')}: {run.created} created, {run.updated} updated."
    if run.held:
        message += f" {run.held} of them wait: deferred by a frequency cap or pending a bulk approval."
    if run.rejected:
        message += f" {run.rejected} row{'s were' if run.rejected != 1 else ' was'} skipped: see why below."
    return message


def calendar_import_run(
    *, tenant: Tenant, import_id: int, takeover: bool = False, batch_size: int = BATCH_SIZE
) -> CalendarImport | None:
    """Process an uploaded import; None when another run has it or it ran already. `takeover`: a redelivered
    task whose worker died mid-run goes again (rows are matched by external id, so that is safe); without it
    a run is taken over once its lease has run out."""
    # Claim first: a second delivery of the task must not process the file twice at once.
    if not job_claim(CalendarImport.objects.filter(tenant=tenant, pk=import_id), takeover=takeover):
        return None
    calendar_import = CalendarImport.objects.select_related("tenant").get(tenant=tenant, pk=import_id)
    run = _Run()
    try:
        with calendar_import.file.open("rb") as stored:
            table = read_table(stored.read())
        mapping = column_mapping(table.headers)
    except ValidationError as error:
        # The upload read the first rows only; a problem further down the file ends the import here,
        # with the words the upload would have used. Another try reads the same file: no retry.
        message = f"Nothing imported: {' '.join(error.messages)} Fix the file and upload it again."
        return job_finish(calendar_import, CalendarImport.Status.FAILED, message=message)
    try:
        records = table.frame.to_dict("records")
        job_save(calendar_import, total_rows=len(records))
        for start, end in batches(len(records), batch_size):
            batch = [(index, table.lines[index], records[index]) for index in range(start, end)]
            # One transaction per batch, committed with its progress, so the page sees it move.
            with transaction.atomic():
                _process_batch(calendar_import, batch, mapping, run)
                job_save(
                    calendar_import,
                    processed_rows=end,
                    created_count=run.created,
                    updated_count=run.updated,
                    rejected_count=run.rejected,
                    errors=[e.as_dict() for e in run.errors],
                )
    except Exception as error:
        job_save(
            calendar_import,
            status=CalendarImport.Status.FAILED,
            message=job_stopped_message(calendar_import, error),
            finished_at=timezone.now(),
        )
        raise
    return job_finish(
        calendar_import,
        CalendarImport.Status.DONE,
        errors=run.errors,
        message=_message(run),
        rejected_csv=rejected_rows_csv(table, run.reasons) if run.reasons else None,
    )
