"""REST API of the owners' tasks for calls, webinars, community posts and SMS (communication-tasks, with
`done`). Viewers read; a CSM completes their own tasks; leaders and admins any."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import DateTimeFilter, NamedChoiceField, TenantFilterSet, TenantViewSetMixin, validated

from .. import selectors
from ..models import OwnerTask, OwnerTaskStatus
from ..services import owner_tasks as task_services
from .calendar import channel_field, filter_owner


def task_status_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=OwnerTaskStatus.choices, enum_name="CommunicationTaskStatusEnum", **kwargs)


class CommunicationTaskSerializer(serializers.ModelSerializer):
    account = serializers.IntegerField(source="entry.account_id", read_only=True)
    account_name = serializers.CharField(source="entry.account.name", read_only=True)
    subject = serializers.CharField(source="entry.subject", read_only=True)
    channel = channel_field(source="entry.channel", read_only=True)
    status = task_status_field(read_only=True)

    class Meta:
        model = OwnerTask
        fields = ["id", "entry", "account", "account_name", "subject", "channel", "owner", "due_at", "status"]
        fields += ["note", "done_at"]
        read_only_fields = fields


class TaskDoneSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CommunicationTaskFilter(TenantFilterSet):
    owner = filters.CharFilter(method="filter_owner", help_text="'me' (the caller) or the owner's user id.")
    status = filters.ChoiceFilter(choices=OwnerTaskStatus.choices)
    account = filters.NumberFilter(field_name="entry__account_id", help_text="An account id.")
    entry = filters.NumberFilter(field_name="entry_id", help_text="A calendar entry id.")
    due_before = DateTimeFilter(field_name="due_at", lookup_expr="lt", help_text="Due before (ISO 8601).")

    class Meta:
        model = OwnerTask
        fields = ["owner", "status", "account", "entry", "due_before"]

    def filter_owner(self, queryset, name, value):
        return filter_owner(self, queryset, "owner_id", value)


class CommunicationTaskViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Calls, webinars, community posts and SMS the outbox handed to their entry's owner, soonest due first.
    `done` logs one done with a note (its owner, a leader or an admin)."""

    model = OwnerTask
    serializer_class = CommunicationTaskSerializer
    filterset_class = CommunicationTaskFilter
    lookup_url_kwarg = "task_id"
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["due_at"]
    search_fields = ["entry__subject", "entry__account__name"]

    def tenant_queryset(self, tenant) -> QuerySet[OwnerTask]:
        return selectors.owner_tasks(tenant=tenant, status=None)

    @extend_schema(request=TaskDoneSerializer, responses=CommunicationTaskSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, *args, **kwargs):
        task = self.get_object()
        data = validated(TaskDoneSerializer(data=request.data))
        task = task_services.owner_task_complete(task=task, by=request.user, note=data["note"])
        return Response(self.get_serializer(task).data)
