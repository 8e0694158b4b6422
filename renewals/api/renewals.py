"""REST API of renewals (with `forecast`, `outcome` and `acknowledge`), their checkpoints (renewal-checkpoints,
with `complete`) and the history of forecast changes (forecast-changes).

Viewers read; a CSM changes the renewals they own (Renewal.owner) and completes their checkpoints; leaders and
admins change any; acknowledging a flagged renewal is for leaders and admins. Every write goes through
renewals.services, under the same rules as the pages.
"""

from django.db.models import F, Prefetch, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Segment
from core import tenant_time
from core.api import TenantFilterSet, TenantViewSetMixin, validated
from tenancy.parsing import parse_id
from tenancy.permissions import Capability, RolePermission, may_assign_to, require

from .. import selectors, services
from ..models import Checkpoint, CheckpointStatus, Forecast, ForecastChange, Renewal, RenewalStatus
from ..models.renewals import CHECKPOINT_STATUS_OF_TASK
from .serializers import (
    AcknowledgeSerializer,
    CheckpointCompleteSerializer,
    CheckpointSerializer,
    ForecastChangeSerializer,
    ForecastSetSerializer,
    OutcomeSerializer,
    RenewalAssignSerializer,
    RenewalDetailSerializer,
    RenewalSerializer,
)


def filter_owner(filterset, queryset, field: str, value: str):
    """'me' (the caller) or a user id."""
    value = value.strip()
    if value == "me":
        return queryset.filter(**{field: filterset.request.user.pk})
    if (owner_id := parse_id(value)) is None:
        raise exceptions.ValidationError({"owner": ["Use 'me' or a user id."]})
    return queryset.filter(**{field: owner_id})


class TodayMixin:
    """Serializers judge days left and overdue against the tenant's today."""

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["today"] = tenant_time.today(self.request.tenant)
        return context


class RenewalFilter(TenantFilterSet):
    status = filters.ChoiceFilter(choices=RenewalStatus.choices)
    owner = filters.CharFilter(method="filter_owner", help_text="'me' (the caller) or the owner's user id.")
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    segment = filters.ChoiceFilter(field_name="account__segment", choices=Segment.choices)
    forecast = filters.ChoiceFilter(choices=Forecast.choices)
    needs_review = filters.BooleanFilter()
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lte", help_text="Due on or before this day.")
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte", help_text="Due on or after this day.")

    class Meta:
        model = Renewal
        fields = ["status", "owner", "account", "segment", "forecast", "needs_review", "due_before", "due_after"]

    def filter_owner(self, queryset, name, value):
        return filter_owner(self, queryset, "owner_id", value)


