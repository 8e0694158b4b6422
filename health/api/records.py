"""REST API of the support, financial and relationship records; registered in config/api_urls.py.

Five viewsets alike (support-tickets, invoices, subscription-changes, meetings, nps-responses):
list with filters, retrieve, create (an existing external id updates), PATCH, DELETE (admins),
and `POST <kind>/bulk/` for up to 1,000 items, all or nothing unless `?partial=true`.

Writes need EDIT on the account (a CSM only on their own accounts); bulk writes span owners and
need MANAGE (CS leaders and admins, or an integration with one's personal token).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Account, ImportMode
from accounts.parsing import parse_bool
from core.api import WRITE_METHODS, TenantFilterSet, TenantViewSetMixin, validated
from tenancy.permissions import Capability, RolePermission, membership_can

from ..models import Invoice, Meeting, NpsResponse, SubscriptionChange, SupportTicket
from ..models.record_kinds import INVOICE, MEETING, NPS, SUBSCRIPTION_CHANGE, TICKET, RecordKind
from ..models.records import Record
from ..selectors import records as selectors
from ..services import records as services
from .record_serializers import (
    BulkResultSerializer,
    InvoiceSerializer,
    InvoiceWriteSerializer,
    MeetingSerializer,
    MeetingWriteSerializer,
    NpsResponseSerializer,
    NpsResponseWriteSerializer,
    RecordWriteSerializer,
    RelatedRows,
    SubscriptionChangeSerializer,
    SubscriptionChangeWriteSerializer,
    SupportTicketSerializer,
    SupportTicketWriteSerializer,
)

MAX_BULK_ITEMS = 1000


class RecordPermission(RolePermission):
    """RolePermission, with a record's account standing for the record (CSMs edit their accounts'
    records), and DELETE for admins only: a deleted record is history the health score no longer sees."""

    def has_permission(self, request, view) -> bool:
        if request.method == "DELETE" and not membership_can(
            getattr(request, "membership", None), Capability.CONFIGURE
        ):
            self.message = "Only a tenant admin may delete a signal record."
            return False
        return super().has_permission(request, view)

    def has_object_permission(self, request, view, obj: Record) -> bool:
        return super().has_object_permission(request, view, obj.account)


class RecordFilter(TenantFilterSet):
    record_kind: RecordKind
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    account_external_id = filters.CharFilter(field_name="account__external_id")
    external_id = filters.CharFilter()
    date_from = filters.DateFilter(method="filter_date", help_text="On or after this day (YYYY-MM-DD).")
    date_to = filters.DateFilter(method="filter_date", help_text="On or before this day (YYYY-MM-DD).")

    def filter_date(self, queryset, name, value):
        # Datetimes compare by the tenant's day: the API runs in the tenant's time zone.
        field = (
            f"{self.record_kind.date_field}__date" if self.record_kind.date_is_datetime else self.record_kind.date_field
        )
        return queryset.filter(**{f"{field}__{'gte' if name == 'date_from' else 'lte'}": value})


class SupportTicketFilter(RecordFilter):
    record_kind = TICKET
    contact = filters.NumberFilter(field_name="contact_id", help_text="A contact id.")

    class Meta:
        model = SupportTicket
        fields = ["account", "account_external_id", "external_id", "contact", "status", "priority", "sentiment"]


class InvoiceFilter(RecordFilter):
    record_kind = INVOICE
    paid = filters.BooleanFilter(field_name="paid_on", lookup_expr="isnull", exclude=True, help_text="Paid or not.")

    class Meta:
        model = Invoice
        fields = ["account", "account_external_id", "external_id", "paid"]


class SubscriptionChangeFilter(RecordFilter):
    record_kind = SUBSCRIPTION_CHANGE

    class Meta:
        model = SubscriptionChange
        fields = ["account", "account_external_id", "external_id", "kind"]


class MeetingFilter(RecordFilter):
    record_kind = MEETING

    class Meta:
        model = Meeting
        fields = ["account", "account_external_id", "external_id", "kind", "status", "executive_present"]


class NpsResponseFilter(RecordFilter):
    record_kind = NPS
    contact = filters.NumberFilter(field_name="contact_id", help_text="A contact id.")
    category = filters.ChoiceFilter(
        choices=[("promoter", "Promoter (9-10)"), ("passive", "Passive (7-8)"), ("detractor", "Detractor (0-6)")],
        method="filter_category",
    )

    class Meta:
        model = NpsResponse
        fields = ["account", "account_external_id", "external_id", "contact", "category"]

    def filter_category(self, queryset, name, value):
        scores = {"promoter": (9, 10), "passive": (7, 8), "detractor": (0, 6)}[value]
        return queryset.filter(score__range=scores)


def _bulk_mode(request) -> str:
    try:
        partial = parse_bool(request.query_params.get("partial", ""))
    except DjangoValidationError as error:
        raise exceptions.ValidationError({"partial": error.messages}) from error
    return ImportMode.VALID_ROWS if partial else ImportMode.ALL_OR_NOTHING


class RecordViewSet(
    TenantViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    kind: RecordKind
    write_serializer_class: type[RecordWriteSerializer]
    permission_classes = [RecordPermission]
    write_capability = Capability.EDIT  # bulk/ asks for MANAGE
    http_method_names = WRITE_METHODS
    filter_backends = [filters.DjangoFilterBackend]

    def tenant_queryset(self, tenant):
        return selectors.record_list(tenant=tenant, kind=self.kind)

    def _write_serializer(self, data, *, related: RelatedRows, instance: Record | None = None):
        context = {"request": self.request, "related": related}
        # A known external id is an update: what the item leaves out, the record keeps.
        return self.write_serializer_class(instance, data=data, partial=instance is not None, context=context)

    def _require_edit(self, account: Account) -> None:
        if not membership_can(self.request.membership, Capability.EDIT, account):
            raise exceptions.PermissionDenied("CSMs change only the signals of the accounts they own.")

    def _record(self, record: Record, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(record).data, status=code)

    def create(self, request, *args, **kwargs):
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Send one JSON object; lists go to bulk/."]})
        external_id = request.data.get("external_id")
        existing = None
        if isinstance(external_id, str) and external_id:
            found = selectors.record_by_external_id(tenant=request.tenant, kind=self.kind, external_ids=[external_id])
            existing = found.get(external_id)
        related = RelatedRows(tenant=request.tenant, items=[request.data])
        data = validated(self._write_serializer(request.data, related=related, instance=existing))
        if existing is not None:
            self._require_edit(existing.account)
        if "account" in data:
            self._require_edit(data["account"])
        if existing is not None:
            return self._record(services.record_update(record=existing, fields=data))
        record = services.record_create(tenant=request.tenant, kind=self.kind, fields=data)
        return self._record(record, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        record = self.get_object()
        related = RelatedRows(tenant=request.tenant, items=[request.data] if isinstance(request.data, dict) else [])
        data = validated(self._write_serializer(request.data, related=related, instance=record))
        if "account" in data:
            # Moving a record is an edit of the account it joins too.
            self._require_edit(data["account"])
        return self._record(services.record_update(record=record, fields=data))

    def perform_destroy(self, instance: Record) -> None:
        services.record_delete(record=instance)

    @action(detail=False, methods=["post"], write_capability=Capability.MANAGE)
    def bulk(self, request, *args, **kwargs):
        items = request.data
        if not isinstance(items, list):
            raise exceptions.ValidationError({"non_field_errors": ["Send a JSON list of items."]})
        if len(items) > MAX_BULK_ITEMS:
            raise exceptions.ValidationError(
                {"non_field_errors": [f"Send at most {MAX_BULK_ITEMS:,} items at once; this list has {len(items):,}."]}
            )
        mode = _bulk_mode(request)
        rows, errors = self._check_items(items)
        result = services.record_bulk_upsert(tenant=request.tenant, kind=self.kind, rows=rows, mode=mode)
        errors.update(result.errors)
        if errors and mode == ImportMode.ALL_OR_NOTHING:
            return _bulk_refused(errors, total=len(items))
        results = [
            {"index": index, "status": state, "id": record.pk if record else None}
            | ({"errors": errors[index]} if index in errors else {})
            for index, (state, record) in enumerate(zip(result.statuses, result.records, strict=True))
        ]
        counts = {name: result.count(name) for name in (services.CREATED, services.UPDATED, services.REJECTED)}
        return Response({**counts, "results": results})

    def _check_items(self, items: list) -> tuple[list[dict | None], dict[int, dict]]:
        """Each item's checked values, or None and its errors; accounts, contacts and records read once for all."""
        related = RelatedRows(tenant=self.request.tenant, items=items)
        named = [i["external_id"] for i in items if isinstance(i, dict) and isinstance(i.get("external_id"), str)]
        existing = selectors.record_by_external_id(tenant=self.request.tenant, kind=self.kind, external_ids=named)
        rows: list[dict | None] = []
        errors: dict[int, dict] = {}
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                rows.append(None)
                errors[index] = {"non_field_errors": ["Each item is a JSON object."]}
                continue
            instance = existing.get(item["external_id"]) if isinstance(item.get("external_id"), str) else None
            serializer = self._write_serializer(item, related=related, instance=instance)
            if serializer.is_valid():
                rows.append(dict(serializer.validated_data))
            else:
                rows.append(None)
                errors[index] = serializer.errors
        return rows, errors


