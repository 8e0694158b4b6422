"""What a CSV or Excel file of records holds: fixed column names per kind, and every row's checks.

The file is read by core.imports.reading (encodings, delimiters, .xlsx, size limit, header
checks), so every import in the product refuses a bad file in the same words. Columns are found
by name in any case and spacing ("Opened at" is opened_at); other columns are ignored and named
on the result. An empty cell means "no value": a new record gets the default, a record matched
by its external id keeps what it has.

The upload checks the header (find_columns) and the import's job checks every row (RowChecker):
see record_imports.py.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError

from accounts import selectors as account_selectors
from accounts.imports.mapping import normalise
from accounts.parsing import parse_bool, parse_choice, parse_date, parse_decimal, parse_int, parse_moment
from core.imports.jobs import RowError
from core.imports.reading import Table
from tenancy.models import Tenant

from ..models import MeetingKind, MeetingStatus, SubscriptionChangeKind, TicketPriority, TicketSentiment, TicketStatus
from ..models.record_kinds import RecordKind

PRIORITY_WORDS = {"urgent": "p1", "high": "p2", "normal": "p3", "medium": "p3", "low": "p4"}


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    help_text: str = ""


ACCOUNT = Column("account_external_id", True, "The account's external id (the Segment groupId).")
EXTERNAL_ID = Column("external_id", False, "The id in the source system; a known one updates that record.")
CONTACT_EXTERNAL_ID = Column("contact_external_id", False, "A contact of the same account, by external id (userId).")
CONTACT_EMAIL = Column("contact_email", False, "Or by email, when there is no contact_external_id.")
MOMENT = "A date (YYYY-MM-DD) or date and time; without an offset it is in the tenant's time zone."

COLUMNS: dict[str, tuple[Column, ...]] = {
    "ticket": (
        ACCOUNT,
        EXTERNAL_ID,
        Column("subject", True),
        Column("priority", False, "P1 to P4, or urgent, high, normal, low. Default P3."),
        Column("status", False, "Open, pending, solved or closed. Default open."),
        Column("opened_at", True, MOMENT),
        Column("closed_at", False, MOMENT),
        Column("csat", False, "1 (very unsatisfied) to 5 (very satisfied)."),
        Column("sentiment", False, "Positive, neutral or negative."),
        CONTACT_EXTERNAL_ID,
        CONTACT_EMAIL,
    ),
    "invoice": (
        ACCOUNT,
        EXTERNAL_ID,
        Column("number"),
        Column("amount", True, "In the tenant's currency."),
        Column("issued_on", True, "YYYY-MM-DD (or DD.MM.YYYY, MM/DD/YYYY)."),
        Column("due_on", True),
        Column("paid_on", False, "Empty while unpaid."),
        Column("amount_paid", False, "Defaults to the amount when paid_on is given."),
    ),
    "subscription_change": (
        ACCOUNT,
        EXTERNAL_ID,
        Column("kind", True, "Upgrade, downgrade, seats_added or seats_removed."),
        Column("effective_on", True),
        Column("plan_before"),
        Column("plan_after"),
        Column("seats_before"),
        Column("seats_after"),
        Column("arr_before"),
        Column("arr_after"),
        Column("note"),
    ),
    "meeting": (
        ACCOUNT,
        EXTERNAL_ID,
        Column("kind", False, "Check-in, QBR, onboarding, executive, training or other. Default check-in."),
        Column("title"),
        Column("scheduled_at", True, MOMENT),
        Column("status", False, "Scheduled, held, no-show or cancelled. Default scheduled."),
        Column("executive_present", False, "Yes or no."),
        Column("notes"),
    ),
    "nps": (
        ACCOUNT,
        EXTERNAL_ID,
        Column("score", True, "0 to 10."),
        Column("comment"),
        Column("responded_on", True),
        CONTACT_EXTERNAL_ID,
        CONTACT_EMAIL,
    ),
}


def _priority(value: str) -> str:
    return PRIORITY_WORDS.get(value.strip().lower()) or parse_choice(value, TicketPriority.choices)


def _parsers(zone: dt.tzinfo) -> dict[str, Callable[[str], object]]:
    """Column name -> how its text becomes a value; a column not listed is text, checked by the model."""
    moment = partial(parse_moment, zone=zone)
    return {
        "priority": _priority,
        "status_ticket": lambda v: parse_choice(v, TicketStatus.choices),
        "status_meeting": lambda v: parse_choice(v, MeetingStatus.choices),
        "kind_subscription_change": lambda v: parse_choice(v, SubscriptionChangeKind.choices),
        "kind_meeting": lambda v: parse_choice(v, MeetingKind.choices),
        "sentiment": lambda v: parse_choice(v, TicketSentiment.choices),
        "opened_at": moment,
        "closed_at": moment,
        "scheduled_at": moment,
        "csat": lambda v: parse_int(v, minimum=1, maximum=5),
        "score": lambda v: parse_int(v, maximum=10),
        "seats_before": parse_int,
        "seats_after": parse_int,
        "amount": parse_decimal,
        "amount_paid": parse_decimal,
        "arr_before": parse_decimal,
        "arr_after": parse_decimal,
        "issued_on": parse_date,
        "due_on": parse_date,
        "paid_on": parse_date,
        "effective_on": parse_date,
        "responded_on": parse_date,
        "executive_present": parse_bool,
    }


def find_columns(table: Table, kind: RecordKind) -> tuple[dict[str, str], list[str]]:
    """Column name -> the file's header for it, and the headers no column takes."""
    known = {normalise(column.name): column.name for column in COLUMNS[kind.key]}
    found: dict[str, str] = {}
    ignored = []
    for header in table.headers:
        name = known.get(normalise(header))
        if name is None or name in found:
            ignored.append(header)
        else:
            found[name] = header
    missing = [column.name for column in COLUMNS[kind.key] if column.required and column.name not in found]
    if missing:
        needed = ", ".join(column.name for column in COLUMNS[kind.key] if column.required)
        raise ValidationError(
            f"The file has no column {' or '.join(missing)}. A file of {kind.plural.lower()} needs the columns "
            f"{needed}; the others are optional."
        )
    return found, ignored


