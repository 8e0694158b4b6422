"""Shapes of calendar entries and their approvals in the API: what is read, and what a write may carry."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Account, Contact
from core.api import NamedChoiceField, TenantPrimaryKeyRelatedField
from tenancy.models import User

from ..models import Approval, ApprovalDecision, CalendarEntry
from .fields import (
    TenantDateTimeField,
    audience_role_field,
    channel_field,
    entry_source_field,
    entry_status_field,
    message_type_field,
    team_field,
    tenant_accounts,
    tenant_contacts,
    tenant_owners,
)


class CalendarEntrySerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    contacts = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="The named contacts; empty when the audience is a role."
    )
    audience_role = audience_role_field(read_only=True)
    message_type = message_type_field(read_only=True)
    channel = channel_field(read_only=True)
    team = team_field(read_only=True)
    scheduled_at = TenantDateTimeField(read_only=True)
    planned_at = TenantDateTimeField(
        read_only=True, allow_null=True, help_text="Where it was planned before a cap or a blackout moved it."
    )
    source = entry_source_field(read_only=True)
    status = entry_status_field(read_only=True)
    status_reason = serializers.CharField(
        read_only=True, help_text="Why it was deferred, is waiting for approval, was refused or failed."
    )
    partly_sent = serializers.BooleanField(
        source="is_partly_sent",
        read_only=True,
        help_text="Sent, but a worker stopped while sending to `unreached_count` recipients (whether it left "
        "is unknown); POST .../resend/ sends it to them.",
    )
    unreached_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = CalendarEntry
        fields = [
            "id",
            "account",
            "account_name",
            "contacts",
            "audience_role",
            "message_type",
            "channel",
            "team",
            "owner",
            "scheduled_at",
            "planned_at",
            "subject",
            "body",
            "fallbacks",
            "source",
            "status",
            "status_reason",
            "recipient_count",
            "needs_approval",
            "enrollment",
            "cadence_step",
            "calendar_import",
            "external_ref",
            "attempts",
            "sent_at",
            "partly_sent",
            "unreached_count",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RecipientSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField(allow_blank=True)


class ConflictSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="same_day (one contact touched twice that day), teams_same_week or blackout."
    )
    message = serializers.CharField()


class DeliverySummarySerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Recipients it was meant for (one delivery each).")
    reached = serializers.IntegerField(help_text="Of those, reached: sent, or available and read in-app.")
    by_status = serializers.DictField(child=serializers.IntegerField(), help_text="Deliveries per status.")
    opened = serializers.IntegerField(help_text="Deliveries opened at least once.")
    clicked = serializers.IntegerField(help_text="Deliveries with at least one click.")
    events = serializers.DictField(child=serializers.IntegerField(), help_text="Engagement events per kind.")


class ApprovalSerializer(serializers.ModelSerializer):
    decision = NamedChoiceField(choices=ApprovalDecision.choices, enum_name="ApprovalDecisionEnum", read_only=True)
    account = serializers.IntegerField(source="entry.account_id", read_only=True)

    class Meta:
        model = Approval
        fields = ["id", "entry", "account", "decision", "recipient_count", "note", "by", "at"]
        read_only_fields = fields


class CalendarEntryDetailSerializer(CalendarEntrySerializer):
    """One entry with who it reaches now, the conflicts it has with the rest of the calendar, how its
    deliveries went and every step of its approval."""

    recipients = serializers.SerializerMethodField()
    conflicts = serializers.SerializerMethodField()
    deliveries = serializers.SerializerMethodField()
    approvals = serializers.SerializerMethodField()

    class Meta(CalendarEntrySerializer.Meta):
        fields = [*CalendarEntrySerializer.Meta.fields, "recipients", "conflicts", "deliveries", "approvals"]
        read_only_fields = fields

    @extend_schema_field(RecipientSerializer(many=True))
    def get_recipients(self, entry: CalendarEntry) -> list[dict]:
        return RecipientSerializer(self.context["recipients"], many=True).data

    @extend_schema_field(ConflictSerializer(many=True))
    def get_conflicts(self, entry: CalendarEntry) -> list[dict]:
        return ConflictSerializer(self.context["conflicts"], many=True).data

    @extend_schema_field(DeliverySummarySerializer)
    def get_deliveries(self, entry: CalendarEntry) -> dict:
        return DeliverySummarySerializer(self.context["deliveries"]).data

    @extend_schema_field(ApprovalSerializer(many=True))
    def get_approvals(self, entry: CalendarEntry) -> list[dict]:
        return ApprovalSerializer(self.context["approvals"], many=True).data


def _contacts_field(**kwargs) -> TenantPrimaryKeyRelatedField:
    return TenantPrimaryKeyRelatedField(
        model=Contact,
        rows=tenant_contacts,
        many=True,
        required=False,
        help_text="Contacts of the account; leave empty and give `audience_role` to reach everyone with a role.",
        **kwargs,
    )


class EntryWriteFields(serializers.Serializer):
    contacts = _contacts_field()
    audience_role = audience_role_field(required=False)
    message_type = message_type_field(required=False)
    channel = channel_field(required=False)
    team = team_field(
        required=False, help_text="The team it speaks for; default: the sender's team, else customer success."
    )
    owner = TenantPrimaryKeyRelatedField(
        model=User, rows=tenant_owners, required=False, help_text="Default: the caller. Others' for leaders/admins."
    )
    scheduled_at = TenantDateTimeField(required=False, help_text="ISO 8601; without an offset, the tenant's zone.")
    subject = serializers.CharField(max_length=200, required=False)
    body = serializers.CharField(required=False, allow_blank=True)
    fallbacks = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text='Values for merge fields that may be empty, e.g. {"contact.first_name": "there"}.',
    )


class EntryCreateSerializer(EntryWriteFields):
    account = TenantPrimaryKeyRelatedField(model=Account, rows=tenant_accounts)
    message_type = message_type_field()
    scheduled_at = TenantDateTimeField(help_text="ISO 8601; without an offset, the tenant's zone.")
    subject = serializers.CharField(max_length=200)
    schedule = serializers.BooleanField(
        default=True, help_text="false keeps a draft; true runs the rules at once (the answer's status says how)."
    )


class EntryUpdateSerializer(EntryWriteFields):
    """Only the fields given change; a scheduled entry is checked again."""


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why it is cancelled: shown on the calendar.")


class ApprovalNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RejectionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, help_text="Why it may not be sent: the sender reads it.")


class PreviewQuerySerializer(serializers.Serializer):
    contact = TenantPrimaryKeyRelatedField(
        model=Contact,
        rows=tenant_contacts,
        required=False,
        help_text="A contact of the entry's account; default: its first recipient.",
    )


class PreviewSerializer(serializers.Serializer):
    contact = serializers.IntegerField()
    subject = serializers.CharField()
    body = serializers.CharField(allow_blank=True)
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Merge fields with no value and no fallback: they block sending."
    )
    unknown = serializers.ListField(
        child=serializers.CharField(), help_text="Names that are not merge fields: they block sending."
    )
