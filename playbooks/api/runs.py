"""REST API of playbook runs (playbook-runs), read only: what fired, for which account, the conditions as
evaluated, each action and what it made. Filter by playbook, account and status."""

from django.db.models import Prefetch, QuerySet
from django_filters import rest_framework as filters
from rest_framework import mixins, serializers, viewsets

from core.api import NamedChoiceField, TenantFilterSet, TenantViewSetMixin

from ..models import ActionStatus, HeldReason, PlaybookRun, RunAction, RunStatus


class RunActionSerializer(serializers.ModelSerializer):
    status = NamedChoiceField(choices=ActionStatus.choices, enum_name="PlaybookActionStatusEnum", read_only=True)

    class Meta:
        model = RunAction
        fields = ["position", "action_type", "status", "result", "error", "object_kind", "object_id", "at"]
        read_only_fields = fields


class PlaybookRunSerializer(serializers.ModelSerializer):
    status = NamedChoiceField(choices=RunStatus.choices, enum_name="PlaybookRunStatusEnum", read_only=True)
    held_reason = NamedChoiceField(choices=HeldReason.choices, enum_name="PlaybookHeldReasonEnum", read_only=True)
    facts = serializers.JSONField(read_only=True, help_text="What fired it: the signal, transition, checkpoint...")
    conditions_evaluated = serializers.JSONField(
        read_only=True, help_text='[{"field", "op", "value", "actual", "held"}]: the account as it was.'
    )

    class Meta:
        model = PlaybookRun
        fields = [
            "id",
            "playbook",
            "version",
            "account",
            "trigger",
            "occurrence_key",
            "facts",
            "conditions_evaluated",
            "status",
            "held_reason",
            "by",
            "fired_at",
            "attempts",
            "finished_at",
            "resolved_at",
        ]
        read_only_fields = fields


class PlaybookRunDetailSerializer(PlaybookRunSerializer):
    actions = RunActionSerializer(many=True, read_only=True, source="action_results")

    class Meta(PlaybookRunSerializer.Meta):
        fields = [*PlaybookRunSerializer.Meta.fields, "actions"]
        read_only_fields = fields


class PlaybookRunFilter(TenantFilterSet):
    # Ids of another tenant match nothing: the rows are the tenant's, whatever the filter names.
    playbook = filters.NumberFilter(field_name="playbook_id")
    account = filters.NumberFilter(field_name="account_id")
    status = filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = PlaybookRun
        fields = ["playbook", "account", "status"]


class PlaybookRunViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Runs of playbooks, newest first: one per trigger occurrence, account and playbook."""

    model = PlaybookRun
    serializer_class = PlaybookRunSerializer
    filterset_class = PlaybookRunFilter
    lookup_url_kwarg = "playbook_run_id"
    ordering_fields = ["fired_at"]

    def tenant_queryset(self, tenant) -> QuerySet[PlaybookRun]:
        rows = PlaybookRun.objects.filter(tenant=tenant).order_by("-fired_at", "-id")
        if self.action == "retrieve":
            rows = rows.prefetch_related(Prefetch("action_results", queryset=RunAction.objects.filter(tenant=tenant)))
        return rows

    def get_serializer_class(self):
        return PlaybookRunDetailSerializer if self.action == "retrieve" else PlaybookRunSerializer
