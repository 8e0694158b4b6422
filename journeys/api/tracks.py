"""REST API of journeys: tracks and their transitions, exit criteria and their ticks, flags, and the
expected time in stage. Every write goes through journeys.services, under the same rules as the pages.
Registered in config/api_urls.py.

Viewers read; CSMs move, tick and resolve flags on the tracks of accounts they own; leaders any track;
admins also configure exit criteria and stage expectations.
"""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Segment
from core.api import DateTimeFilter, TenantFilterSet, TenantViewSetMixin, validated
from tenancy.parsing import parse_id
from tenancy.permissions import Capability, membership_can

from .. import services
from ..models import (
    CriterionCheck,
    CriterionKind,
    ExitCriterion,
    FlagKind,
    FlagStatus,
    JourneyTrack,
    Stage,
    StageExpectation,
    StageTransition,
    TrackFlag,
    TrackStatus,
    TransitionKind,
)
from ..selectors.criteria import exit_criteria_ensure, tracks_criteria
from .serializers import (
    CriterionCheckCreateSerializer,
    CriterionCheckSerializer,
    ExitCriterionSerializer,
    ExitCriterionUpdateSerializer,
    FlagConfirmSerializer,
    FlagDismissSerializer,
    JourneyTrackDetailSerializer,
    JourneyTrackSerializer,
    StageExpectationSerializer,
    StageTransitionSerializer,
    TrackCreateSerializer,
    TrackEndSerializer,
    TrackFlagSerializer,
    TrackRenameSerializer,
    TransitionCreateSerializer,
)

READ_CREATE_UPDATE = ["get", "post", "patch", "head", "options"]


def require_track_edit(request: Request, obj) -> None:
    """EDIT on the account or track a payload names (object permissions only cover the URL's object)."""
    if not membership_can(request.membership, Capability.EDIT, obj):
        raise exceptions.PermissionDenied("CSMs change only the journey tracks of accounts they own.")


class JourneyTrackFilter(TenantFilterSet):
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    stage = filters.ChoiceFilter(choices=Stage.choices)
    status = filters.ChoiceFilter(choices=TrackStatus.choices)
    segment = filters.ChoiceFilter(field_name="account__segment", choices=Segment.choices)
    owner = filters.CharFilter(method="filter_owner", help_text="'me' (the caller) or the account owner's user id.")
    active = filters.BooleanFilter(method="filter_active", help_text="true: running tracks; false: ended ones.")

    class Meta:
        model = JourneyTrack
        fields = ["account", "stage", "status", "segment", "owner", "active"]

    def filter_owner(self, queryset, name, value):
        value = value.strip()
        if value == "me":
            return queryset.filter(account__owner_id=self.request.user.pk)
        if (owner_id := parse_id(value)) is None:
            raise exceptions.ValidationError({"owner": "Use 'me' or a user id."})
        return queryset.filter(account__owner_id=owner_id)

    def filter_active(self, queryset, name, value):
        return queryset.filter(ended_at__isnull=value)


class JourneyTrackViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Journey tracks: one part of an account (a product, a department, a use case) in one stage.

    A track's stage changes only through `stage-transitions`; it is never deleted, it ends (`end`)
    and may re-enter later. The detail carries the current stage's checklist and the open flags.
    """

    model = JourneyTrack
    serializer_class = JourneyTrackSerializer
    filterset_class = JourneyTrackFilter
    lookup_url_kwarg = "track_id"
    http_method_names = READ_CREATE_UPDATE
    ordering_fields = ["stage_entered_at", "started_at", "name"]
    search_fields = ["name", "account__name"]

    def tenant_queryset(self, tenant) -> QuerySet[JourneyTrack]:
        return JourneyTrack.objects.filter(tenant=tenant).select_related("account")

    def _detail(self, track: JourneyTrack, code: int = status.HTTP_200_OK) -> Response:
        tenant = self.request.tenant
        context = {
            **self.get_serializer_context(),
            "checklist": tracks_criteria(tenant=tenant, tracks=[track])[track.pk],
            "open_flags": TrackFlag.objects.filter(tenant=tenant, track=track, status=FlagStatus.OPEN),
        }
        return Response(JourneyTrackDetailSerializer(track, context=context).data, status=code)

    @extend_schema(responses=JourneyTrackDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    @extend_schema(request=TrackCreateSerializer, responses={201: JourneyTrackDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(TrackCreateSerializer(data=request.data, context={"request": request}))
        require_track_edit(request, data["account"])
        track = services.track_create(tenant=request.tenant, by=request.user, **data)
        return self._detail(track, status.HTTP_201_CREATED)

    @extend_schema(request=TrackRenameSerializer, responses=JourneyTrackDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        track = self.get_object()
        data = validated(TrackRenameSerializer(data=request.data, context={"request": request}))
        track = services.track_rename(track=track, name=data.get("name", track.name), scope_kind=data.get("scope_kind"))
        return self._detail(track)

    @extend_schema(
        request=TrackEndSerializer,
        responses={201: StageTransitionSerializer},
        description="Ends the track (recorded as a transition of kind `end`); a later transition re-enters it.",
    )
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        track = self.get_object()
        data = validated(TrackEndSerializer(data=request.data, context={"request": request}))
        transition = services.track_end(track=track, by=request.user, reason_text=data["reason_text"])
        return Response(StageTransitionSerializer(transition).data, status=status.HTTP_201_CREATED)


class StageTransitionFilter(TenantFilterSet):
    track = filters.NumberFilter(field_name="track_id", help_text="A track id.")
    account = filters.NumberFilter(field_name="track__account_id", help_text="An account id.")
    kind = filters.ChoiceFilter(choices=TransitionKind.choices)
    since = DateTimeFilter(field_name="at", lookup_expr="gte", help_text="At or after (ISO 8601).")
    until = DateTimeFilter(field_name="at", lookup_expr="lt", help_text="Before (ISO 8601).")

    class Meta:
        model = StageTransition
        fields = ["track", "account", "kind", "since", "until"]


class StageTransitionViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Every recorded move of a track, oldest first: who, when, from, to, why, and the criteria as they stood.

    History is kept: transitions are created, never changed or deleted.
    """

    model = StageTransition
    serializer_class = StageTransitionSerializer
    filterset_class = StageTransitionFilter
    lookup_url_kwarg = "transition_id"
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["at"]
    search_fields: list[str] = []

    def tenant_queryset(self, tenant) -> QuerySet[StageTransition]:
        return StageTransition.objects.filter(tenant=tenant).select_related("track")

    @extend_schema(
        request=TransitionCreateSerializer,
        responses={201: StageTransitionSerializer},
        description="Moves a track; the kind follows from where it stands (one stage on: advance; further: "
        "skip, with `reason_text`; back: regress, with `reason`; the same stage or an ended track: reenter, "
        "with `reason_text`). Moving forward with unmet exit criteria is a 400 on `override_reason` naming "
        "them, unless an `override_reason` is given.",
    )
    def create(self, request, *args, **kwargs):
        data = validated(TransitionCreateSerializer(data=request.data, context={"request": request}))
        require_track_edit(request, data["track"])
        transition = services.track_transition(by=request.user, **data)
        return Response(StageTransitionSerializer(transition).data, status=status.HTTP_201_CREATED)


class ExitCriterionFilter(TenantFilterSet):
    stage = filters.ChoiceFilter(choices=Stage.choices)
    kind = filters.ChoiceFilter(choices=CriterionKind.choices)

    class Meta:
        model = ExitCriterion
        fields = ["stage", "kind", "is_active"]


