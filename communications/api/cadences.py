"""REST API of cadences (templates of touchpoints at offsets from an anchor), their steps (cadence-steps) and
the enrolments of accounts in them (enrollments, with `exit`).

Everyone reads; admins configure cadences and their steps; a CSM enrols the accounts they own and ends their
enrolments, leaders and admins any.
"""

from django.db.models import Count, Prefetch, Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Account
from core.api import NamedChoiceField, TenantFilterSet, TenantPrimaryKeyRelatedField, TenantViewSetMixin, validated
from health.peers import Band
from tenancy.models import Tenant
from tenancy.permissions import Capability, membership_can

from .. import selectors
from ..models import Cadence, CadenceAnchor, CadenceStep, Enrollment, EnrollmentStatus
from ..services import cadences as cadence_services
from ..services import enrollment_end
from .calendar import audience_role_field, channel_field, message_type_field, team_field, tenant_accounts


def anchor_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=CadenceAnchor.choices, enum_name="CadenceAnchorEnum", **kwargs)


def tenant_cadences(tenant: Tenant) -> QuerySet[Cadence]:
    return Cadence.objects.filter(tenant=tenant)


# --- cadences and steps ------------------------------------------------------------------------------------------


class CadenceStepSerializer(serializers.ModelSerializer):
    message_type = message_type_field()
    channel = channel_field(required=False)
    team = team_field(required=False)
    audience_role = audience_role_field(required=False)
    send_hour = serializers.IntegerField(min_value=0, max_value=23, required=False, help_text="Local hour (0-23).")
    offset_days = serializers.IntegerField(help_text="Days from the anchor; negative before it (T-90 is -90).")
    fallbacks = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    cadence = TenantPrimaryKeyRelatedField(model=Cadence, rows=tenant_cadences)

    class Meta:
        model = CadenceStep
        fields = [
            "id",
            "cadence",
            "position",
            "offset_days",
            "send_hour",
            "message_type",
            "channel",
            "team",
            "audience_role",
            "subject",
            "body",
            "fallbacks",
        ]
        read_only_fields = ["id"]
        extra_kwargs = {"position": {"required": False}, "body": {"required": False}}


class CadenceStepUpdateSerializer(CadenceStepSerializer):
    cadence = serializers.PrimaryKeyRelatedField(read_only=True)


class CadenceSerializer(serializers.ModelSerializer):
    anchor = anchor_field(help_text="What the steps count from; set once.")
    health_bands = serializers.ListField(
        child=NamedChoiceField(choices=Band.choices, enum_name="CadenceHealthBandEnum"),
        required=False,
        help_text="Accounts in these bands are enrolled automatically; empty: any.",
    )
    steps = CadenceStepSerializer(many=True, read_only=True)
    active_enrollments = serializers.IntegerField(source="active_count", read_only=True)

    class Meta:
        model = Cadence
        fields = [
            "id",
            "key",
            "name",
            "description",
            "anchor",
            "trigger",
            "health_bands",
            "is_active",
            "created_at",
            "active_enrollments",
            "steps",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"description": {"required": False}, "trigger": {"required": False}}


class CadenceUpdateSerializer(CadenceSerializer):
    """Key and anchor are set once: the steps' dates count from the anchor."""

    anchor = anchor_field(read_only=True)

    class Meta(CadenceSerializer.Meta):
        read_only_fields = ["id", "key", "created_at"]


class CadenceFilter(TenantFilterSet):
    anchor = filters.ChoiceFilter(choices=CadenceAnchor.choices)
    is_active = filters.BooleanFilter()
    key = filters.CharFilter()

    class Meta:
        model = Cadence
        fields = ["anchor", "is_active", "key"]


