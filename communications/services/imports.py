"""Campaign imports: marketing and support sends planned in other tools, imported from a CSV so they show
on the master calendar and count against the frequency caps.

calendar_import_create  reads the file and checks its columns; a bad file changes nothing
calendar_import_run     claims the import and processes it in batches: bad rows are reported (line,
                        column, value, why) and skipped, good ones kept; a row whose external id was
                        imported before updates that entry, never duplicates it
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.imports.reading import check_size, read_table
from accounts.models import Account, Contact, ContactRole
from accounts.parsing import parse_choice, parse_moment
from tenancy.models import Team, Tenant, User

from ..models import CalendarEntry, CalendarImport, Channel, EntrySource, EntryStatus, MessageType
from .entries import entry_create, entry_update

BATCH_SIZE = 200
MAX_STORED_ERRORS = 500


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    names: tuple[str, ...]
    required: bool = False
    help_text: str = ""


# The columns a file may have, by the names people give them (compared without case, spaces or dashes).
COLUMNS = (
    Column(
        "account",
        "Account",
        ("account", "account id", "account external id", "account name", "company"),
        True,
        "The account's external id, or its name.",
    ),
    Column(
        "contacts",
        "Contact emails",
        ("contact emails", "contact email", "contacts", "emails", "recipients"),
        help_text="Email addresses of the account's contacts, separated by ;. Or leave it empty and give a role.",
    ),
    Column(
        "audience_role",
        "Audience role",
        ("audience role", "audience", "role"),
        help_text="Every active contact with this role, e.g. Champion or Power user.",
    ),
    Column(
        "message_type",
        "Type",
        ("type", "message type"),
        True,
        "Transactional, Educational, Relationship, Promotional or Operational.",
    ),
    Column("channel", "Channel", ("channel",), help_text="Email (the default), In-app, Webinar, SMS, Community…"),
    Column("team", "Team", ("team",), help_text="Marketing, Support, Product…; empty: the team chosen for the file."),
    Column(
        "scheduled_at",
        "Scheduled at",
        ("scheduled at", "scheduled", "send at", "date"),
        True,
        "ISO 8601, e.g. 2025-03-04T10:00; without an offset it is in the tenant's time zone.",
    ),
    Column("subject", "Subject", ("subject", "title"), True),
    Column(
        "external_ref",
        "External id",
        ("external id", "campaign id", "id", "external ref"),
        True,
        "The id the sending tool gives the send; importing it again updates the entry.",
    ),
    Column("body", "Body", ("body", "content", "text")),
)
SAMPLE_ROWS = [
    ["account", "contact emails", "audience role", "type", "channel", "team", "scheduled at", "subject", "external id"],
    [
        "ext-1001",
        "jane.roe@acme.example;sam.lee@acme.example",
        "",
        "Educational",
        "Email",
        "Marketing",
        "2025-03-04T10:00",
        "Five reports your team will use every week",
        "hubspot-4711",
    ],
    [
        "Globex",
        "",
        "Power user",
        "Operational",
        "Email",
        "Product",
        "2025-03-06T09:30",
        "New in March: scheduled exports",
        "hubspot-4712",
    ],
    [
        "ext-1003",
        "",
        "Champion",
        "Promotional",
        "Webinar",
        "Marketing",
        "2025-03-12 16:00+01:00",
        "Webinar: the analytics add-on in 30 minutes",
        "zendesk-88",
    ],
]


def _norm(text: str) -> str:
    return "".join(ch for ch in str(text).casefold() if ch.isalnum())


def column_mapping(headers: list[str]) -> dict[str, str]:
    """Which header of the file fills which column; ValidationError naming what is missing."""
    by_name = {_norm(h): h for h in headers}
    mapping = {}
    for column in COLUMNS:
        for name in column.names:
            if _norm(name) in by_name:
                mapping[column.key] = by_name[_norm(name)]
                break
    missing = [c.label for c in COLUMNS if c.required and c.key not in mapping]
    if missing:
        raise ValidationError(
            f"The file has no column for {', '.join(missing)}. The first row must name the columns: "
            f"{', '.join(c.label.lower() for c in COLUMNS)} (see the sample CSV)."
        )
    if "contacts" not in mapping and "audience_role" not in mapping:
        raise ValidationError("The file needs a contact emails column or an audience role column: who gets each send?")
    return mapping


def sample_csv() -> str:
    out = io.StringIO()
    csv.writer(out).writerows(SAMPLE_ROWS)
    return out.getvalue()


def calendar_import_list(*, tenant: Tenant):
    return CalendarImport.objects.filter(tenant=tenant).select_related("created_by").order_by("-created_at", "-id")


def calendar_import_get(*, tenant: Tenant, import_id: int) -> CalendarImport:
    return calendar_import_list(tenant=tenant).get(pk=import_id)


def calendar_import_create(
    *, tenant: Tenant, uploaded_file: UploadedFile, team: str, by: User | None
) -> CalendarImport:
    """An import of the uploaded CSV, queued; ValidationError says what is wrong with a bad file."""
    from ..notify_tasks import calendar_import_run_task

    if team not in Team.values:
        raise ValidationError({"team": "Choose the team whose sends the file holds."})
    if uploaded_file.size is not None:
        check_size(uploaded_file.size)
    data = uploaded_file.read()
    check_size(len(data))
    table = read_table(data)
    column_mapping(table.headers)
    calendar_import = CalendarImport(
        tenant=tenant,
        original_name=PurePath(uploaded_file.name or "upload.csv").name[:255],
        team=team,
        total_rows=len(table),
        created_by=by,
    )
    # The stored name is ours: what people call their files does not belong in a path.
    calendar_import.file.save("campaigns.csv", ContentFile(data), save=False)
    calendar_import.save()
    calendar_import_run_task.delay_on_commit(tenant_id=tenant.pk, import_id=calendar_import.pk)
    return calendar_import


@dataclass
class RowProblem(Exception):
    column: str
    value: str
    reason: str


@dataclass
class _Lookups:
    """What checking a batch needs from the database, read once per batch."""

    accounts_by_ref: dict[str, Account]
    accounts_by_name: dict[str, list[Account]]
    contacts: dict[tuple[int, str], Contact]
    existing: dict[str, CalendarEntry]


@dataclass
class _Run:
    created: int = 0
    updated: int = 0
    rejected: int = 0
    held: int = 0
    errors: list[dict] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)

    def reject(self, line: int, problem: RowProblem) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append(
                {"line": line, "column": problem.column, "value": str(problem.value)[:200], "reason": problem.reason}
            )


def _cell(row: dict, mapping: dict, key: str) -> str:
    header = mapping.get(key)
    return str(row.get(header, "")).strip() if header else ""


def _lookups(tenant: Tenant, rows: list[dict], mapping: dict) -> _Lookups:
    refs = {_cell(r, mapping, "account") for r in rows} - {""}
    accounts = list(
        Account.objects.filter(tenant=tenant).filter(Q(external_id__in=refs) | Q(name__in=refs)).select_related("owner")
    )
    by_name: dict[str, list[Account]] = {}
    for account in accounts:
        by_name.setdefault(account.name.casefold(), []).append(account)
    emails = {e.strip().lower() for r in rows for e in _cell(r, mapping, "contacts").split(";")} - {""}
    contacts = {
        (c.account_id, c.email.lower()): c
        for c in Contact.objects.filter(tenant=tenant, account__in=accounts, email__in=emails)
    }
    # Stored emails may differ in case from the file; a second, case-insensitive pass finds those.
    if emails and len(contacts) < len(emails):
        q = Q()
        for email in emails:
            q |= Q(email__iexact=email)
        for c in Contact.objects.filter(q, tenant=tenant, account__in=accounts):
            contacts.setdefault((c.account_id, c.email.lower()), c)
    external = {_cell(r, mapping, "external_ref") for r in rows} - {""}
    existing = {e.external_ref: e for e in CalendarEntry.objects.filter(tenant=tenant, external_ref__in=external)}
    return _Lookups(
        accounts_by_ref={a.external_id: a for a in accounts},
        accounts_by_name=by_name,
        contacts=contacts,
        existing=existing,
    )


def _account(value: str, lookups: _Lookups) -> Account:
    if not value:
        raise RowProblem("account", value, "Give the account's external id or name.")
    if value in lookups.accounts_by_ref:
        return lookups.accounts_by_ref[value]
    named = lookups.accounts_by_name.get(value.casefold(), [])
    if len(named) > 1:
        raise RowProblem("account", value, f"{len(named)} accounts are called {value!r}: use the external id.")
    if not named:
        raise RowProblem("account", value, "No account has this external id or name.")
    return named[0]


def _choice(column: str, value: str, choices, default: str | None = None) -> str:
    if not value:
        if default is not None:
            return default
        raise RowProblem(column, value, "This column needs a value.")
    try:
        return parse_choice(value, choices)
    except ValidationError as error:
        raise RowProblem(column, value, " ".join(error.messages)) from error


def _row_fields(row: dict, mapping: dict, lookups: _Lookups, calendar_import: CalendarImport) -> dict:
    """The entry fields of one row, or RowProblem with the first thing wrong with it."""
    tenant = calendar_import.tenant
    account = _account(_cell(row, mapping, "account"), lookups)
    contacts = []
    for email in (e.strip() for e in _cell(row, mapping, "contacts").split(";")):
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError as error:
            raise RowProblem("contact emails", email, "This is not an email address.") from error
        contact = lookups.contacts.get((account.pk, email.lower()))
        if contact is None:
            raise RowProblem("contact emails", email, f"{account} has no contact with this email address.")
        contacts.append(contact)
    role_text = _cell(row, mapping, "audience_role")
    role = _choice("audience role", role_text, ContactRole.choices, default="")
    if not contacts and not role:
        raise RowProblem("contact emails", "", "Give the contacts' emails or an audience role: who gets this send?")
    scheduled_text = _cell(row, mapping, "scheduled_at")
    if not scheduled_text:
        raise RowProblem("scheduled at", "", "Give the date and time of the send, e.g. 2025-03-04T10:00.")
    try:
        scheduled_at = parse_moment(scheduled_text, tenant.zone)
    except ValidationError as error:
        raise RowProblem(
            "scheduled at", scheduled_text, "Not a date and time; use ISO 8601, e.g. 2025-03-04T10:00."
        ) from error
    subject = _cell(row, mapping, "subject")
    if not subject:
        raise RowProblem("subject", "", "Every send needs a subject.")
    if len(subject) > 200:
        raise RowProblem("subject", subject[:40] + "…", f"The subject has {len(subject)} characters; 200 at most.")
    return {
        "account": account,
        "contacts": contacts,
        "audience_role": role if not contacts else "",
        "message_type": _choice("type", _cell(row, mapping, "message_type"), MessageType.choices),
        "channel": _choice("channel", _cell(row, mapping, "channel"), Channel.choices, default=Channel.EMAIL),
        "team": _choice("team", _cell(row, mapping, "team"), Team.choices, default=calendar_import.team),
        "scheduled_at": scheduled_at,
        "subject": subject,
        "body": _cell(row, mapping, "body"),
    }


def _write_row(
    fields: dict, ref: str, lookups: _Lookups, calendar_import: CalendarImport
) -> tuple[CalendarEntry, bool]:
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


def _process_batch(calendar_import: CalendarImport, rows: list[tuple[int, dict]], mapping: dict, run: _Run) -> None:
    lookups = _lookups(calendar_import.tenant, [r for _, r in rows], mapping)
    for line, row in rows:
        ref = _cell(row, mapping, "external_ref")
        try:
            if not ref:
                raise RowProblem("external id", "", "Every send needs the id its tool gave it.")
            if len(ref) > 120:
                raise RowProblem("external id", ref[:40] + "…", "External ids are 120 characters at most.")
            if ref in run.seen:
                raise RowProblem("external id", ref, f"Line {run.seen[ref]} has the same external id.")
            run.seen[ref] = line
            fields = _row_fields(row, mapping, lookups, calendar_import)
            # A savepoint per row: a row the rules refuse leaves the rest of the batch standing.
            with transaction.atomic():
                entry, created = _write_row(fields, ref, lookups, calendar_import)
        except RowProblem as problem:
            run.reject(line, problem)
            continue
        except ValidationError as error:
            run.reject(line, RowProblem("", "", " ".join(error.messages)))
            continue
        if created:
            run.created += 1
        else:
            run.updated += 1
        if entry.status in (EntryStatus.DEFERRED, EntryStatus.PENDING_APPROVAL):
            run.held += 1


def _save(calendar_import: CalendarImport, **fields) -> None:
    for name, value in fields.items():
        setattr(calendar_import, name, value)
    CalendarImport.objects.filter(tenant_id=calendar_import.tenant_id, pk=calendar_import.pk).update(**fields)


def _message(run: _Run) -> str:
    done = run.created + run.updated
    message = f"Imported {done} send{'s' if done != 1 else ''}: {run.created} created, {run.updated} updated."
    if run.held:
        message += f" {run.held} of them wait: deferred by a frequency cap or pending a bulk approval."
    if run.rejected:
        message += f" {run.rejected} row{'s were' if run.rejected != 1 else ' was'} skipped: see why below."
    return message


def calendar_import_run(
    *, tenant: Tenant, import_id: int, takeover: bool = False, batch_size: int = BATCH_SIZE
) -> CalendarImport | None:
    """Process an uploaded import; None when another run has it or it ran already. `takeover`: a redelivered
    task whose worker died mid-run goes again (rows are matched by external id, so that is safe)."""
    claimable = Q(status=CalendarImport.Status.UPLOADED)
    if takeover:
        claimable |= Q(status=CalendarImport.Status.RUNNING)
    # Claim first: a second delivery of the task must not process the file twice at once.
    claimed = CalendarImport.objects.filter(claimable, tenant=tenant, pk=import_id).update(
        status=CalendarImport.Status.RUNNING, processed_rows=0
    )
    if claimed != 1:
        return None
    calendar_import = CalendarImport.objects.select_related("tenant").get(tenant=tenant, pk=import_id)
    run = _Run()
    try:
        with calendar_import.file.open("rb") as stored:
            table = read_table(stored.read())
        mapping = column_mapping(table.headers)
        records = table.frame.to_dict("records")
        _save(calendar_import, total_rows=len(records))
        for start in range(0, len(records), batch_size):
            batch = list(zip(table.lines[start : start + batch_size], records[start : start + batch_size], strict=True))
            # One transaction per batch, committed with its progress, so the page sees it move.
            with transaction.atomic():
                _process_batch(calendar_import, batch, mapping, run)
                _save(
                    calendar_import,
                    processed_rows=start + len(batch),
                    created_count=run.created,
                    updated_count=run.updated,
                    rejected_count=run.rejected,
                    errors=run.errors,
                )
    except Exception as error:
        _save(
            calendar_import,
            status=CalendarImport.Status.FAILED,
            message=(
                f"The import stopped after {calendar_import.processed_rows} of {calendar_import.total_rows} rows; "
                f"rows written until then stay, and importing the file again is safe. The cause: {error}"
            )[:500],
            finished_at=timezone.now(),
        )
        raise
    _save(calendar_import, status=CalendarImport.Status.DONE, message=_message(run)[:500], finished_at=timezone.now())
    return calendar_import


def import_progress_pct(calendar_import: CalendarImport) -> int:
    if calendar_import.status == CalendarImport.Status.DONE:
        return 100
    if not calendar_import.total_rows:
        return 0
    return min(100, round(100 * calendar_import.processed_rows / calendar_import.total_rows))
