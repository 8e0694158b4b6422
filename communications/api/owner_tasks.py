"""REST API of the owners' tasks for calls, webinars, community posts and SMS (communication-tasks, with
`done`). Viewers read; a CSM completes their own tasks; leaders and admins any."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from activities.models import Task, TaskStatus
from core.api import DateTimeFilter, NamedChoiceField, TenantFilterSet, TenantViewSetMixin, validated

from .. import selectors
from ..services import owner_tasks as task_services
from .calendar import channel_field, filter_owner


def task_status_field(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=TaskStatus.choices, enum_name="CommunicationTaskStatusEnum", **kwargs)


class CommunicationTaskSerializer(serializers.ModelSerializer):
    """A cadence step's task (activities.Task), under the names this endpoint has always had: `entry` is
    the task's source, `note` what to do and `outcome_note` how it went, `done_at` when it was closed."""

    entry = serializers.IntegerField(source="source_id", read_only=True)
    account = serializers.IntegerField(source="account_id", read_only=True, allow_null=True)
    account_name = serializers.CharField(source="account.name", read_only=True, default="")
    subject = serializers.CharField(source="entry_subject", read_only=True, default="")
    channel = channel_field(source="entry_channel", read_only=True)
    status = task_status_field(read_only=True)
    note = serializers.CharField(source="details", read_only=True)
    done_at = serializers.DateTimeField(source="closed_at", read_only=True, allow_null=True)

    class Meta:
        model = Task
        fields = ["id", "entry", "account", "account_name", "subject", "channel", "owner", "due_at", "status"]
        fields += ["note", "outcome_note", "done_at"]
        read_only_fields = fields


class TaskDoneSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CommunicationTaskFilter(TenantFilterSet):
    owner = filters.CharFilter(method="filter_owner", help_text="'me' (the caller) or the owner's user id.")
    status = filters.ChoiceFilter(choices=TaskStatus.choices)
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    entry = filters.NumberFilter(field_name="source_id", help_text="A calendar entry id.")
    due_before = DateTimeFilter(field_name="due_at", lookup_expr="lt", help_text="Due before (ISO 8601).")

    class Meta:
        model = Task
        fields = ["owner", "status", "account", "entry", "due_before"]

    def filter_owner(self, queryset, name, value):
        return filter_owner(self, queryset, "owner_id", value)


class CommunicationTaskViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Calls, webinars, community posts and SMS the outbox handed to their entry's owner, soonest due first.
    `done` logs one done with a note (its owner, a leader or an admin)."""

    model = Task
    serializer_class = CommunicationTaskSerializer
    filterset_class = CommunicationTaskFilter
    lookup_url_kwarg = "task_id"
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["due_at"]
    search_fields = ["title", "account__name"]

    def tenant_queryset(self, tenant) -> QuerySet[Task]:
        return selectors.owner_tasks(tenant=tenant, status=None)

    @extend_schema(request=TaskDoneSerializer, responses=CommunicationTaskSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request, *args, **kwargs):
        task = self.get_object()
        data = validated(TaskDoneSerializer(data=request.data))
        task = task_services.owner_task_complete(task=task, by=request.user, note=data["note"])
        # Re-read: the annotations (the entry's subject and channel) come with the selector.
        return Response(self.get_serializer(self.tenant_queryset(request.tenant).get(pk=task.pk)).data)
