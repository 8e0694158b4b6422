"""Checking every row of an import before anything is written: typed values, or errors with line, column and reason.

An empty cell means "no value here": a new row gets the field's default, an existing
account or contact keeps what it has. So a sparse file can update one column.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.imports.jobs import Checked, RowError
from core.imports.reading import Table
from tenancy.models import Tenant

from ..models import AccountStatus, ContactRole, CustomFieldDefinition, ImportKind, Segment
from ..parsing import parse_bool, parse_choice, parse_date, parse_decimal, parse_int, parse_moment
from ..services.book import arr_from_contracts_message, roles_join
from ..services.custom_fields import custom_field_values_clean
from .mapping import ACCOUNT_TARGETS, CONTACT_TARGETS, CUSTOM_PREFIX, TargetField

MAX_SEATS = 10_000_000


@dataclass
class AccountContext:
    """What checking accounts needs from the database, read once for the whole file."""

    tenant: Tenant
    owners: dict[str, int]  # email -> user id of the tenant's active CSMs, leaders and admins
    existing: dict[str, tuple[int, int | None]]  # external id -> (pk, parent pk)
    definitions: list[CustomFieldDefinition]
    current_custom: dict[str, dict]  # external id -> custom fields, for existing accounts in the file
    # external id -> ARR, of the accounts whose ARR their contracts keep
    contract_arr: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class ContactContext:
    accounts: dict[str, int]  # account external id -> pk
    zone: dt.tzinfo


def columns(table: Table, mapping: dict[str, str]) -> dict[str, list[str]]:
    """Target field -> the stripped cells of the column mapped to it."""
    return {key: table.frame[header].str.strip().tolist() for key, header in mapping.items()}


def duplicate_errors(table: Table, mapping: dict[str, str], kind: str) -> list[RowError]:
    """Rows that would write the same account or contact twice; such a file is refused as a whole."""
    cells = columns(table, mapping)
    keys: dict[tuple, list[int]] = defaultdict(list)
    ids = cells.get("external_id", [""] * len(table))
    for i, external_id in enumerate(ids):
        if external_id:
            keys[("external_id", external_id)].append(i)
        elif kind == ImportKind.CONTACTS and cells.get("email", [""] * len(table))[i]:
            keys[("email", cells["account_external_id"][i], cells["email"][i].lower())].append(i)
    noun = "account" if kind == ImportKind.ACCOUNTS else "contact"
    errors = []
    for key, rows in keys.items():
        if len(rows) < 2:
            continue
        lines = [table.lines[i] for i in rows]
        where = ", ".join(str(n) for n in lines[:-1]) + f" and {lines[-1]}"
        if key[0] == "external_id":
            column, value = mapping["external_id"], key[1]
            reason = f"The external id {value} appears on lines {where}: each {noun} may appear only once."
        else:
            column, value = mapping["email"], key[2]
            reason = f"The email {value} at account {key[1]} appears on lines {where}: give each row an external id."
        errors.append(RowError(lines[1], column, value, reason))
    return sorted(errors, key=lambda e: e.line)


def _text(label: str, max_length: int) -> Callable[[str], str]:
    def clean(value: str) -> str:
        if len(value) > max_length:
            raise ValidationError(f"{label} is longer than {max_length} characters.")
        return value

    return clean


def _domain(value: str) -> str:
    # People paste URLs; the domain is what is between the scheme and the path.
    domain = value.lower().split("://", 1)[-1].split("/", 1)[0]
    return _text("Domain", 253)(domain)


def _check_rows(
    table: Table, mapping: dict[str, str], targets: Sequence[TargetField], cleaners: dict[str, Callable[[str], object]]
) -> tuple[Checked, dict[str, list[str]], list[dict[str, str]]]:
    """Clean every mapped cell; returns the result, the columns and each row's custom-field cells."""
    cells = columns(table, mapping)
    required = {t.key: t.label for t in targets if t.required}
    checked = Checked(values=[None] * len(table))
    custom: list[dict[str, str]] = [{} for _ in range(len(table))]
    # Errors of a row come in the order of the file's columns.
    in_file_order = sorted(cells, key=lambda key: table.headers.index(mapping[key]))
    plain = [(key, cells[key], cleaners[key]) for key in in_file_order if not key.startswith(CUSTOM_PREFIX)]
    for key in cells:
        if key.startswith(CUSTOM_PREFIX):
            for i, raw in enumerate(cells[key]):
                if raw:
                    custom[i][key.removeprefix(CUSTOM_PREFIX)] = raw
    for i, line in enumerate(table.lines):
        row: dict = {}
        errors = []
        for key, column, clean in plain:
            raw = column[i]
            if not raw:
                if key in required:
                    errors.append(RowError(line, mapping[key], "", f"{required[key]} is required."))
                continue
            try:
                row[key] = clean(raw)
            except ValidationError as error:
                errors.append(RowError(line, mapping[key], raw, " ".join(error.messages)))
        if errors:
            checked.errors[i] = errors
        else:
            checked.values[i] = row
    return checked, cells, custom


