"""REST API of product usage: the event catalogue, daily rollups, ingestion errors and settings.

Events themselves arrive through the tracking API (/v1/batch and friends), not here.
"""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import TenantFilterSet, TenantViewSetMixin
from tenancy.permissions import Capability

from ..models import EventDefinition, EventRollup, IngestionError
from ..selectors import usage as selectors
from ..services import usage as services


class EventDefinitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EventDefinition
        fields = [
            "id",
            "name",
            "points",
            "is_core",
            "is_advanced",
            "is_locked",
            "is_upgrade_page",
            "volume",
            "first_seen_at",
            "last_seen_at",
        ]
        read_only_fields = ["id", "name", "volume", "first_seen_at", "last_seen_at"]


class EventRollupSerializer(serializers.ModelSerializer):
    class Meta:
        model = EventRollup
        fields = ["account", "contact", "name", "day", "count", "points"]
        read_only_fields = fields


class IngestionErrorSerializer(serializers.ModelSerializer):
    class Meta:
        model = IngestionError
        fields = ["id", "received_at", "kind", "message_id", "reason", "payload"]
        read_only_fields = fields


class IngestionSettingsSerializer(serializers.Serializer):
    group_traits = serializers.DictField(
        child=serializers.CharField(), help_text="Group trait -> account field or cf_<custom field key>."
    )
    create_unknown_accounts = serializers.BooleanField()
    raw_retention_days = serializers.IntegerField(min_value=1, max_value=services.MAX_RETENTION_DAYS)


class EventDefinitionViewSet(
    TenantViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The event catalogue: every event name the product has sent. Everyone reads it; admins set
    an event's points and flags, and new points re-weight its rollups at once."""

    model = EventDefinition
    serializer_class = EventDefinitionSerializer
    lookup_url_kwarg = "event_definition_id"
    write_capability = Capability.CONFIGURE
    http_method_names = ["get", "patch", "head", "options"]
    search_fields = ["name"]
    ordering_fields = ["name", "volume", "last_seen_at", "points"]

    def tenant_queryset(self, tenant):
        return selectors.event_definition_list(tenant=tenant)

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.event_definition_update(definition=serializer.instance, **data)


class EventRollupFilter(TenantFilterSet):
    account = filters.NumberFilter(field_name="account_id")
    contact = filters.NumberFilter(field_name="contact_id")
    day_from = filters.DateFilter(field_name="day", lookup_expr="gte")
    day_to = filters.DateFilter(field_name="day", lookup_expr="lte")

    class Meta:
        model = EventRollup
        fields = ["account", "contact", "name", "day_from", "day_to"]


class EventRollupViewSet(TenantViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Daily usage per account, contact (empty for anonymous or unknown people) and event, in the
    tenant's time zone: what health reads. Filter by account, contact, name and day range."""

    model = EventRollup
    serializer_class = EventRollupSerializer
    filterset_class = EventRollupFilter
    ordering_fields = ["day", "count", "points"]
    search_fields: list[str] = []

    def tenant_queryset(self, tenant):
        return selectors.rollup_list(tenant=tenant)


class IngestionErrorViewSet(TenantViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Events the tracking API refused inside a valid request, and notes on stored events, newest
    first; for admins and CS leaders."""

    model = IngestionError
    serializer_class = IngestionErrorSerializer
    read_capability = Capability.MANAGE
    filter_backends: list = []

    def tenant_queryset(self, tenant):
        return selectors.ingestion_error_list(tenant=tenant)


class IngestionSettingsView(GenericAPIView):
    """How group traits fill account fields, whether group calls create accounts, and how long raw
    events are kept. Admins only."""

    serializer_class = IngestionSettingsSerializer
    read_capability = write_capability = Capability.CONFIGURE

    def _data(self) -> dict:
        current = selectors.ingestion_settings_for(tenant=self.request.tenant)
        return {
            "group_traits": selectors.group_trait_mapping(current),
            "create_unknown_accounts": current.create_unknown_accounts,
            "raw_retention_days": current.raw_retention_days,
        }

    def get(self, request):
        return Response(IngestionSettingsSerializer(self._data()).data)

    @extend_schema(request=IngestionSettingsSerializer, responses=IngestionSettingsSerializer)
    def patch(self, request):
        serializer = IngestionSettingsSerializer(data={**self._data(), **request.data})
        serializer.is_valid(raise_exception=True)
        services.ingestion_settings_update(tenant=request.tenant, **serializer.validated_data)
        return Response(IngestionSettingsSerializer(self._data()).data)
