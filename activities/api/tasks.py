"""REST API of tasks (/api/v1/tasks/: list with filters, create, read, change; `close`, `snooze`, `reopen`,
`reassign`; POST tasks/bulk/).

Viewers read; a CSM changes their own tasks (and takes the unassigned ones of accounts they own); leaders and
admins change any, and only they give a task to someone else. Every write goes through activities.services,
under the same rules as the pages."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import tenant_time
from core.api import TenantFilterSet, TenantViewSetMixin, validated
from tenancy.parsing import parse_id
from tenancy.permissions import RolePermission, may_assign_to

from .. import selectors
from ..models import Priority, Task, TaskSource, TaskStatus
from ..selectors.tasks import BUCKETS, may_edit_task
from ..services import tasks as services
from .serializers import (
    TaskBulkResultSerializer,
    TaskBulkSerializer,
    TaskCloseSerializer,
    TaskCreateSerializer,
    TaskReassignSerializer,
    TaskSerializer,
    TaskSnoozeSerializer,
    TaskUpdateSerializer,
)

NOT_YOURS = "CSMs change their own tasks; viewers read only."


class TaskPermission(RolePermission):
    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return super().has_object_permission(request, view, obj)
        self.message = NOT_YOURS
        return may_edit_task(getattr(request, "membership", None), obj)


class TaskFilter(TenantFilterSet):
    owner = filters.CharFilter(method="filter_owner", help_text="'me' (the caller), 'none' (unassigned) or a user id.")
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    source = filters.ChoiceFilter(choices=TaskSource.choices)
    status = filters.ChoiceFilter(choices=TaskStatus.choices)
    priority = filters.ChoiceFilter(choices=Priority.choices)
    bucket = filters.ChoiceFilter(
        method="filter_bucket",
        choices=[(bucket, bucket) for bucket in BUCKETS],
        help_text="Live tasks by the day they are work (the snooze's end, or the due day) against the tenant's "
        "today: overdue, today, this_week (to Sunday) or later.",
    )

    class Meta:
        model = Task
        fields = ["owner", "account", "source", "status", "priority", "bucket"]

    def filter_owner(self, queryset, name, value):
        value = value.strip()
        if value == "me":
            return queryset.filter(owner_id=self.request.user.pk)
        if value == "none":
            return queryset.filter(owner__isnull=True)
        if (owner_id := parse_id(value)) is None:
            raise exceptions.ValidationError({"owner": ["Use 'me', 'none' or a user id."]})
        return queryset.filter(owner_id=owner_id)

    def filter_bucket(self, queryset, name, value):
        tenant = self.request.tenant
        live = selectors.tasks.inbox_bucket(
            tenant=tenant, filters=selectors.tasks.InboxFilters(), bucket=value, today=tenant_time.today(tenant)
        )
        return queryset.filter(pk__in=live.values("pk"))


class TaskViewSet(
    TenantViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Tasks: every app's to-dos in one list (renewal checkpoints, cadence steps, journey flags, health
    signals, playbook runs, and those made by hand), each with its owner, due day, priority, status and the
    source it came from (`source`, `source_id`, `source_url`)."""

    model = Task
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    permission_classes = [TaskPermission]
    lookup_url_kwarg = "activity_task_id"
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering_fields = ["due_on", "created_at", "closed_at"]
    search_fields = ["title", "account__name"]

    def tenant_queryset(self, tenant) -> QuerySet[Task]:
        return selectors.tasks.task_list(tenant=tenant).order_by("due_on", "id")

    def _detail(self, task: Task, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.tasks.task_get(tenant=self.request.tenant, task_id=task.pk)
        return Response(TaskSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=TaskCreateSerializer, responses={201: TaskSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(TaskCreateSerializer(data=request.data, context={"request": request}))
        owner = data.get("owner", request.user)
        if not may_assign_to(request.membership, owner):
            raise exceptions.PermissionDenied("Only a CS leader or an admin gives a task to someone else.")
        draft = services.TaskDraft.by_hand(data, owner=owner, by=request.user)
        task, _ = services.task_create(tenant=request.tenant, draft=draft)
        return self._detail(task, status.HTTP_201_CREATED)

    @extend_schema(request=TaskUpdateSerializer, responses=TaskSerializer)
    def partial_update(self, request, *args, **kwargs):
        task = self.get_object()
        data = validated(TaskUpdateSerializer(data=request.data, context={"request": request}))
        services.task_update(tenant=request.tenant, task=task, **data)
        return self._detail(task)

    @extend_schema(
        request=TaskCloseSerializer,
        responses=TaskSerializer,
        description="Completes (done) or skips the task, with what came of it; a note on a completed task of an "
        "account is logged on the account's timeline too. Closing a closed task keeps its first close.",
    )
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        task = self.get_object()
        data = validated(TaskCloseSerializer(data=request.data))
        services.task_close(tenant=request.tenant, task=task, status=data["status"], by=request.user, note=data["note"])
        return self._detail(task)

    @extend_schema(request=TaskSnoozeSerializer, responses=TaskSerializer, description="Away until a later day.")
    @action(detail=True, methods=["post"])
    def snooze(self, request, *args, **kwargs):
        task = self.get_object()
        data = validated(TaskSnoozeSerializer(data=request.data))
        services.task_snooze(tenant=request.tenant, task=task, until=data["until"])
        return self._detail(task)

    @extend_schema(request=None, responses=TaskSerializer, description="Open again (a closed or snoozed task).")
    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        task = self.get_object()
        services.task_reopen(tenant=request.tenant, task=task)
        return self._detail(task)

    @extend_schema(
        request=TaskReassignSerializer,
        responses=TaskSerializer,
        description="Gives the task to someone (or nobody); for leaders and admins, a CSM may only take it.",
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request, *args, **kwargs):
        task = self.get_object()
        data = validated(TaskReassignSerializer(data=request.data, context={"request": request}))
        if not may_assign_to(request.membership, data["owner"]):
            raise exceptions.PermissionDenied("Only a CS leader or an admin gives a task to someone else.")
        services.task_reassign(tenant=request.tenant, task=task, owner=data["owner"])
        return self._detail(task)

    @extend_schema(
        request=TaskBulkSerializer,
        responses=TaskBulkResultSerializer,
        description="One action on up to 500 tasks: complete (with a note), skip, snooze (until) or reassign "
        "(owner; leaders and admins). Ids the caller may not change, or that are not the tenant's, are left alone "
        "and listed in `not_allowed`.",
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request, *args, **kwargs):
        data = validated(TaskBulkSerializer(data=request.data, context={"request": request}))
        if data["action"] == "reassign" and not may_assign_to(request.membership, data["owner"]):
            raise exceptions.PermissionDenied("Only a CS leader or an admin gives tasks to someone else.")
        found = {task.pk: task for task in self.tenant_queryset(request.tenant).filter(pk__in=data["tasks"])}
        allowed = [task for task in found.values() if may_edit_task(request.membership, task)]
        changed = services.tasks_bulk(
            tenant=request.tenant,
            tasks=allowed,
            action=data["action"],
            by=request.user,
            until=data["until"],
            owner=data["owner"],
            note=data["note"],
        )
        allowed_ids = {task.pk for task in allowed}
        not_allowed = sorted({pk for pk in data["tasks"] if pk not in allowed_ids})
        return Response({"changed": changed, "not_allowed": not_allowed})
