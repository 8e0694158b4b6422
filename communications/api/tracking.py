"""REST API of what left the outbox and what came back: deliveries (one message to one contact), engagement
events (opens and clicks tracked, replies and meetings logged here), and the in-app messages the customer's
product fetches for a contact (in-app-messages, with `read`).

Viewers read; a CSM logs engagement on the entries of accounts they own; leaders and admins any.
"""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Contact
from core.api import (
    DateTimeField,
    DateTimeFilter,
    NamedChoiceField,
    TenantFilterSet,
    TenantPrimaryKeyRelatedField,
    TenantViewSetMixin,
    validated,
)
from tenancy.permissions import Capability, RolePermission, membership_can

from ..models import CalendarEntry, Channel, Delivery, DeliveryStatus, EngagementEvent, EngagementKind
from ..services import tracking
from .calendar import TenantDateTimeField, channel_field, tenant_contacts, tenant_entries


def delivery_status_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=DeliveryStatus.choices, enum_name="DeliveryStatusEnum", **kwargs)


def engagement_kind_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=EngagementKind.choices, enum_name="EngagementKindEnum", **kwargs)


IN_APP_SHOWN = (DeliveryStatus.AVAILABLE, DeliveryStatus.READ)


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