def check_accounts(table: Table, mapping: dict[str, str], context: AccountContext) -> Checked:
    def owner(value: str) -> int:
        user_id = context.owners.get(value.lower())
        if user_id is None:
            raise ValidationError(f"No active CSM, leader or admin of this tenant has the email {value}.")
        return user_id

    cleaners = {
        "external_id": _text("The external id", 255),
        "name": _text("The name", 200),
        "domain": _domain,
        "segment": lambda v: parse_choice(v, Segment.choices),
        "arr": parse_decimal,
        "acv": parse_decimal,
        "seats_purchased": lambda v: parse_int(v, maximum=MAX_SEATS),
        "industry": _text("The industry", 80),
        "region": _text("The region", 80),
        "owner_email": owner,
        "signed_on": parse_date,
        "go_live_on": parse_date,
        "status": lambda v: parse_choice(v, AccountStatus.choices),
        "parent_external_id": _text("The parent's external id", 255),
    }
    checked, cells, custom = _check_rows(table, mapping, ACCOUNT_TARGETS, cleaners)
    labels = {d.key: d.label for d in context.definitions}
    for i, external_id in enumerate(cells["external_id"]):
        # Checked on rows with other errors too, so that one pass over the file shows every error.
        if context.definitions and (custom[i] or external_id not in context.existing):
            try:
                cleaned = custom_field_values_clean(
                    definitions=context.definitions, values=custom[i], current=context.current_custom.get(external_id)
                )
                if checked.values[i] is not None:
                    checked.values[i]["custom_fields"] = cleaned
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    key = name.removeprefix("custom_fields.")
                    column = mapping.get(CUSTOM_PREFIX + key, labels.get(key, key))
                    checked.reject(i, RowError(table.lines[i], column, custom[i].get(key, ""), " ".join(messages)))
    _check_contract_arr(table, mapping, checked, cells, context)
    _check_parents(table, mapping, checked, cells.get("external_id", []), context)
    return checked


def _check_contract_arr(
    table: Table, mapping: dict[str, str], checked: Checked, cells: dict[str, list[str]], context: AccountContext
) -> None:
    """A row may not retype the ARR of an account whose contracts keep it (the writer would overwrite it
    and the next contract change would undo that); the ARR it already has passes."""
    if "arr" not in cells or not context.contract_arr:
        return
    for i, (external_id, raw) in enumerate(zip(cells["external_id"], cells["arr"], strict=True)):
        current = context.contract_arr.get(external_id)
        if current is None or not raw:
            continue
        try:
            arr = parse_decimal(raw)
        except ValidationError:
            continue  # reported by the row's own check already
        if arr != current:
            checked.reject(
                i, RowError(table.lines[i], mapping["arr"], raw, arr_from_contracts_message(current, context.tenant))
            )


def _check_parents(
    table: Table, mapping: dict[str, str], checked: Checked, ids: list[str], context: AccountContext
) -> None:
    """A parent must exist in the tenant or in this file, must not be the account itself or below it,
    and must not be a row that was rejected."""
    column = mapping.get("parent_external_id")
    if column is None:
        return
    in_file = {external_id: i for i, external_id in enumerate(ids)}
    by_pk = {pk: external_id for external_id, (pk, _parent) in context.existing.items()}
    parent_of = {ext: by_pk.get(parent) for ext, (_pk, parent) in context.existing.items() if parent}
    for row in checked.values:
        if row is not None and row.get("parent_external_id"):
            parent_of[row["external_id"]] = row["parent_external_id"]
    for i, row in enumerate(checked.values):
        parent = row.get("parent_external_id") if row else None
        if not parent:
            continue
        line, own = table.lines[i], row["external_id"]
        if parent == own:
            checked.reject(i, RowError(line, column, parent, "An account cannot be its own parent."))
        elif parent not in in_file and parent not in context.existing:
            reason = f"No account has the external id {parent}, neither in this tenant nor in this file."
            checked.reject(i, RowError(line, column, parent, reason))
        elif _leads_back(parent_of, start=parent, to=own):
            reason = f"{parent} is below {own} already: making it the parent would be a loop."
            checked.reject(i, RowError(line, column, parent, reason))
    # A row whose parent row was rejected has no parent to point at; repeat for chains.
    changed = True
    while changed:
        changed = False
        for i, row in enumerate(checked.values):
            parent = row.get("parent_external_id") if row else None
            if parent and parent in in_file and checked.values[in_file[parent]] is None:
                reason = f"The parent account {parent} on line {table.lines[in_file[parent]]} was rejected."
                checked.reject(i, RowError(table.lines[i], column, parent, reason))
                changed = True


def _leads_back(parent_of: dict[str, str | None], *, start: str, to: str) -> bool:
    node, seen = start, set()
    while node is not None and node not in seen:
        if node == to:
            return True
        seen.add(node)
        node = parent_of.get(node)
    return False


def check_contacts(table: Table, mapping: dict[str, str], context: ContactContext) -> Checked:
    def account(value: str) -> int:
        account_id = context.accounts.get(value)
        if account_id is None:
            raise ValidationError(f"No account has the external id {value}; import the accounts first.")
        return account_id

    def email(value: str) -> str:
        value = value.lower()
        try:
            validate_email(value)
        except ValidationError as error:
            raise ValidationError(f"{value} is not an email address.") from error
        return value

    def roles(value: str) -> str:
        # Spreadsheets say "Power user" where the model says power_user: accept the label in any case.
        parts = [p.strip() for p in value.replace(";", ",").replace("|", ",").split(",") if p.strip()]
        try:
            return roles_join([parse_choice(part, ContactRole.choices) for part in parts])
        except ValidationError as error:
            raise ValidationError(" ".join(error.messages)) from error

    def last_seen(value: str) -> dt.datetime:
        # Spreadsheets give a date, a date and time, or ISO 8601 with an offset; naive means the tenant's zone.
        return parse_moment(value, context.zone)

    cleaners = {
        "external_id": _text("The external id", 255),
        "account_external_id": account,
        "name": _text("The name", 200),
        "email": email,
        "title": _text("The title", 120),
        "roles": roles,
        "is_active": parse_bool,
        "last_seen_at": last_seen,
    }
    checked, _cells, _custom = _check_rows(table, mapping, CONTACT_TARGETS, cleaners)
    return checked
