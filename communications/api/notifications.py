"""REST API of internal notifications (read only): what the team was told, on Slack and by email."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets

from core.api import NamedChoiceField, TenantFilterSet, TenantViewSetMixin

from ..models import Notification, NotificationStatus
from .calendar import filter_owner


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