class ExitCriterionViewSet(
    TenantViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """What must hold before a track leaves a stage (the seed's defaults until an admin changes them).

    Everyone reads; admins add, change and delete criteria. Past transitions keep their checklist as it stood.
    """

    model = ExitCriterion
    serializer_class = ExitCriterionSerializer
    filterset_class = ExitCriterionFilter
    lookup_url_kwarg = "criterion_id"
    write_capability = Capability.CONFIGURE
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering_fields = ["position"]
    search_fields: list[str] = []

    def tenant_queryset(self, tenant) -> QuerySet[ExitCriterion]:
        return ExitCriterion.objects.filter(tenant=tenant).order_by("stage", "position", "id")

    def list(self, request, *args, **kwargs):
        exit_criteria_ensure(tenant=request.tenant)
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ExitCriterionSerializer, responses={201: ExitCriterionSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(ExitCriterionSerializer(data=request.data, context={"request": request}))
        criterion = services.exit_criterion_create(tenant=request.tenant, **data)
        return Response(ExitCriterionSerializer(criterion).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ExitCriterionUpdateSerializer, responses=ExitCriterionSerializer)
    def partial_update(self, request, *args, **kwargs):
        criterion = self.get_object()
        serializer = ExitCriterionUpdateSerializer(
            criterion, data=request.data, partial=True, context={"request": request}
        )
        criterion = services.exit_criterion_update(criterion=criterion, **validated(serializer))
        return Response(ExitCriterionSerializer(criterion).data)

    def destroy(self, request, *args, **kwargs):
        services.exit_criterion_delete(criterion=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class CriterionCheckFilter(TenantFilterSet):
    track = filters.NumberFilter(field_name="track_id", help_text="A track id.")

    class Meta:
        model = CriterionCheck
        fields = ["track"]


class CriterionCheckViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Ticks on a track's criteria for its current stay in the stage (a move clears them).

    Data criteria are evaluated, not ticked; "first business value" may point at an objective instead.
    """

    model = CriterionCheck
    serializer_class = CriterionCheckSerializer
    filterset_class = CriterionCheckFilter
    lookup_url_kwarg = "check_id"
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering_fields = ["checked_at"]
    search_fields: list[str] = []

    def tenant_queryset(self, tenant) -> QuerySet[CriterionCheck]:
        return (
            CriterionCheck.objects.filter(tenant=tenant)
            .select_related("track__account", "track__tenant", "criterion")
            .order_by("track_id", "criterion__position", "id")
        )

    @extend_schema(request=CriterionCheckCreateSerializer, responses={201: CriterionCheckSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(CriterionCheckCreateSerializer(data=request.data, context={"request": request}))
        require_track_edit(request, data["track"])
        check = services.criterion_check(by=request.user, **data)
        return Response(CriterionCheckSerializer(check).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        check = self.get_object()
        services.criterion_uncheck(track=check.track, criterion=check.criterion)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TrackFlagFilter(TenantFilterSet):
    track = filters.NumberFilter(field_name="track_id", help_text="A track id.")
    account = filters.NumberFilter(field_name="track__account_id", help_text="An account id.")
    status = filters.ChoiceFilter(choices=FlagStatus.choices)
    kind = filters.ChoiceFilter(choices=FlagKind.choices)

    class Meta:
        model = TrackFlag
        fields = ["track", "account", "status", "kind"]


class TrackFlagViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tracks flagged for review: stalled, or a regression suggested by a lost champion or red health.

    Nothing moves by itself: `confirm` records the regression with the flag's reason, `dismiss` keeps the stage.
    """

    model = TrackFlag
    serializer_class = TrackFlagSerializer
    filterset_class = TrackFlagFilter
    lookup_url_kwarg = "flag_id"
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["raised_at"]
    search_fields = ["message"]

    def tenant_queryset(self, tenant) -> QuerySet[TrackFlag]:
        return TrackFlag.objects.filter(tenant=tenant).select_related("track__account")

    @extend_schema(
        request=FlagConfirmSerializer,
        responses={201: StageTransitionSerializer},
        description="The suggested regression happens: the track moves back (to `to_stage`, by default the "
        "suggested stage) with the flag's reason, and the flag is marked confirmed.",
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        flag = self.get_object()
        data = validated(FlagConfirmSerializer(data=request.data, context={"request": request}))
        transition = services.flag_confirm(flag=flag, by=request.user, **data)
        return Response(StageTransitionSerializer(transition).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=FlagDismissSerializer, responses=TrackFlagSerializer, description="The track keeps its stage."
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, *args, **kwargs):
        flag = self.get_object()
        data = validated(FlagDismissSerializer(data=request.data, context={"request": request}))
        flag = services.flag_dismiss(flag=flag, by=request.user, **data)
        return Response(self.get_serializer(flag).data)


class StageExpectationFilter(TenantFilterSet):
    stage = filters.ChoiceFilter(choices=Stage.choices)
    segment = filters.ChoiceFilter(choices=Segment.choices)

    class Meta:
        model = StageExpectation
        fields = ["stage", "segment"]


class StageExpectationViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """How long each stage is expected to take per segment; past `max_days` a track is stalled.

    Everyone reads; admins change the bounds. Track statuses follow at the next refresh.
    """

    model = StageExpectation
    serializer_class = StageExpectationSerializer
    filterset_class = StageExpectationFilter
    lookup_url_kwarg = "expectation_id"
    write_capability = Capability.CONFIGURE
    http_method_names = ["get", "patch", "head", "options"]
    ordering_fields: list[str] = []
    search_fields: list[str] = []

    def tenant_queryset(self, tenant) -> QuerySet[StageExpectation]:
        return StageExpectation.objects.filter(tenant=tenant)

    def list(self, request, *args, **kwargs):
        services.expectations_for(tenant=request.tenant)
        return super().list(request, *args, **kwargs)

    @extend_schema(request=StageExpectationSerializer, responses=StageExpectationSerializer)
    def partial_update(self, request, *args, **kwargs):
        expectation = self.get_object()
        serializer = StageExpectationSerializer(
            expectation, data=request.data, partial=True, context={"request": request}
        )
        data = validated(serializer)
        expectation = services.stage_expectation_update(
            tenant=request.tenant,
            stage=expectation.stage,
            segment=expectation.segment,
            min_days=data.get("min_days", expectation.min_days),
            max_days=data.get("max_days", expectation.max_days),
        )
        return Response(StageExpectationSerializer(expectation).data)
