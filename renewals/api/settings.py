"""REST API of a tenant's renewal settings: the runway steps per segment (runway-steps), the churn and
contraction reasons (outcome-reasons) and the rules (renewal-settings). Members read; admins change them,
through renewals.services.settings. Open renewals keep the runway they were given."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.models import Segment
from core.api import NamedChoiceField, TenantFilterSet, TenantViewSetMixin, validated
from tenancy.permissions import Capability

from .. import services
from ..models import OutcomeReason, ReasonApplies, RenewalSettings, RunwayStep
from .serializers import segment_choice

WRITABLE = ["get", "post", "patch", "delete", "head", "options"]


class RunwayStepSerializer(serializers.ModelSerializer):
    segment = segment_choice()

    class Meta:
        model = RunwayStep
        fields = ["id", "segment", "days_before", "title", "description", "is_active"]
        read_only_fields = ["id"]
        # The one-step-per-day rule is the service's, with its own message.
        validators: list = []


class RunwayStepUpdateSerializer(RunwayStepSerializer):
    """A step stays in its segment; add one to the other segment instead."""

    segment = segment_choice(read_only=True)


class RunwayStepFilter(TenantFilterSet):
    segment = filters.ChoiceFilter(choices=Segment.choices)

    class Meta:
        model = RunwayStep
        fields = ["segment", "is_active"]


class RunwayStepViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The checkpoints of each segment's renewal runway (T-minus days before the contract's end, a title and
    what to do), the seed's until an admin changes them. A new renewal gets the active steps of its segment."""

    model = RunwayStep
    serializer_class = RunwayStepSerializer
    filterset_class = RunwayStepFilter
    lookup_url_kwarg = "runway_step_id"
    write_capability = Capability.CONFIGURE
    http_method_names = WRITABLE
    ordering_fields: list[str] = []
    search_fields: list[str] = []

    def tenant_queryset(self, tenant) -> QuerySet[RunwayStep]:
        return RunwayStep.objects.filter(tenant=tenant).order_by("segment", "-days_before", "id")

    def list(self, request, *args, **kwargs):
        services.runway_steps(tenant=request.tenant, include_inactive=True)
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RunwayStepSerializer, responses={201: RunwayStepSerializer})
    def create(self, request, *args, **kwargs):
        # Seed first: the tenant's first own step must not stop the seed's from being made.
        services.runway_steps(tenant=request.tenant)
        data = validated(RunwayStepSerializer(data=request.data, context={"request": request}))
        step = services.runway_step_save(step=RunwayStep(tenant=request.tenant, **data))
        return Response(RunwayStepSerializer(step).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RunwayStepUpdateSerializer, responses=RunwayStepSerializer)
    def partial_update(self, request, *args, **kwargs):
        step = self.get_object()
        serializer = RunwayStepUpdateSerializer(step, data=request.data, partial=True, context={"request": request})
        for name, value in validated(serializer).items():
            setattr(step, name, value)
        return Response(RunwayStepSerializer(services.runway_step_save(step=step)).data)

    def destroy(self, request, *args, **kwargs):
        services.runway_step_delete(step=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class OutcomeReasonSerializer(serializers.ModelSerializer):
    applies_to = NamedChoiceField(
        choices=ReasonApplies.choices, enum_name="OutcomeReasonAppliesEnum", default=ReasonApplies.BOTH
    )

    class Meta:
        model = OutcomeReason
        fields = ["id", "label", "applies_to", "position", "is_active"]
        read_only_fields = ["id"]
        validators: list = []


class OutcomeReasonFilter(TenantFilterSet):
    applies_to = filters.ChoiceFilter(choices=ReasonApplies.choices)

    class Meta:
        model = OutcomeReason
        fields = ["applies_to", "is_active"]


class OutcomeReasonViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The reasons a renewal churns or contracts, as the tenant lists them (the seed's until an admin changes
    them). Closed renewals point at them, so a reason no longer in use is deactivated, never deleted."""

    model = OutcomeReason
    serializer_class = OutcomeReasonSerializer
    filterset_class = OutcomeReasonFilter
    lookup_url_kwarg = "outcome_reason_id"
    write_capability = Capability.CONFIGURE
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields: list[str] = []
    search_fields = ["label"]

    def tenant_queryset(self, tenant) -> QuerySet[OutcomeReason]:
        return OutcomeReason.objects.filter(tenant=tenant).order_by("position", "label", "id")

    def list(self, request, *args, **kwargs):
        services.outcome_reasons(tenant=request.tenant, include_inactive=True)
        return super().list(request, *args, **kwargs)

    @extend_schema(request=OutcomeReasonSerializer, responses={201: OutcomeReasonSerializer})
    def create(self, request, *args, **kwargs):
        services.outcome_reasons(tenant=request.tenant)
        data = validated(OutcomeReasonSerializer(data=request.data, context={"request": request}))
        reason = services.outcome_reason_save(reason=OutcomeReason(tenant=request.tenant, **data))
        return Response(OutcomeReasonSerializer(reason).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OutcomeReasonSerializer, responses=OutcomeReasonSerializer)
    def partial_update(self, request, *args, **kwargs):
        reason = self.get_object()
        serializer = OutcomeReasonSerializer(reason, data=request.data, partial=True, context={"request": request})
        for name, value in validated(serializer).items():
            setattr(reason, name, value)
        return Response(OutcomeReasonSerializer(services.outcome_reason_save(reason=reason)).data)


class RenewalSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = RenewalSettings
        fields = ["review_window_days", "product_led_auto_renew", "default_notice_days", "expansion_estimate_pct"]


class RenewalSettingsView(GenericAPIView):
    """The tenant's renewal rules: how late in the runway an override the data disagrees with is flagged for
    the leader, whether product-led contracts auto-renew, the default notice period, and how a signal's
    expansion opportunity is first valued. Members read; admins change them."""

    serializer_class = RenewalSettingsSerializer
    write_capability = Capability.CONFIGURE
    pagination_class = None
    filter_backends: list = []

    def get(self, request):
        return Response(RenewalSettingsSerializer(services.renewal_settings(tenant=request.tenant)).data)

    @extend_schema(request=RenewalSettingsSerializer, responses=RenewalSettingsSerializer)
    def patch(self, request):
        data = validated(RenewalSettingsSerializer(data=request.data, partial=True))
        return Response(RenewalSettingsSerializer(services.renewal_settings_update(tenant=request.tenant, **data)).data)