class RowChecker:
    """Checks each row's cells: typed values for the service, or RowErrors with line, column, value and reason."""

    def __init__(self, *, tenant: Tenant, kind: RecordKind, table: Table, found: dict[str, str]):
        self.kind, self.table, self.found = kind, table, found
        self.cells = {name: table.frame[header].str.strip().tolist() for name, header in found.items()}
        parsers = _parsers(tenant.zone)
        self.parsers = {
            name: parsers.get(f"{name}_{kind.key}") or parsers.get(name) or (lambda v: v) for name in self.cells
        }
        ids = set(self.cells["account_external_id"]) - {""}
        self.accounts = {
            a.external_id: a for a in account_selectors.account_list(tenant=tenant).filter(external_id__in=ids)
        }
        self.contacts_by_id: dict[str, object] = {}
        self.contacts_by_email: dict[tuple[int, str], object] = {}
        if kind.has_contact and ({"contact_external_id", "contact_email"} & set(self.cells)):
            contacts = account_selectors.contact_list(tenant=tenant).filter(account__in=list(self.accounts.values()))
            for contact in contacts:
                if contact.external_id:
                    self.contacts_by_id[contact.external_id] = contact
                if contact.email:
                    self.contacts_by_email[(contact.account_id, contact.email.lower())] = contact
        self.required = {column.name for column in COLUMNS[kind.key] if column.required}
        # The account first and the contact last: a contact's email is looked up among the account's contacts.
        self.order = sorted(found, key=lambda name: (name != "account_external_id", name.startswith("contact_")))

    def check(self, index: int) -> tuple[dict | None, list[RowError]]:
        line = self.table.lines[index]
        row: dict[str, Any] = {}
        errors: list[RowError] = []
        for name in self.order:
            header = self.found[name]
            raw = self.cells[name][index]
            if not raw:
                if name in self.required:
                    errors.append(RowError(line, header, "", f"{name} is required."))
                continue
            try:
                self._take(row, name, raw)
            except ValidationError as error:
                errors.append(RowError(line, header, raw, " ".join(error.messages)))
        errors.sort(key=lambda error: self.table.headers.index(error.column))
        return (None if errors else row), errors

    def _take(self, row: dict, name: str, raw: str) -> None:
        if name == "account_external_id":
            if raw not in self.accounts:
                raise ValidationError(f"No account has the external id {raw}; import the accounts first.")
            row["account"] = self.accounts[raw]
        elif name == "contact_external_id":
            if raw not in self.contacts_by_id:
                raise ValidationError(f"No contact of a known account has the external id {raw}.")
            row["contact"] = self.contacts_by_id[raw]
        elif name == "contact_email":
            account = row.get("account")
            if "contact" in row or account is None:
                return  # the external id names the contact; without an account there is nothing to match
            contact = self.contacts_by_email.get((account.pk, raw.lower()))
            if contact is None:
                raise ValidationError(f"{account.external_id} has no contact with the email {raw}.")
            row["contact"] = contact
        else:
            row[name] = self.parsers[name](raw)

    def column_of(self, name: str) -> str:
        """The header a service error about model field `name` is about."""
        if name == "account":
            return self.found["account_external_id"]
        if name == "contact":
            return self.found.get("contact_external_id") or self.found.get("contact_email", "contact")
        return self.found.get(name, name if name != "__all__" else "")

    def cell(self, column: str, index: int) -> str:
        names = {header: name for name, header in self.found.items()}
        return self.cells[names[column]][index] if column in names else ""
