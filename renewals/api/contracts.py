"""REST API of contracts (contracts, with `cancel`) and their amendments (contract-amendments).

Viewers read; CSMs create and change the contracts of accounts they own; leaders and admins any.
Writes go through renewals.services: a new contract opens its renewal with the runway, an amendment
moves the contract's and the account's ARR.
"""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Account
from core import tenant_time
from core.api import NamedChoiceField, TenantFilterSet, TenantPrimaryKeyRelatedField, TenantViewSetMixin, validated
from tenancy.permissions import Capability, membership_can

from .. import services
from ..models import AmendmentKind, Contract, ContractAmendment, ContractStatus, ExpansionOpportunity
from .serializers import tenant_accounts, tenant_contracts, tenant_opportunities

# --- serializers ---------------------------------------------------------------------------------------------------


class ContractSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    owner = serializers.IntegerField(source="account.owner_id", read_only=True, allow_null=True)
    status = NamedChoiceField(choices=ContractStatus.choices, enum_name="ContractStatusEnum", read_only=True)
    notice_on = serializers.DateField(read_only=True, help_text="The last day the customer can cancel.")
    renewal = serializers.IntegerField(
        source="renewal.pk", read_only=True, allow_null=True, help_text="The renewal of this contract's end."
    )

    class Meta:
        model = Contract
        fields = [
            "id",
            "account",
            "account_name",
            "owner",
            "reference",
            "start_on",
            "end_on",
            "term_months",
            "arr",
            "current_arr",
            "seats",
            "current_seats",
            "auto_renew",
            "notice_days",
            "notice_on",
            "cancelled_on",
            "cancellation_note",
            "status",
            "renews",
            "renewal",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ContractCreateSerializer(serializers.Serializer):
    account = TenantPrimaryKeyRelatedField(model=Account, rows=tenant_accounts)
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    start_on = serializers.DateField()
    end_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default: the term's end.")
    term_months = serializers.IntegerField(min_value=1, max_value=120, default=12)
    arr = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    seats = serializers.IntegerField(min_value=0, default=0)
    auto_renew = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Default: the tenant's rule for the segment."
    )
    notice_days = serializers.IntegerField(
        min_value=0, required=False, allow_null=True, default=None, help_text="Default: the tenant's notice period."
    )
    renews = TenantPrimaryKeyRelatedField(
        model=Contract,
        rows=tenant_contracts,
        required=False,
        allow_null=True,
        default=None,
        help_text="The contract renewed.",
    )


class ContractUpdateSerializer(serializers.Serializer):
    """What changes in place; the dates and ARR change through amendments and renewals."""

    reference = serializers.CharField(max_length=80, required=False, allow_blank=True)
    auto_renew = serializers.BooleanField(required=False)
    notice_days = serializers.IntegerField(min_value=0, required=False)


