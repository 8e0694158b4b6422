"""Shapes of tasks and notes in the API. Every related id a client sends is chosen among the request tenant's
rows only (TenantPrimaryKeyRelatedField): another tenant's id is an "Invalid pk", like one that exists nowhere."""

from django.db.models import QuerySet
from rest_framework import serializers

from accounts import selectors as account_selectors
from accounts.models import Account
from core.api import NamedChoiceField, TenantPrimaryKeyRelatedField
from tenancy.models import Tenant, User

from ..models import Note, NoteKind, Priority, Task, TaskKind, TaskSource, TaskStatus
from ..services.tasks import BULK_ACTIONS


def tenant_accounts(tenant: Tenant) -> QuerySet[Account]:
    return account_selectors.account_list(tenant=tenant)


def tenant_owners(tenant: Tenant) -> QuerySet[User]:
    return account_selectors.assignable_owners(tenant=tenant)


def _owner(**kwargs) -> TenantPrimaryKeyRelatedField:
    return TenantPrimaryKeyRelatedField(model=User, rows=tenant_owners, allow_null=True, **kwargs)


def _account(**kwargs) -> TenantPrimaryKeyRelatedField:
    return TenantPrimaryKeyRelatedField(model=Account, rows=tenant_accounts, **kwargs)


class TaskSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(choices=TaskKind.choices, enum_name="TaskKindEnum", read_only=True)
    priority = NamedChoiceField(choices=Priority.choices, enum_name="TaskPriorityEnum", read_only=True)
    status = NamedChoiceField(choices=TaskStatus.choices, enum_name="TaskStatusEnum", read_only=True)
    source = NamedChoiceField(choices=TaskSource.choices, enum_name="TaskSourceEnum", read_only=True)
    account = serializers.IntegerField(source="account_id", read_only=True, allow_null=True)
    account_name = serializers.CharField(source="account.name", read_only=True, allow_null=True, default=None)
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)
    closed_by = serializers.IntegerField(source="closed_by_id", read_only=True, allow_null=True)
    created_by = serializers.IntegerField(source="created_by_id", read_only=True, allow_null=True)
    source_url = serializers.CharField(read_only=True, allow_null=True, help_text="The page of what made the task.")

    class Meta:
        model = Task
        fields = [
            "id",
            "title",
            "details",
            "kind",
            "priority",
            "status",
            "due_on",
            "due_at",
            "snoozed_until",
            "account",
            "account_name",
            "owner",
            "source",
            "source_id",
            "source_url",
            "outcome_note",
            "closed_by",
            "closed_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class TaskCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    details = serializers.CharField(required=False, allow_blank=True, default="")
    kind = NamedChoiceField(choices=TaskKind.choices, enum_name="TaskKindEnum", default=TaskKind.TO_DO)
    priority = NamedChoiceField(choices=Priority.choices, enum_name="TaskPriorityEnum", default=Priority.NORMAL)
    due_on = serializers.DateField()
    account = _account(required=False, allow_null=True, default=None)
    owner = _owner(required=False, help_text="Default: the caller. A CSM may only name themselves or null.")


class TaskUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    details = serializers.CharField(required=False, allow_blank=True)
    kind = NamedChoiceField(choices=TaskKind.choices, enum_name="TaskKindEnum", required=False)
    priority = NamedChoiceField(choices=Priority.choices, enum_name="TaskPriorityEnum", required=False)
    due_on = serializers.DateField(required=False)
    account = _account(required=False, allow_null=True)


class TaskCloseSerializer(serializers.Serializer):
    status = NamedChoiceField(
        choices=[(TaskStatus.DONE, "Done"), (TaskStatus.SKIPPED, "Skipped")],
        enum_name="TaskCloseStatusEnum",
        default=TaskStatus.DONE,
    )
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class TaskSnoozeSerializer(serializers.Serializer):
    until = serializers.DateField(help_text="A day after today.")


class TaskReassignSerializer(serializers.Serializer):
    owner = _owner(help_text="A person of the tenant, or null for unassigned.")


class TaskBulkSerializer(serializers.Serializer):
    action = NamedChoiceField(choices=[(a, a) for a in BULK_ACTIONS], enum_name="TaskBulkActionEnum")
    tasks = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=500)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    until = serializers.DateField(required=False, allow_null=True, default=None)
    owner = _owner(required=False, default=None)

    def validate(self, data):
        if data["action"] == "snooze" and data.get("until") is None:
            raise serializers.ValidationError({"until": ["Say until which day."]})
        return data


class TaskBulkResultSerializer(serializers.Serializer):
    changed = serializers.IntegerField()
    not_allowed = serializers.ListField(child=serializers.IntegerField(), help_text="Ids left alone: not yours.")


class NoteSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(choices=NoteKind.choices, enum_name="NoteKindEnum", default=NoteKind.NOTE)
    account = _account()
    author = serializers.IntegerField(source="author_id", read_only=True, allow_null=True)
    task = serializers.IntegerField(source="task_id", read_only=True, allow_null=True)

    class Meta:
        model = Note
        fields = ["id", "account", "author", "kind", "subject", "body", "happened_at", "task", "created_at"]
        read_only_fields = ["id", "author", "task", "created_at"]
        extra_kwargs = {"happened_at": {"required": False}}
