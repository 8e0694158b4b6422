"""Reading a campaign CSV: which columns mean what, and how one row becomes the fields of a calendar entry
(with the row's problem named: line, column, value, why). services/imports.py runs the import."""

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q

from accounts.models import Account, Contact, ContactRole
from accounts.parsing import parse_choice, parse_moment
from tenancy.models import Team, Tenant

from ..models import CalendarEntry, CalendarImport, Channel, MessageType


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


@dataclass
class RowProblem(Exception):
    column: str
    value: str
    reason: str


@dataclass
class Lookups:
    """What checking a batch needs from the database, read once per batch."""

    accounts_by_ref: dict[str, Account]
    accounts_by_name: dict[str, list[Account]]
    contacts: dict[tuple[int, str], Contact]
    existing: dict[str, CalendarEntry]


def cell(row: dict, mapping: dict, key: str) -> str:
    header = mapping.get(key)
    return str(row.get(header, "")).strip() if header else ""


def lookups_for(tenant: Tenant, rows: list[dict], mapping: dict) -> Lookups:
    refs = {cell(r, mapping, "account") for r in rows} - {""}
    accounts = list(
        Account.objects.filter(tenant=tenant).filter(Q(external_id__in=refs) | Q(name__in=refs)).select_related("owner")
    )
    by_name: dict[str, list[Account]] = {}
    for account in accounts:
        by_name.setdefault(account.name.casefold(), []).append(account)
    emails = {e.strip().lower() for r in rows for e in cell(r, mapping, "contacts").split(";")} - {""}
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
    external = {cell(r, mapping, "external_ref") for r in rows} - {""}
    existing = {e.external_ref: e for e in CalendarEntry.objects.filter(tenant=tenant, external_ref__in=external)}
    return Lookups(
        accounts_by_ref={a.external_id: a for a in accounts},
        accounts_by_name=by_name,
        contacts=contacts,
        existing=existing,
    )


def _account(value: str, lookups: Lookups) -> Account:
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


def row_fields(row: dict, mapping: dict, lookups: Lookups, calendar_import: CalendarImport) -> dict:
    """The entry fields of one row, or RowProblem with the first thing wrong with it."""
    tenant = calendar_import.tenant
    account = _account(cell(row, mapping, "account"), lookups)
    contacts = []
    for email in (e.strip() for e in cell(row, mapping, "contacts").split(";")):
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
    role_text = cell(row, mapping, "audience_role")
    role = _choice("audience role", role_text, ContactRole.choices, default="")
    if not contacts and not role:
        raise RowProblem("contact emails", "", "Give the contacts' emails or an audience role: who gets this send?")
    scheduled_text = cell(row, mapping, "scheduled_at")
    if not scheduled_text:
        raise RowProblem("scheduled at", "", "Give the date and time of the send, e.g. 2025-03-04T10:00.")
    try:
        scheduled_at = parse_moment(scheduled_text, tenant.zone)
    except ValidationError as error:
        raise RowProblem(
            "scheduled at", scheduled_text, "Not a date and time; use ISO 8601, e.g. 2025-03-04T10:00."
        ) from error
    subject = cell(row, mapping, "subject")
    if not subject:
        raise RowProblem("subject", "", "Every send needs a subject.")
    if len(subject) > 200:
        raise RowProblem("subject", subject[:40] + "…", f"The subject has {len(subject)} characters; 200 at most.")
    return {
        "account": account,
        "contacts": contacts,
        "audience_role": role if not contacts else "",
        "message_type": _choice("type", cell(row, mapping, "message_type"), MessageType.choices),
        "channel": _choice("channel", cell(row, mapping, "channel"), Channel.choices, default=Channel.EMAIL),
        "team": _choice("team", cell(row, mapping, "team"), Team.choices, default=calendar_import.team),
        "scheduled_at": scheduled_at,
        "subject": subject,
        "body": cell(row, mapping, "body"),
    }
