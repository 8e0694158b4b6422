"""API of the service model: tiers with their economics, custom fields, and the tenant's tier history."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from core.api import WRITE_METHODS, TenantFilterSet, TenantViewSetMixin, validated
from tenancy.permissions import Capability

from .. import selectors, services
from ..models import CustomFieldDefinition, ServiceTier, TierChange, TierChangeReason
from .book_serializers import TierChangeSerializer
from .configuration_serializers import CustomFieldSerializer, ServiceTierSavedSerializer, ServiceTierSerializer


class ServiceTierViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Service tiers with what they carry and cost today. Everyone reads; admins create and change them.

    Changing a tier's ACV band moves every account that follows the ACV rule; the
    response says how many moved (`accounts_moved`).
    """

    model = ServiceTier
    serializer_class = ServiceTierSerializer
    lookup_url_kwarg = "tier_id"
    write_capability = Capability.CONFIGURE
    http_method_names = ["get", "post", "patch", "head", "options"]
    filter_backends = []  # a handful of rows in rank order

    def tenant_queryset(self, tenant):
        return selectors.tier_list(tenant=tenant)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            # Once per response, for every tier: the report is a handful of aggregate queries.
            report = selectors.tier_report(tenant=self.request.tenant)
            context["tier_report"] = {row["tier"].pk: row for row in report}
        return context

    def _saved(self, tier: ServiceTier, moved: int, code: int = status.HTTP_200_OK) -> Response:
        tier.accounts_moved = moved
        return Response(ServiceTierSavedSerializer(tier, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=ServiceTierSerializer, responses={201: ServiceTierSavedSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(ServiceTierSerializer(data=request.data, context={"request": request}))
        tier, moved = services.tier_save(tier=ServiceTier(tenant=request.tenant, **data), by=request.user)
        return self._saved(tier, moved, status.HTTP_201_CREATED)

    @extend_schema(request=ServiceTierSerializer, responses=ServiceTierSavedSerializer)
    def partial_update(self, request, *args, **kwargs):
        tier = self.get_object()
        data = validated(ServiceTierSerializer(tier, data=request.data, partial=True, context={"request": request}))
        for name, value in data.items():
            setattr(tier, name, value)
        tier, moved = services.tier_save(tier=tier, by=request.user)
        return self._saved(tier, moved)


class CustomFieldDefinitionViewSet(
    TenantViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Fields admins add to accounts. Everyone reads them; admins define, change and delete them.

    Deleting a definition removes its values from every account too (`custom_field_delete`,
    as on the settings page), so a field defined later under the same key starts empty.
    """

    model = CustomFieldDefinition
    serializer_class = CustomFieldSerializer
    lookup_url_kwarg = "custom_field_id"
    write_capability = Capability.CONFIGURE
    http_method_names = WRITE_METHODS
    filter_backends = []  # a handful of rows in the order the forms show them

    def tenant_queryset(self, tenant):
        return selectors.custom_field_list(tenant=tenant)

    @extend_schema(responses={201: CustomFieldSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(CustomFieldSerializer(data=request.data, context={"request": request}))
        definition = services.custom_field_define(tenant=request.tenant, **data)
        return Response(CustomFieldSerializer(definition).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        definition = self.get_object()
        serializer = CustomFieldSerializer(definition, data=request.data, partial=True, context={"request": request})
        definition = services.custom_field_update(definition=definition, **validated(serializer))
        return Response(CustomFieldSerializer(definition).data)

    def perform_destroy(self, instance: CustomFieldDefinition) -> None:
        services.custom_field_delete(definition=instance)


class TierChangeFilter(TenantFilterSet):
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    reason = filters.ChoiceFilter(choices=TierChangeReason.choices)

    class Meta:
        model = TierChange
        fields = ["account", "reason"]


class TierChangeViewSet(TenantViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every move of an account between tiers in the tenant, newest first: from where, to where, why, by whom."""

    model = TierChange
    serializer_class = TierChangeSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = TierChangeFilter

    def tenant_queryset(self, tenant):
        return selectors.tier_change_list(tenant=tenant)
