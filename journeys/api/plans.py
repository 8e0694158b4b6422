"""REST API of success plans: objectives (with progress and current value), their measurements
(objective-measurements) and milestones. Writes go through journeys.services.plans, and a write
on any of them is an edit of the account the plan belongs to. Registered in config/api_urls.py."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts import selectors as account_selectors
from accounts.models import Account
from core.api import (
    NamedChoiceField,
    TenantFilterSet,
    TenantPrimaryKeyRelatedField,
    TenantViewSetMixin,
    require_edit,
    validated,
)
from tenancy.models import Tenant, User
from tenancy.permissions import RolePermission

from ..models import Measurement, Milestone, Objective, ObjectiveStatus
from ..selectors import plans as selectors
from ..services import plans as services

READ_WRITE = ["get", "post", "patch", "delete", "head", "options"]


def _accounts(tenant: Tenant) -> QuerySet[Account]:
    return account_selectors.account_list(tenant=tenant)


def _owners(tenant: Tenant) -> QuerySet[User]:
    return account_selectors.assignable_owners(tenant=tenant)


def _objectives(tenant: Tenant) -> QuerySet[Objective]:
    return selectors.objective_list(tenant=tenant)


class PlanPermission(RolePermission):
    """A success plan is part of its account: a CSM changes the plans of the accounts they own.

    An objective's own `owner` answers for the outcome; it does not decide who may edit it.
    """

    def has_object_permission(self, request, view, obj) -> bool:
        return super().has_object_permission(request, view, view.account_of(obj))


class ObjectiveSerializer(serializers.ModelSerializer):
    status = NamedChoiceField(choices=ObjectiveStatus.choices, enum_name="ObjectiveStatusEnum", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    progress = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Achieved against target, 0-1; null before the first measurement."
    )

    class Meta:
        model = Objective
        fields = [
            "id",
            "account",
            "account_name",
            "title",
            "metric",
            "unit",
            "baseline",
            "target",
            "due_on",
            "source",
            "calculation",
            "owner",
            "status",
            "current",
            "current_on",
            "progress",
            "created_at",
        ]
        read_only_fields = fields


class ObjectiveWriteSerializer(serializers.ModelSerializer):
    """What a client sets; `current` follows the latest measurement and is never written here."""

    account = TenantPrimaryKeyRelatedField(model=Account, rows=_accounts, help_text="Fixed once created.")
    owner = TenantPrimaryKeyRelatedField(model=User, rows=_owners, required=False, allow_null=True)
    status = NamedChoiceField(choices=ObjectiveStatus.choices, enum_name="ObjectiveStatusEnum", required=False)

    class Meta:
        model = Objective
        fields = ["account", *sorted(services.OBJECTIVE_FIELDS)]


class ObjectiveFilter(TenantFilterSet):
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    owner = filters.NumberFilter(field_name="owner_id", help_text="The objective owner's user id.")
    status = filters.ChoiceFilter(choices=ObjectiveStatus.choices)
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte", help_text="Due on or before this day.")

    class Meta:
        model = Objective
        fields = ["account", "owner", "status", "due_before"]


class ObjectiveViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Success-plan objectives: the business metric an account bought for, its baseline, target and
    due date, how it is measured, and where it stands (`current`, the latest measurement by date,
    and `progress`, achieved against target, which works for lower-is-better metrics too).
    Deleting one deletes its measurements; its milestones stay."""

    model = Objective
    serializer_class = ObjectiveSerializer
    filterset_class = ObjectiveFilter
    permission_classes = [PlanPermission]
    lookup_url_kwarg = "objective_id"
    http_method_names = READ_WRITE
    ordering_fields = ["due_on", "created_at"]
    search_fields = ["title", "metric"]

    def tenant_queryset(self, tenant):
        return selectors.objective_list(tenant=tenant).order_by("due_on", "id")

    def account_of(self, objective: Objective) -> Account:
        return objective.account

    @extend_schema(request=ObjectiveWriteSerializer, responses={201: ObjectiveSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(ObjectiveWriteSerializer(data=request.data, context={"request": request}))
        account = data.pop("account")
        require_edit(request, account)
        objective = services.objective_create(tenant=request.tenant, account=account, **data)
        return Response(ObjectiveSerializer(objective).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ObjectiveWriteSerializer, responses=ObjectiveSerializer)
    def partial_update(self, request, *args, **kwargs):
        objective = self.get_object()
        serializer = ObjectiveWriteSerializer(objective, data=request.data, partial=True, context={"request": request})
        data = validated(serializer)
        if "account" in data and data.pop("account") != objective.account:
            raise exceptions.ValidationError({"account": ["An objective stays with its account; add it to the other."]})
        return Response(ObjectiveSerializer(services.objective_update(objective=objective, **data)).data)

    def destroy(self, request, *args, **kwargs):
        services.objective_delete(objective=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeasurementSerializer(serializers.ModelSerializer):
    objective = TenantPrimaryKeyRelatedField(model=Objective, rows=_objectives)

    class Meta:
        model = Measurement
        fields = ["id", "objective", "value", "measured_on", "note", "by", "created_at"]
        read_only_fields = ["id", "by", "created_at"]


class MeasurementFilter(TenantFilterSet):
    objective = filters.NumberFilter(field_name="objective_id", help_text="An objective id.")
    account = filters.NumberFilter(field_name="objective__account_id", help_text="An account id.")

    class Meta:
        model = Measurement
        fields = ["objective", "account"]


class MeasurementViewSet(
    TenantViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Recorded values of objectives' metrics, oldest first. Recording one moves the objective's
    `current` when it is the latest by date (an older one only fills the history) and its status to
    achieved once the target is reached; deleting the latest falls back to the one before. A wrong
    value is deleted and recorded again, never edited."""

    model = Measurement
    serializer_class = MeasurementSerializer
    filterset_class = MeasurementFilter
    permission_classes = [PlanPermission]
    lookup_url_kwarg = "measurement_id"
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering_fields = ["measured_on", "created_at"]
    search_fields: list[str] = []

    def tenant_queryset(self, tenant):
        return selectors.measurement_list(tenant=tenant).select_related("objective__account")

    def account_of(self, measurement: Measurement) -> Account:
        return measurement.objective.account

    def create(self, request, *args, **kwargs):
        data = validated(MeasurementSerializer(data=request.data, context={"request": request}))
        require_edit(request, data["objective"].account)
        measurement = services.measurement_record(by=request.user, **data)
        return Response(MeasurementSerializer(measurement).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.measurement_delete(measurement=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MilestoneSerializer(serializers.ModelSerializer):
    account = TenantPrimaryKeyRelatedField(model=Account, rows=_accounts, help_text="Fixed once created.")
    objective = TenantPrimaryKeyRelatedField(
        model=Objective, rows=_objectives, required=False, allow_null=True, help_text="One of the account's objectives."
    )

    class Meta:
        model = Milestone
        fields = ["id", "account", "objective", "title", "due_on", "done_on", "note"]
        read_only_fields = ["id"]


class MilestoneFilter(TenantFilterSet):
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    objective = filters.NumberFilter(field_name="objective_id", help_text="An objective id.")
    done = filters.BooleanFilter(field_name="done_on", lookup_expr="isnull", exclude=True, help_text="Done or not.")
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte", help_text="Due on or before this day.")

    class Meta:
        model = Milestone
        fields = ["account", "objective", "done", "due_before"]


class MilestoneViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Dated steps of an account's success plan, optionally towards one of its objectives; PATCH
    `done_on` to complete one."""

    model = Milestone
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    permission_classes = [PlanPermission]
    lookup_url_kwarg = "milestone_id"
    http_method_names = READ_WRITE
    ordering_fields = ["due_on", "done_on"]
    search_fields = ["title"]

    def tenant_queryset(self, tenant):
        return selectors.milestone_list(tenant=tenant)

    def account_of(self, milestone: Milestone) -> Account:
        return milestone.account

    def create(self, request, *args, **kwargs):
        data = validated(MilestoneSerializer(data=request.data, context={"request": request}))
        account = data.pop("account")
        require_edit(request, account)
        milestone = services.milestone_create(tenant=request.tenant, account=account, **data)
        return Response(
            MilestoneSerializer(milestone, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request, *args, **kwargs):
        milestone = self.get_object()
        serializer = MilestoneSerializer(milestone, data=request.data, partial=True, context={"request": request})
        data = validated(serializer)
        if "account" in data and data.pop("account") != milestone.account:
            raise exceptions.ValidationError({"account": ["A milestone stays with its account; add it to the other."]})
        milestone = services.milestone_update(milestone=milestone, **data)
        return Response(self.get_serializer(milestone).data)

    def destroy(self, request, *args, **kwargs):
        services.milestone_delete(milestone=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
