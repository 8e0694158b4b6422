"""REST API of health scores, read-only: daily snapshots (health-scores), signals (health-signals)
and people's health (contact-health); plus `POST health-scores/recompute/` to score one account now.
Registered in config/api_urls.py."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
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
from tenancy.models import Tenant

from ..models import Band, ContactHealth, HealthScore, HealthSignal, Severity, SignalKind, SignalStatus
from ..selectors import scores as selectors
from ..services import scores as services


class HealthScoreSerializer(serializers.ModelSerializer):
    band = NamedChoiceField(choices=Band.choices, enum_name="HealthBandEnum", read_only=True)
    model_version = serializers.IntegerField(source="model.version", read_only=True)
    model_segment = serializers.CharField(source="model.segment", read_only=True)
    measures = serializers.JSONField(
        read_only=True, help_text="{key: {raw, points, weight, family, label, detail}}; points null: no data."
    )

    class Meta:
        model = HealthScore
        fields = [
            "id",
            "account",
            "day",
            "score",
            "band",
            "delta_7",
            "delta_30",
            "explanation",
            "measures",
            "model",
            "model_version",
            "model_segment",
            "computed_at",
        ]
        read_only_fields = fields


class HealthSignalSerializer(serializers.ModelSerializer):
    # Named enums: another `kind` or `status` in the schema would otherwise rename other apps' enums.
    kind = NamedChoiceField(choices=SignalKind.choices, enum_name="HealthSignalKindEnum", read_only=True)
    severity = NamedChoiceField(choices=Severity.choices, enum_name="HealthSignalSeverityEnum", read_only=True)
    status = NamedChoiceField(choices=SignalStatus.choices, enum_name="HealthSignalStatusEnum", read_only=True)

    class Meta:
        model = HealthSignal
        fields = [
            "id",
            "account",
            "contact",
            "kind",
            "subject",
            "severity",
            "status",
            "message",
            "data",
            "raised_on",
            "raised_at",
            "updated_at",
            "resolved_at",
        ]
        read_only_fields = fields


class ContactHealthSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactHealth
        fields = ["id", "contact", "account", "day", "points", "score", "last_seen_on", "is_power_user"]
        read_only_fields = fields


def _accounts(tenant: Tenant) -> QuerySet[Account]:
    return account_selectors.account_list(tenant=tenant)


class RecomputeSerializer(serializers.Serializer):
    account = TenantPrimaryKeyRelatedField(model=Account, rows=_accounts, help_text="The account to score now.")


class HealthScoreFilter(TenantFilterSet):
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    day = filters.DateFilter(help_text="The tenant's day (YYYY-MM-DD).")
    day_from = filters.DateFilter(field_name="day", lookup_expr="gte", help_text="On or after this day.")
    day_to = filters.DateFilter(field_name="day", lookup_expr="lte", help_text="On or before this day.")
    band = filters.ChoiceFilter(choices=Band.choices)

    class Meta:
        model = HealthScore
        fields = ["account", "day", "day_from", "day_to", "band"]


class HealthScoreViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Daily health snapshots, one per account and day (the tenant's day): score 0-100, band,
    change over 7 and 30 days, the sentence that says why, and every measure. Newest day first."""

    model = HealthScore
    serializer_class = HealthScoreSerializer
    filterset_class = HealthScoreFilter
    lookup_url_kwarg = "health_score_id"
    ordering_fields = ["day", "score", "delta_7", "delta_30"]
    search_fields: list[str] = []

    def tenant_queryset(self, tenant):
        return selectors.health_score_list(tenant=tenant)

    @extend_schema(
        request=RecomputeSerializer,
        responses={200: HealthScoreSerializer},
        description="Scores the account now and returns today's snapshot; its signals are raised or resolved "
        "too. Needs EDIT on the account (a CSM on the accounts they own).",
    )
    @action(detail=False, methods=["post"], filter_backends=[])
    def recompute(self, request, *args, **kwargs):
        account = validated(RecomputeSerializer(data=request.data, context={"request": request}))["account"]
        require_edit(request, account)
        services.account_recompute(account=account)
        snapshot = selectors.health_score_latest(tenant=request.tenant, account=account)
        return Response(HealthScoreSerializer(snapshot).data, status=status.HTTP_200_OK)


class HealthSignalFilter(TenantFilterSet):
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    contact = filters.NumberFilter(field_name="contact_id", help_text="A contact id.")
    status = filters.ChoiceFilter(choices=SignalStatus.choices)
    kind = filters.ChoiceFilter(choices=SignalKind.choices)
    severity = filters.ChoiceFilter(choices=Severity.choices)
    raised_from = filters.DateFilter(field_name="raised_on", lookup_expr="gte", help_text="Raised on or after.")

    class Meta:
        model = HealthSignal
        fields = ["account", "contact", "status", "kind", "severity", "raised_from"]


class HealthSignalViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Signals that deserve action (inactive power user, score drop, late payment, detractor, ...),
    the most severe first, then the newest. One open signal per kind and subject; the recompute
    raises and resolves them."""

    model = HealthSignal
    serializer_class = HealthSignalSerializer
    filterset_class = HealthSignalFilter
    lookup_url_kwarg = "health_signal_id"
    ordering_fields = ["raised_at", "updated_at"]
    search_fields = ["message"]

    def tenant_queryset(self, tenant):
        return selectors.health_signal_list(tenant=tenant)


class ContactHealthFilter(TenantFilterSet):
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    contact = filters.NumberFilter(field_name="contact_id", help_text="A contact id.")
    is_power_user = filters.BooleanFilter()

    class Meta:
        model = ContactHealth
        fields = ["account", "contact", "is_power_user"]


class ContactHealthViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """People's own engagement, as of their account's latest recompute: weighted points over 90
    days, score against the account's most engaged person, last day seen, power user or not."""

    model = ContactHealth
    serializer_class = ContactHealthSerializer
    filterset_class = ContactHealthFilter
    lookup_url_kwarg = "contact_health_id"
    ordering_fields = ["points", "score", "last_seen_on"]
    search_fields: list[str] = []

    def tenant_queryset(self, tenant):
        return selectors.contact_health_list(tenant=tenant)