class CadenceViewSet(
    TenantViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Cadences with their steps and how many accounts are enrolled now. Admins create and change them
    (switched off, never deleted: a default does not come back)."""

    model = Cadence
    serializer_class = CadenceSerializer
    filterset_class = CadenceFilter
    write_capability = Capability.CONFIGURE
    lookup_url_kwarg = "cadence_id"
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["name"]
    search_fields = ["name", "key"]

    def tenant_queryset(self, tenant) -> QuerySet[Cadence]:
        steps = CadenceStep.objects.filter(tenant=tenant).order_by("offset_days", "position", "id")
        return (
            Cadence.objects.filter(tenant=tenant)
            .annotate(active_count=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.ACTIVE)))
            .prefetch_related(Prefetch("steps", queryset=steps))
            .order_by("name", "id")
        )

    def list(self, request, *args, **kwargs):
        # The seed's cadences are there from the first look, as on the cadences page.
        cadence_services.cadences_ensure_defaults(tenant=request.tenant)
        return super().list(request, *args, **kwargs)

    def get_serializer_class(self):
        return CadenceUpdateSerializer if self.action == "partial_update" else CadenceSerializer

    def _answer(self, cadence: Cadence, code: int = status.HTTP_200_OK) -> Response:
        cadence = self.tenant_queryset(self.request.tenant).get(pk=cadence.pk)
        return Response(CadenceSerializer(cadence, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        data = validated(CadenceSerializer(data=request.data, context=self.get_serializer_context()))
        cadence = cadence_services.cadence_save(tenant=request.tenant, **data)
        return self._answer(cadence, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        cadence = self.get_object()
        data = validated(
            CadenceUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        )
        cadence = cadence_services.cadence_save(tenant=request.tenant, cadence=cadence, **data)
        return self._answer(cadence)


class CadenceStepFilter(TenantFilterSet):
    cadence = filters.NumberFilter(field_name="cadence_id", help_text="A cadence id.")

    class Meta:
        model = CadenceStep
        fields = ["cadence"]


class CadenceStepViewSet(
    TenantViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The steps of cadences, in order: each a calendar entry template (type, channel, team, audience, subject
    and body with merge fields) at `offset_days` from the anchor and a local `send_hour`. Admins change them;
    deleting a step keeps the entries already planned from it."""

    model = CadenceStep
    serializer_class = CadenceStepSerializer
    filterset_class = CadenceStepFilter
    write_capability = Capability.CONFIGURE
    lookup_url_kwarg = "step_id"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering_fields = ["offset_days"]
    search_fields = ["subject"]

    def tenant_queryset(self, tenant) -> QuerySet[CadenceStep]:
        return CadenceStep.objects.filter(tenant=tenant).order_by("cadence", "offset_days", "position", "id")

    def get_serializer_class(self):
        return CadenceStepUpdateSerializer if self.action == "partial_update" else CadenceStepSerializer

    def create(self, request, *args, **kwargs):
        data = validated(CadenceStepSerializer(data=request.data, context=self.get_serializer_context()))
        step = cadence_services.cadence_step_save(cadence=data.pop("cadence"), **data)
        return Response(CadenceStepSerializer(step).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        step = self.get_object()
        data = validated(
            CadenceStepUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        )
        step = cadence_services.cadence_step_save(cadence=step.cadence, step=step, **data)
        return Response(CadenceStepSerializer(step).data)

    def perform_destroy(self, instance: CadenceStep) -> None:
        cadence_services.cadence_step_delete(step=instance)


# --- enrolments --------------------------------------------------------------------------------------------------


class EnrollmentSerializer(serializers.ModelSerializer):
    cadence_name = serializers.CharField(source="cadence.name", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    owner = serializers.IntegerField(source="account.owner_id", read_only=True, allow_null=True)
    status = NamedChoiceField(choices=EnrollmentStatus.choices, enum_name="EnrollmentStatusEnum", read_only=True)
    sent = serializers.IntegerField(source="sent_count", read_only=True, help_text="Its entries sent.")
    planned = serializers.IntegerField(source="planned_count", read_only=True, help_text="Its entries still to go.")
    cancelled = serializers.IntegerField(source="cancelled_count", read_only=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "cadence",
            "cadence_name",
            "account",
            "account_name",
            "owner",
            "anchor_on",
            "anchor_ref",
            "status",
            "exit_reason",
            "enrolled_by",
            "enrolled_at",
            "ended_at",
            "sent",
            "planned",
            "cancelled",
        ]
        read_only_fields = fields


class EnrolSerializer(serializers.Serializer):
    cadence = TenantPrimaryKeyRelatedField(model=Cadence, rows=tenant_cadences)
    account = TenantPrimaryKeyRelatedField(model=Account, rows=tenant_accounts)
    anchor_on = serializers.DateField(
        help_text="The anchor's day (stage entered, renewal date...); steps count from it."
    )
    anchor_ref = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class ExitSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why: the cancelled messages show it.")


class EnrollmentFilter(TenantFilterSet):
    cadence = filters.NumberFilter(field_name="cadence_id", help_text="A cadence id.")
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    status = filters.ChoiceFilter(choices=EnrollmentStatus.choices)

    class Meta:
        model = Enrollment
        fields = ["cadence", "account", "status"]


class EnrollmentViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Accounts in cadences, newest first, with how many of their entries were sent, are still to go and were
    cancelled. POST enrols an account (its calendar entries are planned at once, under the usual rules; a second
    enrolment on the same anchor answers the first); `exit` ends one and cancels what was not sent yet. An
    enrolment is `completed` (with `ended_at`, and `exit_reason` saying what its entries came to) once every
    one of its entries was sent, failed or cancelled."""

    model = Enrollment
    serializer_class = EnrollmentSerializer
    filterset_class = EnrollmentFilter
    lookup_url_kwarg = "enrollment_id"
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["enrolled_at", "anchor_on"]
    search_fields = ["account__name", "cadence__name"]

    def tenant_queryset(self, tenant) -> QuerySet[Enrollment]:
        return selectors.enrollments_filtered(tenant=tenant)

    def _answer(self, enrollment: Enrollment, code: int = status.HTTP_200_OK) -> Response:
        enrollment = self.tenant_queryset(self.request.tenant).get(pk=enrollment.pk)
        return Response(self.get_serializer(enrollment).data, status=code)

    @extend_schema(request=EnrolSerializer, responses={201: EnrollmentSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(EnrolSerializer(data=request.data, context=self.get_serializer_context()))
        if not membership_can(request.membership, Capability.EDIT, data["account"]):
            raise exceptions.PermissionDenied("CSMs enrol only the accounts they own.")
        enrollment = cadence_services.enrollment_enrol(by=request.user, **data)
        return self._answer(enrollment, status.HTTP_201_CREATED)

    @extend_schema(request=ExitSerializer, responses=EnrollmentSerializer)
    @action(detail=True, methods=["post"])
    def exit(self, request, *args, **kwargs):
        enrollment = self.get_object()
        data = validated(ExitSerializer(data=request.data))
        enrollment = enrollment_end.enrollment_exit(enrollment=enrollment, reason=data["reason"], by=request.user)
        return self._answer(enrollment)
