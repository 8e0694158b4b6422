"""Shapes of records in the API: what is read, what a write may carry, and what a bulk write answers.

A write names its account by `account` (an id) or `account_external_id`, and its contact (tickets
and NPS) by `contact` or `contact_external_id`. They are looked up in the request's tenant only,
for all items of a bulk write at once (`RelatedRows`), so 1,000 items cost a handful of queries.
"""

from collections.abc import Iterable, Sequence

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import selectors as account_selectors
from accounts.models import Account, Contact
from core import tenant_time
from core.api import NamedChoiceField, PreloadedRowField
from tenancy.models import Tenant
from tenancy.parsing import parse_id, storable_text

from ..models import (
    Invoice,
    Meeting,
    MeetingKind,
    MeetingStatus,
    NpsResponse,
    SubscriptionChange,
    SubscriptionChangeKind,
    SupportTicket,
    TicketStatus,
)
from ..services.records import CREATED, REJECTED, UNSAVED, UPDATED

CHUNK = 500


def _chunks(values: Iterable) -> Iterable[list]:
    values = sorted(values)
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _ids(items: Sequence[dict], key: str) -> set[int]:
    return {pk for item in items if (pk := parse_id(item.get(key))) is not None}


def _texts(items: Sequence[dict], key: str) -> set[str]:
    # Read before the items are checked: a text no row can hold (a NUL) names no row, and the field's
    # own check then refuses it with a 400 that says why.
    return {item[key] for item in items if isinstance(item.get(key), str) and item[key] and storable_text(item[key])}


class RelatedRows:
    """The tenant's accounts and contacts that the items of a request name, by id and by external id."""

    def __init__(self, *, tenant: Tenant, items: Sequence):
        items = [item for item in items if isinstance(item, dict)]
        accounts = account_selectors.account_list(tenant=tenant)
        contacts = account_selectors.contact_list(tenant=tenant)
        self.accounts = self._read(accounts, "pk", _ids(items, "account"))
        self.accounts_by_external_id = self._read(accounts, "external_id", _texts(items, "account_external_id"))
        self.contacts = self._read(contacts, "pk", _ids(items, "contact"))
        self.contacts_by_external_id = self._read(contacts, "external_id", _texts(items, "contact_external_id"))

    @staticmethod
    def _read(rows: QuerySet, key: str, values: set) -> dict:
        found: dict = {}
        for chunk in _chunks(values):
            found.update((getattr(row, key), row) for row in rows.filter(**{f"{key}__in": chunk}))
        return found


# --- Reading ---------------------------------------------------------------------------------------

BASE_FIELDS = ["id", "account", "account_external_id", "external_id"]
CONTACT_FIELDS = ["contact", "contact_external_id", "contact_name"]


class RecordSerializer(serializers.ModelSerializer):
    account_external_id = serializers.CharField(source="account.external_id", read_only=True)


class WithContactSerializer(RecordSerializer):
    contact_external_id = serializers.CharField(source="contact.external_id", read_only=True, allow_null=True)
    contact_name = serializers.CharField(source="contact.name", read_only=True, allow_null=True)


class SupportTicketSerializer(WithContactSerializer):
    status = NamedChoiceField(choices=TicketStatus.choices, enum_name="TicketStatusEnum", read_only=True)

    class Meta:
        model = SupportTicket
        fields = [
            *BASE_FIELDS,
            *CONTACT_FIELDS,
            "subject",
            "priority",
            "status",
            "opened_at",
            "closed_at",
            "csat",
            "sentiment",
            "created_at",
        ]
        read_only_fields = fields


