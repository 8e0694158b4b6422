"""REST API of what left the outbox and what came back: deliveries (one message to one contact), engagement
events (opens and clicks tracked, replies and meetings logged here), the owners' tasks for calls, webinars,
community posts and SMS (communication-tasks, with `done`), internal notifications, and the in-app messages
the customer's product fetches for a contact (in-app-messages, with `read`).

Viewers read; a CSM logs engagement on the entries of accounts they own and completes their own tasks;
leaders and admins any.
"""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Contact
from core.api import NamedChoiceField, TenantPrimaryKeyRelatedField, validated
from tenancy.api_support import DateTimeField, TenantViewSetMixin
from tenancy.filters import DateTimeFilter, TenantFilterSet
from tenancy.permissions import Capability, RolePermission, membership_can

from .. import selectors
from ..models import (
    CalendarEntry,
    Channel,
    Delivery,
    DeliveryStatus,
    EngagementEvent,
    EngagementKind,
    Notification,
    NotificationStatus,
    OwnerTask,
    OwnerTaskStatus,
)
from ..services import owner_tasks as task_services
from ..services import tracking
from .fields import (
    TenantDateTimeField,
    channel_field,
    delivery_status_field,
    engagement_kind_field,
    filter_owner,
    task_status_field,
    tenant_contacts,
    tenant_entries,
)

IN_APP_SHOWN = (DeliveryStatus.AVAILABLE, DeliveryStatus.READ)

# --- deliveries --------------------------------------------------------------------------------------------------


class DeliverySerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    account = serializers.IntegerField(source="entry.account_id", read_only=True)
    channel = channel_field(read_only=True)
    status = delivery_status_field(read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "entry",
            "account",
            "contact",
            "contact_name",
            "channel",
            "status",
            "to_address",
            "subject",
            "body",
            "message_id",
            "error",
            "created_at",
            "opened_at",
            "clicked_at",
            "read_at",
            "open_count",
            "click_count",
        ]
        read_only_fields = fields


class DeliveryFilter(TenantFilterSet):
    entry = filters.NumberFilter(field_name="entry_id", help_text="A calendar entry id.")
    contact = filters.NumberFilter(field_name="contact_id", help_text="A contact id.")
    account = filters.NumberFilter(field_name="entry__account_id", help_text="An account id.")
    status = filters.ChoiceFilter(choices=DeliveryStatus.choices)
    channel = filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = Delivery
        fields = ["entry", "contact", "account", "status", "channel"]


class DeliveryViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every message to every contact, newest first, as it was sent (subject and body rendered for that
    person), suppressed by a preference (with the reason in `error`) or failed; opens and clicks counted."""

    model = Delivery
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilter
    lookup_url_kwarg = "delivery_id"
    http_method_names = ["get", "head", "options"]
    ordering_fields = ["created_at"]
    search_fields = ["subject", "to_address", "contact__name"]

    def tenant_queryset(self, tenant) -> QuerySet[Delivery]:
        return Delivery.objects.filter(tenant=tenant).select_related("entry", "contact").order_by("-created_at", "-id")


# --- engagement events -------------------------------------------------------------------------------------------


class EngagementEventSerializer(serializers.ModelSerializer):
    kind = engagement_kind_field(read_only=True)
    account = serializers.IntegerField(source="entry.account_id", read_only=True)

    class Meta:
        model = EngagementEvent
        fields = ["id", "entry", "account", "delivery", "contact", "kind", "url", "note", "logged_by", "at"]
        read_only_fields = fields


class EngagementLogSerializer(serializers.Serializer):
    entry = TenantPrimaryKeyRelatedField(model=CalendarEntry, rows=tenant_entries)
    kind = NamedChoiceField(
        choices=[(k, v) for k, v in EngagementKind.choices if k in tracking.LOGGED_KINDS],
        enum_name="EngagementLoggedKindEnum",
        help_text="A reply or a meeting; opens and clicks are tracked by themselves.",
    )
    contact = TenantPrimaryKeyRelatedField(
        model=Contact, rows=tenant_contacts, required=False, allow_null=True, help_text="Who replied or met."
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    at = TenantDateTimeField(required=False, help_text="When it happened; default: now.")


class EngagementEventFilter(TenantFilterSet):
    entry = filters.NumberFilter(field_name="entry_id", help_text="A calendar entry id.")
    contact = filters.NumberFilter(field_name="contact_id", help_text="A contact id.")
    account = filters.NumberFilter(field_name="entry__account_id", help_text="An account id.")
    kind = filters.ChoiceFilter(choices=EngagementKind.choices)
    since = DateTimeFilter(field_name="at", lookup_expr="gte", help_text="At or after (ISO 8601).")

    class Meta:
        model = EngagementEvent
        fields = ["entry", "contact", "account", "kind", "since"]


class EngagementEventViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Opens, clicks and unsubscribes as tracked, and replies and meetings logged by a person, newest first.
    POST logs a reply or a meeting on an entry of an account the caller may change."""

    model = EngagementEvent
    serializer_class = EngagementEventSerializer
    filterset_class = EngagementEventFilter
    lookup_url_kwarg = "event_id"
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["at"]
    search_fields = ["note"]

    def tenant_queryset(self, tenant) -> QuerySet[EngagementEvent]:
        return EngagementEvent.objects.filter(tenant=tenant).select_related("entry").order_by("-at", "-id")

    @extend_schema(request=EngagementLogSerializer, responses={201: EngagementEventSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(EngagementLogSerializer(data=request.data, context=self.get_serializer_context()))
        entry = data["entry"]
        if not membership_can(request.membership, Capability.EDIT, entry.account):
            raise exceptions.PermissionDenied("CSMs log replies and meetings on the accounts they own.")
        event = tracking.engagement_event_log(
            entry=entry,
            kind=data["kind"],
            contact=data.get("contact"),
            note=data["note"],
            by=request.user,
            at=data.get("at"),
        )
        return Response(self.get_serializer(event).data, status=status.HTTP_201_CREATED)


# --- the owners' tasks -------------------------------------------------------------------------------------------


class CommunicationTaskSerializer(serializers.ModelSerializer):
    account = serializers.IntegerField(source="entry.account_id", read_only=True)
    account_name = serializers.CharField(source="entry.account.name", read_only=True)
    subject = serializers.CharField(source="entry.subject", read_only=True)
    channel = channel_field(source="entry.channel", read_only=True)
    status = task_status_field(read_only=True)

    class Meta:
        model = OwnerTask
        fields = ["id", "entry", "account", "account_name", "subject", "channel", "owner", "due_at", "status"]
        fields += ["note", "done_at"]
        read_only_fields = fields


class TaskDoneSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CommunicationTaskFilter(TenantFilterSet):
    owner = filters.CharFilter(method="filter_owner", help_text="'me' (the caller) or the owner's user id.")
    status = filters.ChoiceFilter(choices=OwnerTaskStatus.choices)
    account = filters.NumberFilter(field_name="entry__account_id", help_text="An account id.")
    entry = filters.NumberFilter(field_name="entry_id", help_text="A calendar entry id.")
    due_before = DateTimeFilter(field_name="due_at", lookup_expr="lt", help_text="Due before (ISO 8601).")

    class Meta:
        model = OwnerTask
        fields = ["owner", "status", "account", "entry", "due_before"]

    def filter_owner(self, queryset, name, value):
        return filter_owner(self, queryset, "owner_id", value)


class CommunicationTaskViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Calls, webinars, community posts and SMS the outbox handed to their entry's owner, soonest due first.
    `done` logs one done with a note (its owner, a leader or an admin)."""

    model = OwnerTask
    serializer_class = CommunicationTaskSerializer
    filterset_class = CommunicationTaskFilter
    lookup_url_kwarg = "task_id"
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["due_at"]
    search_fields = ["entry__subject", "entry__account__name"]

    def tenant_queryset(self, tenant) -> QuerySet[OwnerTask]:
        return selectors.owner_tasks(tenant=tenant, status=None)

    @extend_schema(request=TaskDoneSerializer, responses=CommunicationTaskSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, *args, **kwargs):
        task = self.get_object()
        data = validated(TaskDoneSerializer(data=request.data))
        task = task_services.owner_task_complete(task=task, by=request.user, note=data["note"])
        return Response(self.get_serializer(task).data)


# --- internal notifications --------------------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    status = NamedChoiceField(choices=NotificationStatus.choices, enum_name="NotificationStatusEnum", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "account", "recipient", "text", "source_key", "status", "slack_sent", "email_sent"]
        fields += ["error", "attempts", "created_at", "sent_at"]
        read_only_fields = fields


class NotificationFilter(TenantFilterSet):
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    recipient = filters.CharFilter(method="filter_recipient", help_text="'me' (the caller) or a user id.")
    status = filters.ChoiceFilter(choices=NotificationStatus.choices)

    class Meta:
        model = Notification
        fields = ["account", "recipient", "status"]

    def filter_recipient(self, queryset, name, value):
        return filter_owner(self, queryset, "recipient_id", value)


class NotificationViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Internal alerts for CSMs (Slack and email), newest first, with what reached each channel."""

    model = Notification
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    lookup_url_kwarg = "notification_id"
    http_method_names = ["get", "head", "options"]
    ordering_fields = ["created_at"]
    search_fields = ["text"]

    def tenant_queryset(self, tenant) -> QuerySet[Notification]:
        return Notification.objects.filter(tenant=tenant).order_by("-created_at", "-id")


# --- in-app messages ---------------------------------------------------------------------------------------------


class InAppMessageSerializer(serializers.ModelSerializer):
    status = NamedChoiceField(
        choices=[(k, v) for k, v in DeliveryStatus.choices if k in IN_APP_SHOWN],
        enum_name="InAppMessageStatusEnum",
        read_only=True,
    )
    available_at = DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "entry", "contact", "subject", "body", "status", "available_at", "read_at"]
        read_only_fields = fields


class InAppQuerySerializer(serializers.Serializer):
    contact = TenantPrimaryKeyRelatedField(model=Contact, rows=tenant_contacts, help_text="The contact's id.")


class InAppPermission(RolePermission):
    """Marking a message read reports what the contact did: whoever may change the contact may report it."""

    def has_object_permission(self, request, view, obj) -> bool:
        return super().has_object_permission(request, view, obj.contact)


class InAppMessageViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The in-app messages of one contact (`?contact=<id>`, required), newest first: the customer's product
    fetches them with the tenant's API token and shows them; `read` records that the contact read one."""

    model = Delivery
    serializer_class = InAppMessageSerializer
    permission_classes = [InAppPermission]
    lookup_url_kwarg = "delivery_id"
    http_method_names = ["get", "post", "head", "options"]
    filter_backends: list = []

    def tenant_queryset(self, tenant) -> QuerySet[Delivery]:
        return (
            Delivery.objects.filter(tenant=tenant, channel=Channel.IN_APP, status__in=IN_APP_SHOWN)
            .select_related("contact")
            .order_by("-created_at", "-id")
        )

    @extend_schema(parameters=[InAppQuerySerializer])
    def list(self, request, *args, **kwargs):
        query = validated(InAppQuerySerializer(data=request.query_params, context=self.get_serializer_context()))
        messages = self.get_queryset().filter(contact=query["contact"])
        page = self.paginate_queryset(messages)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=None, responses=InAppMessageSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, *args, **kwargs):
        delivery = tracking.delivery_mark_read(delivery=self.get_object())
        return Response(self.get_serializer(delivery).data)
