"""Writes of records: create, update, delete, and bulk upsert by external id.

The REST API (single and bulk) and the CSV import all write through here, so a record
is held to the same rules whichever way it arrives:

- the model's own field rules (choices, lengths, CSAT 1-5, NPS 0-10, no negative money);
- a contact must be one of the record's account;
- a ticket does not close before it opened; an invoice is not due before it is issued,
  and a paid date without an amount paid means paid in full; seats added means more seats;
  a meeting in the future has not been held or missed yet.

Permissions are the caller's: this module decides what is valid, not who may write it.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ImportMode
from tenancy.models import Tenant

from ..models import Invoice, Meeting, MeetingStatus, SubscriptionChange, SubscriptionChangeKind, SupportTicket
from ..models.record_kinds import RecordKind, kind_of
from ..models.records import Record
from ..selectors import records as selectors

Errors = dict[str, list[str]]

CREATED, UPDATED, REJECTED, UNSAVED = "created", "updated", "rejected", "unsaved"
BATCH_SIZE = 500
# Set by the platform, not by whoever sends the record.
NOT_WRITABLE = {"id", "tenant", "created_at"}


def writable_fields(kind: RecordKind) -> set[str]:
    return {f.name for f in kind.model._meta.concrete_fields if f.name not in NOT_WRITABLE}


def _assign(kind: RecordKind, record: Record, fields: dict) -> None:
    unknown = set(fields) - writable_fields(kind)
    if unknown:
        # A caller's mistake, not the sender's: the serializers and the import only pass known fields.
        raise TypeError(f"{kind.model.__name__} has no writable fields {sorted(unknown)}.")
    for name, value in fields.items():
        setattr(record, name, value)


def _normalise(record: Record) -> None:
    # Billing exports often give the paid date only: read that as paid in full.
    if isinstance(record, Invoice) and record.paid_on and not record.amount_paid and record.amount is not None:
        record.amount_paid = record.amount


def _kind_rules(record: Record) -> Errors:
    problems: Errors = {}
    if isinstance(record, SupportTicket):
        if record.closed_at and record.opened_at and record.closed_at < record.opened_at:
            problems["closed_at"] = ["A ticket cannot close before it was opened."]
    elif isinstance(record, Invoice):
        if record.due_on and record.issued_on and record.due_on < record.issued_on:
            problems["due_on"] = ["The due date is before the issue date."]
        if record.amount is not None and record.amount_paid is not None and record.amount_paid > record.amount:
            problems["amount_paid"] = [f"More was paid than the invoice amount of {record.amount}."]
    elif isinstance(record, SubscriptionChange):
        before, after = record.seats_before, record.seats_after
        if before is not None and after is not None:
            if record.kind == SubscriptionChangeKind.SEATS_ADDED and after <= before:
                problems["seats_after"] = ["Seats added, but there are not more seats after than before."]
            if record.kind == SubscriptionChangeKind.SEATS_REMOVED and after >= before:
                problems["seats_after"] = ["Seats removed, but there are not fewer seats after than before."]
    elif isinstance(record, Meeting):
        happened = record.status in (MeetingStatus.HELD, MeetingStatus.NO_SHOW)
        if happened and record.scheduled_at and record.scheduled_at > timezone.now():
            problems["status"] = [
                f"A meeting scheduled for the future cannot be {record.get_status_display().lower()} yet."
            ]
    return problems


def problems_of(record: Record) -> Errors:
    """Everything wrong with the record, by field; empty when it may be saved."""
    _normalise(record)
    problems: Errors = {}
    if record.account_id is None:
        problems["account"] = ["Give the account: its id (account) or its external id (account_external_id)."]
    try:
        # No queries: the account and contact were found in this tenant already, and the external
        # id's uniqueness is checked once per batch, not once per row.
        record.full_clean(exclude=["tenant", "account", "contact"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            problems.setdefault(name, []).extend(messages)
    contact = getattr(record, "contact", None)
    if contact is not None and record.account_id is not None and contact.account_id != record.account_id:
        problems.setdefault("contact", []).append(f"{contact.name} is a contact of another account.")
    for name, messages in _kind_rules(record).items():
        problems.setdefault(name, []).extend(messages)
    return problems


def _save(record: Record, tenant: Tenant) -> Record:
    problems = problems_of(record)
    if selectors.record_external_id_taken(tenant=tenant, record=record):
        problems.setdefault("external_id", []).append(
            f"Another {kind_of(record).noun} has the external id {record.external_id}."
        )
    if problems:
        raise ValidationError(problems)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as error:
        # Two requests with the same new external id at once: the second one loses.
        raise ValidationError({"external_id": [f"The external id {record.external_id} was just taken."]}) from error
    return record


def record_create(*, tenant: Tenant, kind: RecordKind, fields: dict) -> Record:
    record = kind.model(tenant=tenant)
    _assign(kind, record, fields)
    return _save(record, tenant)


def record_update(*, record: Record, fields: dict) -> Record:
    _assign(kind_of(record), record, fields)
    return _save(record, record.tenant)


def record_delete(*, record: Record) -> None:
    record.delete()


@dataclass
class BulkResult:
    """Per row, in order: what happened to it, the record it wrote, and the reasons it was rejected."""

    statuses: list[str]
    records: list[Record | None]
    # The service's reasons; rows the caller had rejected already (None) have theirs with the caller.
    errors: dict[int, Errors] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return self.statuses.count(status)

    @property
    def saved(self) -> bool:
        return any(status in (CREATED, UPDATED) for status in self.statuses)


def _label(index: int) -> str:
    return f"item {index}"


def record_bulk_upsert(
    *,
    tenant: Tenant,
    kind: RecordKind,
    rows: Sequence[dict | None],
    mode: str = ImportMode.ALL_OR_NOTHING,
    describe: Callable[[int], str] = _label,
    on_checked: Callable[[int], None] | None = None,
) -> BulkResult:
    """Create or update (matched by external id) every row; `None` is a row the caller rejected already.

    All or nothing (the default) writes only when every row is valid; VALID_ROWS writes the valid
    ones. `describe(i)` names row i in messages ("item 3", "line 4"). `on_checked(i)` is called once
    row i is checked: the checks are most of the work, and an import counts its progress by them.
    """
    existing = selectors.record_by_external_id(
        tenant=tenant, kind=kind, external_ids=(row.get("external_id", "") for row in rows if row)
    )
    positions: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        if row and row.get("external_id"):
            positions[row["external_id"]].append(index)
    statuses: list[str] = [REJECTED] * len(rows)
    records: list[Record | None] = [None] * len(rows)
    errors: dict[int, Errors] = {}
    for index, row in enumerate(rows):
        if on_checked is not None:
            on_checked(index)
        if row is None:
            continue
        external_id = row.get("external_id", "")
        if external_id and len(positions[external_id]) > 1:
            # Which of the rows is right is anyone's guess: none of them is written.
            others = " and ".join(describe(i) for i in positions[external_id] if i != index)
            errors[index] = {
                "external_id": [f"The external id {external_id} is also on {others}: send each {kind.noun} once."]
            }
            continue
        record = existing.get(external_id) or kind.model(tenant=tenant)
        _assign(kind, record, row)
        if problems := problems_of(record):
            errors[index] = problems
            continue
        records[index] = record
        statuses[index] = UPDATED if record.pk else CREATED
    if REJECTED in statuses and mode != ImportMode.VALID_ROWS:
        unsaved = [UNSAVED if record is not None else REJECTED for record in records]
        return BulkResult(statuses=unsaved, records=[None] * len(rows), errors=errors)
    _write(kind, rows, records, statuses)
    return BulkResult(statuses=statuses, records=records, errors=errors)


def _write(kind: RecordKind, rows: Sequence[dict | None], records: list[Record | None], statuses: list[str]) -> None:
    # A created or updated row always has its record and its values; only a rejected one has None.
    new = [record for record, status in zip(records, statuses, strict=True) if status == CREATED and record is not None]
    changed = [
        record for record, status in zip(records, statuses, strict=True) if status == UPDATED and record is not None
    ]
    updated = [row for row, status in zip(rows, statuses, strict=True) if status == UPDATED and row is not None]
    names = sorted({name for row in updated for name in row})
    if "paid_on" in names:
        names = sorted({*names, "amount_paid"})  # set by _normalise when only the paid date came
    try:
        with transaction.atomic():
            kind.model.objects.bulk_create(new, batch_size=BATCH_SIZE)
            if changed and names:
                kind.model.objects.bulk_update(changed, names, batch_size=BATCH_SIZE)
    except IntegrityError as error:
        raise ValidationError(
            f"Another request saved {kind.noun}s with some of these external ids meanwhile: nothing was saved. "
            "Send the rows again: they will update those."
        ) from error