def _bulk_refused(errors: dict[int, dict], *, total: int) -> Response:
    """All or nothing with rejected items: nothing saved, and every rejected item by index, in the error format."""
    first = min(errors)
    field, messages = next(iter(errors[first].items()))
    message = (
        f"Nothing was saved: {len(errors)} of {total} items have errors, the first is item {first} "
        f"({field}: {messages[0]}). Fix them, or send ?partial=true to save the valid items."
    )
    fields = {str(index): errors[index] for index in sorted(errors)}
    body = {"status": 400, "code": "invalid", "message": message, "fields": fields}
    return Response({"error": body}, status=status.HTTP_400_BAD_REQUEST)


PARTIAL = OpenApiParameter(
    "partial",
    OpenApiTypes.BOOL,
    OpenApiParameter.QUERY,
    description="true: save the valid items and report the others. Default false: all or nothing.",
)


def documented(read, write, noun: str):
    """The schema of a record viewset: its own shapes on the shared create, update and bulk actions."""
    return extend_schema_view(
        create=extend_schema(
            request=write,
            responses={201: read, 200: read},
            description=f"Records a {noun}; 200 and an update when its external_id is known already.",
        ),
        partial_update=extend_schema(request=write, responses=read),
        bulk=extend_schema(
            request=write(many=True),
            responses={200: BulkResultSerializer},
            parameters=[PARTIAL],
            description=(
                f"Create or update (by external_id) up to {MAX_BULK_ITEMS:,} {noun}s. Every item is checked; "
                "with errors, nothing is saved and the 400 lists them by index under `fields`, unless "
                "?partial=true. Needs a CS leader or admin."
            ),
        ),
    )