class InvoiceSerializer(RecordSerializer):
    days_late = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [*BASE_FIELDS, "number", "amount", "issued_on", "due_on", "paid_on", "amount_paid", "days_late"]
        fields += ["created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(help_text="Days past due: until paid, or until today."))
    def get_days_late(self, invoice: Invoice) -> int:
        return invoice.days_late(tenant_time.today(self.context["request"].tenant))


class SubscriptionChangeSerializer(RecordSerializer):
    kind = NamedChoiceField(
        choices=SubscriptionChangeKind.choices, enum_name="SubscriptionChangeKindEnum", read_only=True
    )

    class Meta:
        model = SubscriptionChange
        fields = [
            *BASE_FIELDS,
            "kind",
            "effective_on",
            "plan_before",
            "plan_after",
            "seats_before",
            "seats_after",
            "arr_before",
            "arr_after",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class MeetingSerializer(RecordSerializer):
    kind = NamedChoiceField(choices=MeetingKind.choices, enum_name="MeetingKindEnum", read_only=True)
    status = NamedChoiceField(choices=MeetingStatus.choices, enum_name="MeetingStatusEnum", read_only=True)

    class Meta:
        model = Meeting
        fields = [*BASE_FIELDS, "kind", "title", "scheduled_at", "status", "executive_present", "notes", "created_at"]
        read_only_fields = fields


class NpsResponseSerializer(WithContactSerializer):
    category = NamedChoiceField(
        choices=["promoter", "passive", "detractor"], enum_name="NpsCategoryEnum", read_only=True
    )

    class Meta:
        model = NpsResponse
        fields = [*BASE_FIELDS, *CONTACT_FIELDS, "score", "category", "comment", "responded_on", "created_at"]
        read_only_fields = fields


# --- Writing ---------------------------------------------------------------------------------------

WRITE_BASE = ["account", "account_external_id", "external_id"]


class RecordWriteSerializer(serializers.ModelSerializer):
    """What every write carries; resolves `account_external_id` (and the contact's) to rows of the tenant."""

    account = PreloadedRowField(model=Account, rows="accounts", required=False, help_text="The account's id.")
    account_external_id = serializers.CharField(
        required=False, write_only=True, max_length=255, help_text="Or the account's external id (the groupId)."
    )
    external_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text="The id in the source system; a write with a known one updates that record.",
    )

    def validate(self, data: dict) -> dict:
        related: RelatedRows = self.context["related"]
        external_id = data.pop("account_external_id", None)
        if external_id is not None:
            account = related.accounts_by_external_id.get(external_id)
            if account is None:
                raise serializers.ValidationError(
                    {"account_external_id": [f"No account has the external id {external_id}."]}
                )
            if data.get("account", account) != account:
                raise serializers.ValidationError(
                    {"account_external_id": ["It names another account than `account` does: give one of them."]}
                )
            data["account"] = account
        if "account" not in data and self.instance is None:
            raise serializers.ValidationError(
                {"account": ["Give the account: its id (account) or its external id (account_external_id)."]}
            )
        if "contact_external_id" in self.fields:
            self._resolve_contact(data, related)
        return data

    @staticmethod
    def _resolve_contact(data: dict, related: RelatedRows) -> None:
        external_id = data.pop("contact_external_id", None)
        if external_id is None:
            return
        contact = related.contacts_by_external_id.get(external_id) if external_id else None
        if external_id and contact is None:
            raise serializers.ValidationError(
                {"contact_external_id": [f"No contact has the external id {external_id}."]}
            )
        if "contact" in data and data["contact"] != contact:
            raise serializers.ValidationError(
                {"contact_external_id": ["It names another contact than `contact` does: give one of them."]}
            )
        data["contact"] = contact


class WithContactWriteSerializer(RecordWriteSerializer):
    contact = PreloadedRowField(
        model=Contact,
        rows="contacts",
        required=False,
        allow_null=True,
        help_text="A contact of the same account, by id.",
    )
    contact_external_id = serializers.CharField(
        required=False, write_only=True, allow_blank=True, max_length=255, help_text="Or by external id (userId)."
    )


class SupportTicketWriteSerializer(WithContactWriteSerializer):
    status = NamedChoiceField(choices=TicketStatus.choices, enum_name="TicketStatusEnum", required=False)

    class Meta:
        model = SupportTicket
        fields = [*WRITE_BASE, "contact", "contact_external_id", "subject", "priority", "status", "opened_at"]
        fields += ["closed_at", "csat", "sentiment"]


class InvoiceWriteSerializer(RecordWriteSerializer):
    class Meta:
        model = Invoice
        fields = [*WRITE_BASE, "number", "amount", "issued_on", "due_on", "paid_on", "amount_paid"]
        extra_kwargs = {"amount_paid": {"help_text": "Defaults to the amount when paid_on is given."}}


class SubscriptionChangeWriteSerializer(RecordWriteSerializer):
    kind = NamedChoiceField(choices=SubscriptionChangeKind.choices, enum_name="SubscriptionChangeKindEnum")

    class Meta:
        model = SubscriptionChange
        fields = [*WRITE_BASE, "kind", "effective_on", "plan_before", "plan_after", "seats_before", "seats_after"]
        fields += ["arr_before", "arr_after", "note"]


class MeetingWriteSerializer(RecordWriteSerializer):
    kind = NamedChoiceField(choices=MeetingKind.choices, enum_name="MeetingKindEnum", required=False)
    status = NamedChoiceField(choices=MeetingStatus.choices, enum_name="MeetingStatusEnum", required=False)

    class Meta:
        model = Meeting
        fields = [*WRITE_BASE, "kind", "title", "scheduled_at", "status", "executive_present", "notes"]


class NpsResponseWriteSerializer(WithContactWriteSerializer):
    class Meta:
        model = NpsResponse
        fields = [*WRITE_BASE, "contact", "contact_external_id", "score", "comment", "responded_on"]


# --- Bulk results ----------------------------------------------------------------------------------


class BulkItemSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in the list sent, from 0.")
    status = NamedChoiceField(
        choices=[CREATED, UPDATED, REJECTED, UNSAVED],
        enum_name="BulkItemStatusEnum",
        help_text="unsaved: valid, but all or nothing saved nothing because other items were rejected.",
    )
    id = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    rejected = serializers.IntegerField()
    results = BulkItemSerializer(many=True)
