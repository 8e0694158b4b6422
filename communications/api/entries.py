"""REST API of the master calendar: calendar entries (created and changed under the same rules as the pages,
with `schedule`, `cancel`, `approve`, `reject` and `preview`), and their shapes: what is read and what a
write may carry.

Viewers read; a CSM plans entries on accounts they own and changes the entries they own; leaders and admins
change any and decide on bulk sends. What may be sent (the send-permission matrix), merge fields, approval and
frequency caps are the services' rules: the answer's `status` and `status_reason` say what they decided.
"""

from collections import Counter

from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Account, Contact
from core.api import DateTimeFilter, TenantFilterSet, TenantPrimaryKeyRelatedField, TenantViewSetMixin, validated
from tenancy.models import Team, User
from tenancy.permissions import Capability, may_assign_to, membership_can

from .. import selectors
from ..models import CalendarEntry, Channel, EntrySource, EntryStatus, MessageType
from ..services import conflicts as conflict_services
from ..services import entries as entry_services
from ..services import resend as resend_services
from .approvals import ApprovalNoteSerializer, ApprovalSerializer, RejectionSerializer, require_manage
from .calendar import (
    TenantDateTimeField,
    audience_role_field,
    channel_field,
    check_contacts_of,
    entry_source_field,
    entry_status_field,
    filter_owner,
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


def require_account_edit(request: Request, account) -> None:
    """EDIT on the account a new entry is for (object permissions only cover the URL's object)."""
    if not membership_can(request.membership, Capability.EDIT, account):
        raise exceptions.PermissionDenied("CSMs plan touchpoints only on the accounts they own.")


def check_owner(request: Request, owner) -> None:
    if not may_assign_to(request.membership, owner):
        raise exceptions.PermissionDenied("Only a CS leader or an admin gives an entry to someone else.")


class CalendarEntryFilter(TenantFilterSet):
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    owner = filters.CharFilter(method="filter_owner", help_text="'me' (the caller) or the owner's user id.")
    team = filters.ChoiceFilter(choices=Team.choices)
    message_type = filters.ChoiceFilter(choices=MessageType.choices)
    channel = filters.ChoiceFilter(choices=Channel.choices)
    status = filters.ChoiceFilter(choices=EntryStatus.choices)
    source = filters.ChoiceFilter(choices=EntrySource.choices)
    enrollment = filters.NumberFilter(field_name="enrollment_id", help_text="Entries of one cadence enrolment.")
    scheduled_after = DateTimeFilter(
        field_name="scheduled_at", lookup_expr="gte", help_text="Scheduled at or after (ISO 8601)."
    )
    scheduled_before = DateTimeFilter(
        field_name="scheduled_at", lookup_expr="lt", help_text="Scheduled before (ISO 8601)."
    )

    class Meta:
        model = CalendarEntry
        fields = [
            "account",
            "owner",
            "team",
            "message_type",
            "channel",
            "status",
            "source",
            "enrollment",
            "scheduled_after",
            "scheduled_before",
        ]

    def filter_owner(self, queryset, name, value):
        return filter_owner(self, queryset, "owner_id", value)


class CalendarEntryViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Calendar entries: every planned touchpoint of every team, for one account, in time order.

    Creating one runs the same rules as the calendar page (`schedule: false` keeps a draft): the sender's team
    and role must be allowed the message type on the channel, merge fields need values or fallbacks, a send to
    more recipients than the bulk threshold waits for a leader's or admin's approval (`pending_approval`), and
    a contact over a frequency cap moves it to the next open window (`deferred`, with `status_reason` and the
    original `planned_at`). The detail carries the recipients, the conflicts with the rest of the calendar, a
    summary of the deliveries and the approval history."""

    model = CalendarEntry
    serializer_class = CalendarEntrySerializer
    filterset_class = CalendarEntryFilter
    lookup_url_kwarg = "entry_id"
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["scheduled_at", "created_at"]
    search_fields = ["subject", "account__name"]

    def tenant_queryset(self, tenant) -> QuerySet[CalendarEntry]:
        contacts = Contact.objects.filter(tenant=tenant).order_by("name", "id")
        return (
            selectors.entry_list(tenant=tenant)
            .prefetch_related(Prefetch("contacts", queryset=contacts))
            .order_by("scheduled_at", "id")
        )

    def _detail(self, entry: CalendarEntry, code: int = status.HTTP_200_OK) -> Response:
        tenant = self.request.tenant
        # Re-read: the services change status, times and contacts behind the instance.
        entry = self.tenant_queryset(tenant).get(pk=entry.pk)
        deliveries = selectors.entry_deliveries(tenant=tenant, entry=entry)
        engagement = selectors.entry_engagement(tenant=tenant, entry=entry, deliveries=deliveries)
        context = {
            **self.get_serializer_context(),
            "recipients": selectors.entry_recipients(entry),
            "conflicts": conflict_services.entries_conflicts(tenant=tenant, entries=[entry]).get(entry.pk, []),
            "deliveries": {
                "total": len(deliveries),
                "reached": selectors.entry_reach(deliveries).reached,
                "by_status": dict(Counter(delivery.status for delivery in deliveries)),
                "opened": engagement.opened,
                "clicked": engagement.clicked,
                "events": engagement.events,
            },
            "approvals": selectors.entry_approvals(tenant=tenant, entry=entry),
        }
        return Response(CalendarEntryDetailSerializer(entry, context=context).data, status=code)

    @extend_schema(responses=CalendarEntryDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    @extend_schema(request=EntryCreateSerializer, responses={201: CalendarEntryDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(EntryCreateSerializer(data=request.data, context=self.get_serializer_context()))
        account = data.pop("account")
        require_account_edit(request, account)
        if "owner" in data:
            check_owner(request, data["owner"])
        check_contacts_of(account, data.get("contacts", []))
        entry = entry_services.entry_create(
            tenant=request.tenant, account=account, by=request.user, source=EntrySource.MANUAL, **data
        )
        return self._detail(entry, status.HTTP_201_CREATED)

    @extend_schema(
        request=EntryUpdateSerializer,
        responses=CalendarEntryDetailSerializer,
        description="Changes an entry that has not been sent; a scheduled one is checked again by the same rules.",
    )
    def partial_update(self, request, *args, **kwargs):
        entry = self.get_object()
        data = validated(EntryUpdateSerializer(data=request.data, context=self.get_serializer_context()))
        if "owner" in data and data["owner"].pk != entry.owner_id:
            check_owner(request, data["owner"])
        if "contacts" in data:
            check_contacts_of(entry.account, data["contacts"])
        entry = entry_services.entry_update(entry=entry, by=request.user, **data)
        return self._detail(entry)

    @extend_schema(
        request=None,
        responses=CalendarEntryDetailSerializer,
        description="Schedules a draft (or a refused entry after a change): scheduled, deferred or pending approval.",
    )
    @action(detail=True, methods=["post"])
    def schedule(self, request, *args, **kwargs):
        entry = entry_services.entry_schedule(entry=self.get_object(), by=request.user)
        return self._detail(entry)

    @extend_schema(
        request=None,
        responses=CalendarEntryDetailSerializer,
        description="Sends a partly sent entry (`partly_sent`) again, now, to the recipients a worker stopped "
        "while sending to; those it reached are not sent it again. Its owner, a leader or an admin.",
    )
    @action(detail=True, methods=["post"])
    def resend(self, request, *args, **kwargs):
        entry = resend_services.entry_resend_unreached(entry=self.get_object(), by=request.user)
        return self._detail(entry)

    @extend_schema(request=ReasonSerializer, responses=CalendarEntryDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        entry = self.get_object()
        data = validated(ReasonSerializer(data=request.data))
        entry = entry_services.entry_cancel(entry=entry, by=request.user, reason=data["reason"])
        return self._detail(entry)

    @extend_schema(
        request=ApprovalNoteSerializer,
        responses=CalendarEntryDetailSerializer,
        description="A leader or an admin approves a bulk send; it is then scheduled (or deferred by the caps).",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        require_manage(request)
        entry = self.get_object()
        data = validated(ApprovalNoteSerializer(data=request.data))
        entry = entry_services.entry_approve(entry=entry, by=request.user, note=data["note"])
        return self._detail(entry)

    @extend_schema(request=RejectionSerializer, responses=CalendarEntryDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        require_manage(request)
        entry = self.get_object()
        data = validated(RejectionSerializer(data=request.data))
        entry = entry_services.entry_reject(entry=entry, by=request.user, note=data["note"])
        return self._detail(entry)

    @extend_schema(
        parameters=[PreviewQuerySerializer],
        responses=PreviewSerializer,
        description="The subject and body as one real contact will read them, with the merge fields that have "
        "no value (`missing`) or are not merge fields (`unknown`): either blocks sending.",
    )
    @action(detail=True, methods=["get"])
    def preview(self, request, *args, **kwargs):
        entry = self.get_object()
        query = validated(PreviewQuerySerializer(data=request.query_params, context=self.get_serializer_context()))
        contact = query.get("contact")
        if contact is None:
            recipients = selectors.entry_recipients(entry)
            if not recipients:
                raise exceptions.ValidationError({"contact": ["The entry reaches nobody yet: name a contact."]})
            contact = recipients[0]
        check_contacts_of(entry.account, [contact], field="contact")
        preview = selectors.entry_preview(entry=entry, contact=contact)
        return Response(
            PreviewSerializer(
                {
                    "contact": contact.pk,
                    "subject": preview.subject,
                    "body": preview.body,
                    "missing": list(preview.missing),
                    "unknown": list(preview.unknown),
                }
            ).data
        )