@documented(SupportTicketSerializer, SupportTicketWriteSerializer, "support ticket")
class SupportTicketViewSet(RecordViewSet):
    """Support tickets per account and contact: priority, status, when opened and closed, CSAT, sentiment."""

    kind, model = TICKET, SupportTicket
    serializer_class, write_serializer_class = SupportTicketSerializer, SupportTicketWriteSerializer
    filterset_class = SupportTicketFilter
    lookup_url_kwarg = "support_ticket_id"


@documented(InvoiceSerializer, InvoiceWriteSerializer, "invoice")
class InvoiceViewSet(RecordViewSet):
    """Invoices and their payments: amount, due date, paid date and amount paid."""

    kind, model = INVOICE, Invoice
    serializer_class, write_serializer_class = InvoiceSerializer, InvoiceWriteSerializer
    filterset_class = InvoiceFilter
    lookup_url_kwarg = "invoice_id"


@documented(SubscriptionChangeSerializer, SubscriptionChangeWriteSerializer, "subscription change")
class SubscriptionChangeViewSet(RecordViewSet):
    """Plan upgrades and downgrades, seats added and removed."""

    kind, model = SUBSCRIPTION_CHANGE, SubscriptionChange
    serializer_class, write_serializer_class = SubscriptionChangeSerializer, SubscriptionChangeWriteSerializer
    filterset_class = SubscriptionChangeFilter
    lookup_url_kwarg = "subscription_change_id"


@documented(MeetingSerializer, MeetingWriteSerializer, "meeting")
class MeetingViewSet(RecordViewSet):
    """Meetings and touchpoints: check-ins, QBRs, executive meetings; held, no-show or cancelled."""

    kind, model = MEETING, Meeting
    serializer_class, write_serializer_class = MeetingSerializer, MeetingWriteSerializer
    filterset_class = MeetingFilter
    lookup_url_kwarg = "meeting_id"


@documented(NpsResponseSerializer, NpsResponseWriteSerializer, "NPS response")
class NpsResponseViewSet(RecordViewSet):
    """NPS responses: score 0-10, comment, contact and day."""

    kind, model = NPS, NpsResponse
    serializer_class, write_serializer_class = NpsResponseSerializer, NpsResponseWriteSerializer
    filterset_class = NpsResponseFilter
    lookup_url_kwarg = "nps_response_id"