class RenewalViewSet(
    TodayMixin, TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Renewals: one per contract end, due on its end date, with the runway of checkpoints it got when the
    contract was known (`is_late_start` when that was later than the segment's runway asks), the forecast
    category that stands, what the data suggests and why, the owner's override with its reason, the leader's
    review flag, and once closed the outcome. PATCH changes the owner only; the rest has its own action."""

    model = Renewal
    serializer_class = RenewalSerializer
    filterset_class = RenewalFilter
    lookup_url_kwarg = "renewal_id"
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["due_on", "arr"]
    search_fields = ["account__name", "contract__reference"]

    def tenant_queryset(self, tenant) -> QuerySet[Renewal]:
        open_checkpoints = selectors.checkpoints_open(tenant=tenant).select_related("task")
        found = (
            Renewal.objects.filter(tenant=tenant)
            .select_related("account", "outcome_reason")
            .prefetch_related(Prefetch("checkpoints", queryset=open_checkpoints, to_attr="open_checkpoints"))
            .order_by("due_on", "id")
        )
        if self.action != "list":
            found = found.prefetch_related(
                Prefetch("checkpoints", queryset=Checkpoint.objects.filter(tenant=tenant).select_related("task"))
            )
        return found

    def _detail(self, renewal: Renewal, code: int = status.HTTP_200_OK) -> Response:
        # Re-read with the prefetches: the services change checkpoints and categories behind the instance.
        renewal = self.tenant_queryset(self.request.tenant).get(pk=renewal.pk)
        return Response(RenewalDetailSerializer(renewal, context=self.get_serializer_context()).data, status=code)

    @extend_schema(responses=RenewalDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    @extend_schema(
        request=RenewalAssignSerializer,
        responses=RenewalDetailSerializer,
        description="Gives the renewal (and its open checkpoints) to another owner; reassigning is for leaders "
        "and admins, a CSM may only take it themselves.",
    )
    def partial_update(self, request, *args, **kwargs):
        renewal = self.get_object()
        data = validated(RenewalAssignSerializer(data=request.data, context={"request": request}))
        if not may_assign_to(request.membership, data["owner"]):
            raise exceptions.PermissionDenied("Only a CS leader or an admin gives a renewal to someone else.")
        services.renewal_assign(renewal=renewal, owner=data["owner"], by=request.user)
        return self._detail(renewal)

    @extend_schema(
        request=ForecastSetSerializer,
        responses=RenewalDetailSerializer,
        description="Overrides the suggested category with the owner's (`category` and a `reason`, or a 400 on "
        "`reason`); `follow_data: true` drops the override. Every change is kept in forecast-changes; an override "
        "the data disagrees with inside the review window flags the renewal for the leader.",
    )
    @action(detail=True, methods=["post"])
    def forecast(self, request, *args, **kwargs):
        renewal = self.get_object()
        data = validated(ForecastSetSerializer(data=request.data, context={"request": request}))
        if data["follow_data"]:
            services.renewal_clear_override(renewal=renewal, by=request.user)
        else:
            services.renewal_set_forecast(
                renewal=renewal, category=data["category"], by=request.user, reason=data["reason"]
            )
        return self._detail(renewal)

    @extend_schema(
        request=OutcomeSerializer,
        responses=RenewalDetailSerializer,
        description="Closes the renewal: renewed, expanded or contracted create the next contract (which opens "
        "its own renewal); churned ends the contract. A churn or a contraction needs a `reason`.",
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request, *args, **kwargs):
        renewal = self.get_object()
        data = validated(OutcomeSerializer(data=request.data, context={"request": request}))
        services.renewal_close(renewal=renewal, by=request.user, **data)
        return self._detail(renewal)

    @extend_schema(
        request=AcknowledgeSerializer,
        responses=RenewalDetailSerializer,
        description="A leader or an admin has looked at a renewal flagged for review; the flag goes down.",
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, *args, **kwargs):
        renewal = self.get_object()
        require(request, Capability.MANAGE)
        data = validated(AcknowledgeSerializer(data=request.data, context={"request": request}))
        services.renewal_review_acknowledge(renewal=renewal, by=request.user, note=data["note"])
        return self._detail(renewal)


class CheckpointPermission(RolePermission):
    """A checkpoint is part of its renewal: whoever may change the renewal completes it (as on the tasks page)."""

    def has_object_permission(self, request, view, obj) -> bool:
        return super().has_object_permission(request, view, obj.renewal)


class CheckpointFilter(TenantFilterSet):
    renewal = filters.NumberFilter(field_name="renewal_id", help_text="A renewal id.")
    account = filters.NumberFilter(field_name="renewal__account_id", help_text="An account id.")
    owner = filters.CharFilter(method="filter_owner", help_text="'me' (the caller) or the owner's user id.")
    status = filters.ChoiceFilter(choices=CheckpointStatus.choices, method="filter_status")
    due_before = filters.DateFilter(
        field_name="task__due_on", lookup_expr="lte", help_text="Due on or before this day."
    )

    class Meta:
        model = Checkpoint
        fields = ["renewal", "account", "owner", "status", "due_before"]

    def filter_owner(self, queryset, name, value):
        return filter_owner(self, queryset, "task__owner_id", value)

    def filter_status(self, queryset, name, value):
        # The checkpoint's status is its task's, as the runway tells it (CHECKPOINT_STATUS_OF_TASK).
        statuses = [task for task, checkpoint in CHECKPOINT_STATUS_OF_TASK.items() if checkpoint == value]
        return queryset.filter(task__status__in=statuses)


class CheckpointViewSet(
    TodayMixin, TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The checkpoints of renewals' runways, each a task for its owner on its date (`due_on`; earlier than
    `planned_on` when a late start compressed the runway). `complete` marks one done or skipped, with a note."""

    model = Checkpoint
    serializer_class = CheckpointSerializer
    filterset_class = CheckpointFilter
    permission_classes = [CheckpointPermission]
    lookup_url_kwarg = "checkpoint_id"
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["due_on"]
    search_fields = ["title", "renewal__account__name"]

    def tenant_queryset(self, tenant) -> QuerySet[Checkpoint]:
        # `due_on` is the task's, an alias so `ordering=due_on` still works.
        return (
            Checkpoint.objects.filter(tenant=tenant)
            .select_related("renewal", "task")
            .alias(due_on=F("task__due_on"))
            .order_by("due_on", "position", "id")
        )

    @extend_schema(request=CheckpointCompleteSerializer, responses=CheckpointSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        checkpoint = self.get_object()
        data = validated(CheckpointCompleteSerializer(data=request.data, context={"request": request}))
        checkpoint = services.checkpoint_complete(checkpoint=checkpoint, by=request.user, **data)
        return Response(self.get_serializer(checkpoint).data)


class ForecastChangeFilter(TenantFilterSet):
    renewal = filters.NumberFilter(field_name="renewal_id", help_text="A renewal id.")
    is_override = filters.BooleanFilter()

    class Meta:
        model = ForecastChange
        fields = ["renewal", "is_override"]


class ForecastChangeViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Every change of a renewal's forecast category, newest first: a new suggestion from the data (with its
    reasons then) or a person's override (with theirs). History: never changed or deleted."""

    model = ForecastChange
    serializer_class = ForecastChangeSerializer
    filterset_class = ForecastChangeFilter
    lookup_url_kwarg = "forecast_change_id"
    http_method_names = ["get", "head", "options"]
    ordering_fields = ["changed_at"]
    search_fields: list[str] = []

    def tenant_queryset(self, tenant) -> QuerySet[ForecastChange]:
        return ForecastChange.objects.filter(tenant=tenant).order_by("-changed_at", "-id")