class ContractCancelSerializer(serializers.Serializer):
    cancelled_on = serializers.DateField(required=False, help_text="The day notice was given; default today.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AmendmentSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(choices=AmendmentKind.choices, enum_name="AmendmentKindEnum", read_only=True)
    account = serializers.IntegerField(source="contract.account_id", read_only=True)

    class Meta:
        model = ContractAmendment
        fields = [
            "id",
            "contract",
            "account",
            "kind",
            "effective_on",
            "arr_change",
            "seats_change",
            "note",
            "opportunity",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class AmendmentCreateSerializer(serializers.Serializer):
    contract = TenantPrimaryKeyRelatedField(model=Contract, rows=tenant_contracts)
    kind = NamedChoiceField(choices=AmendmentKind.choices, enum_name="AmendmentKindEnum")
    effective_on = serializers.DateField()
    arr_change = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Signed: positive adds ARR, negative removes it."
    )
    seats_change = serializers.IntegerField(default=0)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    opportunity = TenantPrimaryKeyRelatedField(
        model=ExpansionOpportunity, rows=tenant_opportunities, required=False, allow_null=True, default=None
    )


# --- viewsets ------------------------------------------------------------------------------------------------------


def require_account_edit(request: Request, obj) -> None:
    """EDIT on the account (or its contract) a payload names; object permissions only cover the URL's object."""
    if not membership_can(request.membership, Capability.EDIT, obj):
        raise exceptions.PermissionDenied("CSMs change only the contracts of accounts they own.")


class ContractFilter(TenantFilterSet):
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    status = filters.ChoiceFilter(choices=ContractStatus.choices)
    auto_renew = filters.BooleanFilter()
    ending_before = filters.DateFilter(field_name="end_on", lookup_expr="lte", help_text="Ends on or before this day.")
    ending_after = filters.DateFilter(field_name="end_on", lookup_expr="gte", help_text="Ends on or after this day.")

    class Meta:
        model = Contract
        fields = ["account", "status", "auto_renew", "ending_before", "ending_after"]


class ContractViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Contracts: what an account bought, from when to when, its ARR at signing and today (`current_arr`, with
    the amendments), seats, auto-renewal and notice (`notice_on`, the last day to cancel), and its renewal.
    A contract ends through its renewal's outcome or, with auto-renew, renews itself; it is never deleted."""

    model = Contract
    serializer_class = ContractSerializer
    filterset_class = ContractFilter
    lookup_url_kwarg = "contract_id"
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["end_on", "start_on", "current_arr"]
    search_fields = ["reference", "account__name"]

    def tenant_queryset(self, tenant) -> QuerySet[Contract]:
        return Contract.objects.filter(tenant=tenant).select_related("account", "renewal").order_by("-end_on", "-id")

    def _contract(self, contract: Contract, code: int = status.HTTP_200_OK) -> Response:
        # Re-read: the services change the renewal and ARR behind the instance they were given.
        contract = self.tenant_queryset(self.request.tenant).get(pk=contract.pk)
        return Response(ContractSerializer(contract).data, status=code)

    @extend_schema(request=ContractCreateSerializer, responses={201: ContractSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(ContractCreateSerializer(data=request.data, context={"request": request}))
        require_account_edit(request, data["account"])
        contract = services.contract_create(
            tenant=request.tenant, by=request.user, today=tenant_time.today(request.tenant), **data
        )
        return self._contract(contract, status.HTTP_201_CREATED)

    @extend_schema(request=ContractUpdateSerializer, responses=ContractSerializer)
    def partial_update(self, request, *args, **kwargs):
        contract = self.get_object()
        data = validated(ContractUpdateSerializer(data=request.data, partial=True, context={"request": request}))
        return self._contract(services.contract_update(contract=contract, by=request.user, **data))

    @extend_schema(
        request=ContractCancelSerializer,
        responses=ContractSerializer,
        description="Records the customer's notice of cancellation: an auto-renew contract then ends instead of "
        "renewing. Notice after `notice_on` is a 400.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        contract = self.get_object()
        data = validated(ContractCancelSerializer(data=request.data, context={"request": request}))
        cancelled_on = data.get("cancelled_on") or tenant_time.today(request.tenant)
        services.contract_cancel(contract=contract, cancelled_on=cancelled_on, note=data["note"], by=request.user)
        return self._contract(contract)


class AmendmentFilter(TenantFilterSet):
    contract = filters.NumberFilter(field_name="contract_id", help_text="A contract id.")
    account = filters.NumberFilter(field_name="contract__account_id", help_text="An account id.")
    kind = filters.ChoiceFilter(choices=AmendmentKind.choices)

    class Meta:
        model = ContractAmendment
        fields = ["contract", "account", "kind"]


class ContractAmendmentViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Dated ARR (and seat) changes of contracts during their term: expansion and contraction between renewals.
    Kept as history: a wrong amendment is corrected by another one, never edited or deleted."""

    model = ContractAmendment
    serializer_class = AmendmentSerializer
    filterset_class = AmendmentFilter
    lookup_url_kwarg = "amendment_id"
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["effective_on", "created_at"]
    search_fields: list[str] = []

    def tenant_queryset(self, tenant) -> QuerySet[ContractAmendment]:
        return ContractAmendment.objects.filter(tenant=tenant).select_related("contract").order_by("effective_on", "id")

    @extend_schema(request=AmendmentCreateSerializer, responses={201: AmendmentSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(AmendmentCreateSerializer(data=request.data, context={"request": request}))
        require_account_edit(request, data["contract"])
        amendment = services.contract_amend(by=request.user, **data)
        return Response(AmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)
