"""One run of a claimed import job: read, check every row, then write in batches and count progress on the job.

Jobs of other kinds (health's records) go to the run their app registered (import_runners.py); such a run uses
import_job_read, and core.imports.jobs' job_save (progress) and job_finish (outcome, errors, rejected rows)
as ours does.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from core.imports.jobs import Checked, batches, job_finish, job_save, rejected_rows_csv
from core.imports.reading import Table, read_table

from ..imports.validation import AccountContext, ContactContext, check_accounts, check_contacts, duplicate_errors
from ..models import ACCOUNT_IMPORT_KINDS, Account, Contact, ImportJob, ImportKind, ImportMode, ImportStatus
from ..selectors.book import assignable_owners
from ..selectors.custom_fields import custom_field_definitions
from ..selectors.tiers import service_tiers
from .import_runners import import_runner
from .import_writes import AccountWriter, ContactWriter

BATCH_SIZE = 2000


def import_job_read(job: ImportJob) -> Table:
    with job.file.open("rb") as stored:
        # The encoding is found again on the whole file: the upload guessed it from the first rows.
        return read_table(stored.read())


def import_job_refuse(job: ImportJob, error: ValidationError) -> ImportJob:
    """End the job REJECTED for a file that cannot be imported at all, saying why. The upload read the
    first rows only: what is wrong further down the file is reported here."""
    return job_finish(
        job,
        ImportStatus.REJECTED,
        errors=[],
        message=f"Nothing imported: {' '.join(error.messages)} Fix the file and upload it again.",
    )


def import_job_execute(job: ImportJob, *, batch_size: int = BATCH_SIZE) -> ImportJob:
    """Run a job already claimed (RUNNING). Row errors end it REJECTED or DONE with rejected rows;
    anything else propagates to the caller, which records the failure."""
    if job.kind not in ACCOUNT_IMPORT_KINDS:
        return import_runner(job.kind)(job)
    try:
        table = import_job_read(job)
    except ValidationError as error:
        return import_job_refuse(job, error)
    job_save(job, total_rows=len(table), processed_rows=0, encoding=table.encoding)
    noun = "accounts" if job.kind == ImportKind.ACCOUNTS else "contacts"
    duplicates = duplicate_errors(table, job.mapping, job.kind)
    if duplicates:
        return job_finish(
            job,
            ImportStatus.REJECTED,
            errors=duplicates,
            processed_rows=len(table),
            message=f"Nothing imported: the file lists {len(duplicates)} {noun} more than once (see the lines "
            "below). Keep one row for each and upload the file again.",
        )
    checked = _check(job, table)
    rejected = len(checked.errors)
    if rejected and job.mode == ImportMode.ALL_OR_NOTHING:
        return job_finish(
            job,
            ImportStatus.REJECTED,
            errors=checked.all_errors(),
            processed_rows=len(table),
            rejected_count=rejected,
            rejected_csv=rejected_rows_csv(table, checked.reasons()),
            message=f"Nothing imported: {rejected} of {len(table)} rows have errors. Fix them and upload the file "
            "again, or import again choosing to import the valid rows.",
        )
    created, updated = _write(job, table, checked, batch_size)
    if created:
        statistics_refresh(Account if job.kind == ImportKind.ACCOUNTS else Contact)
    message = f"Imported {created + updated} {noun}: {created} created, {updated} updated."
    if rejected:
        message += f" {rejected} rows were rejected: download them, fix them and import that file."
    return job_finish(
        job,
        ImportStatus.DONE,
        errors=checked.all_errors(),
        processed_rows=len(table),
        created_count=created,
        updated_count=updated,
        rejected_count=rejected,
        rejected_csv=rejected_rows_csv(table, checked.reasons()) if rejected else None,
        message=message,
    )


def _check(job: ImportJob, table: Table) -> Checked:
    tenant = job.tenant
    if job.kind == ImportKind.CONTACTS:
        accounts = dict(Account.objects.filter(tenant=tenant).values_list("external_id", "pk"))
        return check_contacts(table, job.mapping, ContactContext(accounts=accounts, zone=tenant.zone))
    existing: dict[str, tuple[int, int | None]] = {}
    contract_arr: dict[str, Decimal] = {}
    for external_id, pk, parent_id, arr, arr_from_contracts in Account.objects.filter(tenant=tenant).values_list(
        "external_id", "pk", "parent_id", "arr", "arr_from_contracts"
    ):
        existing[external_id] = (pk, parent_id)
        if arr_from_contracts:
            contract_arr[external_id] = arr
    definitions = custom_field_definitions(tenant=tenant)
    current_custom: dict[str, dict] = {}
    if definitions:
        # Required custom fields are checked against what the account has already.
        ids = [i for i in table.frame[job.mapping["external_id"]].str.strip().tolist() if i in existing]
        for start in range(0, len(ids), BATCH_SIZE):
            current_custom.update(
                Account.objects.filter(tenant=tenant, external_id__in=ids[start : start + BATCH_SIZE]).values_list(
                    "external_id", "custom_fields"
                )
            )
    owners = {email.lower(): pk for email, pk in assignable_owners(tenant=tenant).values_list("email", "pk")}
    context = AccountContext(
        tenant=tenant,
        owners=owners,
        existing=existing,
        definitions=definitions,
        current_custom=current_custom,
        contract_arr=contract_arr,
    )
    return check_accounts(table, job.mapping, context)


def _write(job: ImportJob, table: Table, checked: Checked, batch_size: int) -> tuple[int, int]:
    tenant = job.tenant
    if job.kind == ImportKind.ACCOUNTS:
        known = dict(Account.objects.filter(tenant=tenant).values_list("external_id", "pk"))
        writer: AccountWriter | ContactWriter = AccountWriter(
            tenant=tenant, by=job.created_by, tiers=service_tiers(tenant=tenant), known=known
        )
    else:
        writer = ContactWriter(tenant=tenant)
    created = updated = 0
    for start, end in batches(len(table), batch_size):
        rows = [row for row in checked.values[start:end] if row is not None]
        # One transaction per batch: progress is committed with it, so the page sees it move,
        # and every row was checked before the first batch, so no batch fails on bad data.
        with transaction.atomic():
            batch_created, batch_updated = writer.write(rows) if rows else (0, 0)
            created, updated = created + batch_created, updated + batch_updated
            job_save(job, processed_rows=end, created_count=created, updated_count=updated)
    if isinstance(writer, AccountWriter) and writer.later_parents:
        with transaction.atomic():
            writer.link_later_parents(batch_size)
    return created, updated


def statistics_refresh(model) -> None:
    """PostgreSQL's planner statistics for a table an import has just grown. Until autovacuum gathers them
    (within a minute, or never for a new tenant on a big table), the planner takes a tenant of 10,000 new
    people for one of 2 and reads them all for each tracking batch: ingestion ran at two thirds of its speed
    in that minute (bench/RESULTS.md). ANALYZE samples a bounded number of rows and blocks no writer."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
