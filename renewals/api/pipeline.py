"""REST API of the expansion pipeline (expansion-opportunities, with `move`). Writes go through
renewals.services.pipeline: a won opportunity becomes an amendment of the account's active contract, once.

Viewers read; a CSM raises and works the opportunities of the accounts they own; leaders and admins any.
"""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Account, Segment
from core.api import NamedChoiceField, TenantFilterSet, TenantPrimaryKeyRelatedField, TenantViewSetMixin, validated
from tenancy.models import User
from tenancy.permissions import RolePermission, may_assign_to

from .. import services
from ..models import ExpansionOpportunity, OpportunityKind, OpportunitySource, OpportunityStage
from .contracts import require_account_edit
from .renewals import filter_owner
from .serializers import tenant_accounts, tenant_owners


def _kind(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=OpportunityKind.choices, enum_name="OpportunityKindEnum", **kwargs)


def _stage(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=OpportunityStage.choices, enum_name="OpportunityStageEnum", **kwargs)


class OpportunitySerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    kind = _kind(read_only=True)
    source = NamedChoiceField(choices=OpportunitySource.choices, enum_name="OpportunitySourceEnum", read_only=True)
    stage = _stage(read_only=True)
    is_open = serializers.BooleanField(read_only=True)
    days_to_close = serializers.IntegerField(read_only=True, allow_null=True, help_text="Identified to closed.")

    class Meta:
        model = ExpansionOpportunity
        fields = [
            "id",
            "account",
            "account_name",
            "title",
            "kind",
            "source",
            "health_signal",
            "value",
            "stage",
            "is_open",
            "owner",
            "handed_to_sales",
            "handed_to_sales_on",
            "identified_on",
            "expected_close_on",
            "closed_on",
            "days_to_close",
            "stage_changed_at",
            "note",
            "lost_reason",
            "created_at",
        ]
        read_only_fields = fields


class OpportunityCreateSerializer(serializers.Serializer):
    account = TenantPrimaryKeyRelatedField(model=Account, rows=tenant_accounts)
    title = serializers.CharField(max_length=160)
    kind = _kind()
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, help_text="The ARR it would add.")
    owner = TenantPrimaryKeyRelatedField(
        model=User,
        rows=tenant_owners,
        required=False,
        allow_null=True,
        default=None,
        help_text="Default: the account's.",
    )
    identified_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default: today.")
    expected_close_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class OpportunityUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=160, required=False)
    kind = _kind(required=False)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    owner = TenantPrimaryKeyRelatedField(model=User, rows=tenant_owners, required=False, allow_null=True)
    expected_close_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    handed_to_sales = serializers.BooleanField(required=False, help_text="Handed off to sales (dated today).")


class OpportunityMoveSerializer(serializers.Serializer):
    stage = _stage()
    lost_reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text="Needed for lost."
    )
    on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Closed on; default today.")
    add_to_contract = serializers.BooleanField(
        default=True, help_text="Won: add the value to the account's active contract as an amendment."
    )


class OpportunityFilter(TenantFilterSet):
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    stage = filters.ChoiceFilter(choices=OpportunityStage.choices)
    kind = filters.ChoiceFilter(choices=OpportunityKind.choices)
    source = filters.ChoiceFilter(choices=OpportunitySource.choices)
    segment = filters.ChoiceFilter(field_name="account__segment", choices=Segment.choices)
    owner = filters.CharFilter(method="filter_owner", help_text="'me' (the caller) or the owner's user id.")
    is_open = filters.BooleanFilter(method="filter_open", help_text="true: identified, qualified or proposed.")

    class Meta:
        model = ExpansionOpportunity
        fields = ["account", "stage", "kind", "source", "segment", "owner", "is_open", "handed_to_sales"]

    def filter_owner(self, queryset, name, value):
        return filter_owner(self, queryset, "owner_id", value)

    def filter_open(self, queryset, name, value):
        open_stages = OpportunityStage.open_stages()
        return queryset.filter(stage__in=open_stages) if value else queryset.exclude(stage__in=open_stages)


class ExpansionOpportunityViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Expansion opportunities: seats, tier upgrades, cross-sell and usage, raised by hand or by a health
    signal (seat saturation with advanced-feature use, locked-feature interest; once per signal), valued in
    the ARR they would add, moved through identified, qualified, proposed to won or lost (`move`).
    Not deleted: a dead one is lost, with its reason."""

    model = ExpansionOpportunity
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter
    # An opportunity is its owner's to work (the account owner's, unless a leader gave it to someone).
    permission_classes = [RolePermission]
    lookup_url_kwarg = "opportunity_id"
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["identified_on", "value", "expected_close_on"]
    search_fields = ["title", "account__name"]

    def tenant_queryset(self, tenant) -> QuerySet[ExpansionOpportunity]:
        return (
            ExpansionOpportunity.objects.filter(tenant=tenant)
            .select_related("account")
            .order_by("-identified_on", "-id")
        )

    def _check_owner(self, data: dict) -> None:
        # Giving an opportunity to someone else is a reassignment, as for accounts.
        if data.get("owner") is not None and not may_assign_to(self.request.membership, data["owner"]):
            raise exceptions.PermissionDenied("Only a CS leader or an admin gives an opportunity to someone else.")

    @extend_schema(request=OpportunityCreateSerializer, responses={201: OpportunitySerializer})
    def create(self, request, *args, **kwargs):
        data = validated(OpportunityCreateSerializer(data=request.data, context={"request": request}))
        require_account_edit(request, data["account"])
        self._check_owner(data)
        opportunity = services.opportunity_create(tenant=request.tenant, by=request.user, **data)
        return Response(OpportunitySerializer(opportunity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OpportunityUpdateSerializer, responses=OpportunitySerializer)
    def partial_update(self, request, *args, **kwargs):
        opportunity = self.get_object()
        data = validated(OpportunityUpdateSerializer(data=request.data, partial=True, context={"request": request}))
        self._check_owner(data)
        opportunity = services.opportunity_update(opportunity=opportunity, by=request.user, **data)
        return Response(OpportunitySerializer(opportunity).data)

    @extend_schema(
        request=OpportunityMoveSerializer,
        responses=OpportunitySerializer,
        description="Moves the opportunity to a stage: won and lost close it (lost needs a `lost_reason`); an open "
        "stage reopens it. Won adds its value to the account's active contract as an amendment, once.",
    )
    @action(detail=True, methods=["post"])
    def move(self, request, *args, **kwargs):
        opportunity = self.get_object()
        data = validated(OpportunityMoveSerializer(data=request.data, context={"request": request}))
        opportunity = services.opportunity_move(opportunity=opportunity, by=request.user, **data)
        return Response(OpportunitySerializer(opportunity).data)
