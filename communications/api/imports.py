"""REST API of campaign imports (calendar-imports): marketing or support sends planned elsewhere, uploaded as
CSV so they show on the calendar and count against caps. Everyone reads; an import touches many accounts at
once, so uploading is for leaders and admins."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api import NamedChoiceField, TenantFilterSet, TenantViewSetMixin, validated
from tenancy.models import Team
from tenancy.permissions import Capability, RolePermission, membership_can
from tenancy.queue import BACKGROUND_UNAVAILABLE, queue_watch

from .. import selectors
from ..models import CalendarImport
from ..services import imports as import_services
from .calendar import team_field


class CalendarImportSerializer(serializers.ModelSerializer):
    team = team_field(read_only=True)
    status = NamedChoiceField(
        choices=CalendarImport.Status.choices, enum_name="CalendarImportStatusEnum", read_only=True
    )

    class Meta:
        model = CalendarImport
        fields = [
            "id",
            "original_name",
            "team",
            "status",
            "total_rows",
            "processed_rows",
            "created_count",
            "updated_count",
            "rejected_count",
            "errors",
            "message",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class CalendarImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A CSV: account, contacts or audience role, type, channel, scheduled at...")
    team = team_field(default=Team.MARKETING, help_text="The team whose sends the file holds.")


class CalendarImportFilter(TenantFilterSet):
    status = filters.ChoiceFilter(choices=CalendarImport.Status.choices)
    team = filters.ChoiceFilter(choices=Team.choices)

    class Meta:
        model = CalendarImport
        fields = ["status", "team"]


class ImportPermission(RolePermission):
    def has_permission(self, request, view) -> bool:
        if request.method == "POST" and not membership_can(getattr(request, "membership", None), Capability.MANAGE):
            self.message = "Only a CS leader or an admin imports campaign sends: they touch many accounts at once."
            return False
        return super().has_permission(request, view)


class CalendarImportViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Campaign imports: marketing or support sends planned elsewhere, uploaded as CSV (multipart) so they show
    on the calendar and count against caps. Processed in the background: `status`, the counts and each row
    skipped (line, column, value, why) tell how far it got. A second import of the same external id updates."""

    model = CalendarImport
    serializer_class = CalendarImportSerializer
    permission_classes = [ImportPermission]
    parser_classes = [MultiPartParser, FormParser]
    lookup_url_kwarg = "import_id"
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["created_at"]
    search_fields = ["original_name"]
    filterset_class = CalendarImportFilter

    def tenant_queryset(self, tenant) -> QuerySet[CalendarImport]:
        return selectors.calendar_import_list(tenant=tenant)

    @extend_schema(
        request={"multipart/form-data": CalendarImportUploadSerializer},
        responses={201: CalendarImportSerializer, 202: CalendarImportSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = validated(CalendarImportUploadSerializer(data=request.data))
        with queue_watch() as watch:
            calendar_import = import_services.calendar_import_create(
                tenant=request.tenant, uploaded_file=data["file"], team=data["team"], by=request.user
            )
        body = self.get_serializer(calendar_import).data
        if watch.failed:
            # Kept and queued: it starts when the queue is back.
            return Response({**body, "detail": BACKGROUND_UNAVAILABLE}, status=status.HTTP_202_ACCEPTED)
        return Response(body, status=status.HTTP_201_CREATED)
