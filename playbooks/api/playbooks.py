"""REST API of playbooks: the catalogue to build them from, create and change them (the same rules as the
editor: every error keyed by its field, "actions.1.title"), switch them on and off, remove them (archived:
their runs stay), and run one by hand on an account. Everyone reads; admins configure; running by hand is
for admins and leaders, and for CSMs on their own accounts where the playbook allows it."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Account, CustomFieldDefinition
from communications.composing.merge import MERGE_FIELDS
from core.api import NamedChoiceField, TenantFilterSet, TenantPrimaryKeyRelatedField, TenantViewSetMixin, validated
from tenancy.permissions import Capability

from ..catalogue import ACTIONS, CONDITIONS, OP_LABELS, OUTCOME_MEASURES, TRIGGERS, Param
from ..models import OutcomeMeasure, Playbook
from ..selectors.playbooks import trigger_sentence
from ..services import playbooks as service
from ..services.by_hand import may_run_by_hand, run_by_hand
from ..services.definitions import CUSTOM_OPS, CUSTOM_PREFIX
from .runs import PlaybookRunSerializer

TRIGGER_CHOICES = [(key, spec.label) for key, spec in TRIGGERS.items()]


class PlaybookSerializer(serializers.ModelSerializer):
    trigger = NamedChoiceField(choices=TRIGGER_CHOICES, enum_name="PlaybookTriggerEnum")
    trigger_params = serializers.JSONField(
        required=False, help_text='The trigger\'s settings by name, as the catalogue lists them: {"to": "red"}.'
    )
    conditions = serializers.JSONField(
        required=False,
        help_text='All must hold: [{"field": "segment", "op": "in", "value": ["enterprise"]}, '
        '{"field": "custom:<key>", "op": "eq", "value": true}, ...].',
    )
    actions = serializers.JSONField(
        required=False,
        help_text='In order: [{"type": "create_task", "title": "Call {{ account.name }}", "due_in_days": 2}, '
        '{"type": "enrol_cadence", "cadence": 3}, ...].',
    )
    outcome_measure = NamedChoiceField(
        choices=OutcomeMeasure.choices, enum_name="PlaybookOutcomeMeasureEnum", required=False
    )
    sentence = serializers.SerializerMethodField(help_text='The trigger as a sentence: "When health turns Red".')

    class Meta:
        model = Playbook
        fields = [
            "id",
            "name",
            "description",
            "trigger",
            "trigger_params",
            "conditions",
            "actions",
            "sentence",
            "is_enabled",
            "cooldown_days",
            "stop_when_resolved",
            "csm_may_run",
            "outcome_measure",
            "version",
            "broken_reason",
            "default_key",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "sentence",
            "is_enabled",
            "version",
            "broken_reason",
            "default_key",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        # The service checks names (unique among live playbooks) and ranges, with the definition's errors.
        extra_kwargs = {
            "name": {"validators": []},
            "cooldown_days": {"min_value": None, "max_value": None},
        }

    def get_sentence(self, playbook: Playbook) -> str:
        return trigger_sentence(playbook.trigger, playbook.trigger_params)


class RunByHandSerializer(serializers.Serializer):
    account = TenantPrimaryKeyRelatedField(
        model=Account, rows=lambda tenant: Account.objects.filter(tenant=tenant), help_text="The account to run it on."
    )


class PlaybookFilter(TenantFilterSet):
    trigger = filters.ChoiceFilter(choices=TRIGGER_CHOICES)
    is_enabled = filters.BooleanFilter()
    archived = filters.BooleanFilter(
        field_name="archived_at", lookup_expr="isnull", exclude=True, help_text="true: only removed playbooks."
    )

    class Meta:
        model = Playbook
        fields = ["trigger", "is_enabled"]


def _param(param: Param) -> dict:
    return {
        "name": param.name,
        "label": param.label,
        "kind": param.kind,
        "choices": [{"value": value, "label": label} for value, label in param.choice_list()],
        "required": param.required,
        "default": param.default,
        "minimum": param.minimum,
        "maximum": param.maximum,
        "help": param.help,
    }


def catalogue_data(*, custom_fields: list[CustomFieldDefinition]) -> dict:
    """What a playbook can be made of, with the tenant's own custom fields as conditions."""
    return {
        "triggers": [
            {
                "key": spec.key,
                "label": spec.label,
                "family": spec.family,
                "sentence": spec.sentence,
                "resolvable": spec.resolvable,
                "params": [_param(p) for p in spec.params],
            }
            for spec in TRIGGERS.values()
        ],
        "conditions": [
            {
                "field": spec.key,
                "label": spec.label,
                "kind": spec.kind,
                "ops": [{"op": op, "label": OP_LABELS[op]} for op in spec.ops],
                "choices": [{"value": value, "label": label} for value, label in spec.choice_list()],
            }
            for spec in CONDITIONS.values()
            if spec.key != "custom"
        ]
        + [
            {
                "field": CUSTOM_PREFIX + definition.key,
                "label": definition.label,
                "kind": definition.field_type,
                "ops": [{"op": op, "label": OP_LABELS[op]} for op in CUSTOM_OPS[definition.field_type]],
                "choices": [{"value": choice, "label": choice} for choice in definition.choices or []],
            }
            for definition in custom_fields
        ],
        "actions": [
            {"type": spec.key, "label": spec.label, "params": [_param(p) for p in spec.params]}
            for spec in ACTIONS.values()
        ],
        "outcome_measures": [{"value": value, "label": label} for value, label in OUTCOME_MEASURES],
        "merge_fields": MERGE_FIELDS,
        "assignees": 'Who gets the work: "owner" (the account\'s CSM), "role:csm|leader|admin" (the first '
        'active member of that role) or "user:<id>" (a CSM, leader or admin of the tenant).',
    }


class PlaybookViewSet(
    TenantViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Playbooks: when a trigger fires for an account that meets the conditions, take the actions in order.
    New playbooks start off; `enable` refuses one whose definition no longer holds. DELETE removes a
    playbook from the lists and switches it off for good; its runs and their tasks stay (archived_at)."""

    model = Playbook
    serializer_class = PlaybookSerializer
    filterset_class = PlaybookFilter
    lookup_url_kwarg = "playbook_id"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering_fields = ["name", "updated_at"]
    search_fields = ["name"]

    @property
    def write_capability(self) -> Capability:
        # Running by hand is the member's own work (may_run_by_hand decides); everything else configures.
        return Capability.EDIT if self.action == "run" else Capability.CONFIGURE

    def tenant_queryset(self, tenant) -> QuerySet[Playbook]:
        rows = Playbook.objects.filter(tenant=tenant).order_by("name", "id")
        if self.action == "list" and "archived" not in self.request.query_params:
            rows = rows.filter(archived_at=None)
        return rows

    def _answer(self, playbook: Playbook, code: int = status.HTTP_200_OK) -> Response:
        playbook.refresh_from_db()
        return Response(PlaybookSerializer(playbook, context=self.get_serializer_context()).data, status=code)

    def create(self, request, *args, **kwargs):
        data = validated(PlaybookSerializer(data=request.data, context=self.get_serializer_context()))
        playbook = service.playbook_create(tenant=request.tenant, by=request.user, **data)
        return self._answer(playbook, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        playbook = self.get_object()
        if playbook.archived_at is not None:
            raise exceptions.ValidationError({"non_field_errors": ["This playbook was removed; it cannot change."]})
        data = validated(PlaybookSerializer(data=request.data, partial=True, context=self.get_serializer_context()))
        playbook = service.playbook_update(tenant=request.tenant, playbook=playbook, by=request.user, **data)
        return self._answer(playbook)

    def perform_destroy(self, instance: Playbook) -> None:
        service.playbook_archive(tenant=self.request.tenant, playbook=instance, by=self.request.user)

    @extend_schema(request=None, responses=PlaybookSerializer)
    @action(detail=True, methods=["post"])
    def enable(self, request, *args, **kwargs):
        """Switch it on (refused, with why, while it is broken or its definition no longer holds)."""
        playbook = service.playbook_enable(tenant=request.tenant, playbook=self.get_object(), by=request.user)
        return self._answer(playbook)

    @extend_schema(request=None, responses=PlaybookSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request, *args, **kwargs):
        """Switch it off: later occurrences are recorded as held runs, the comparison group."""
        playbook = service.playbook_disable(tenant=request.tenant, playbook=self.get_object(), by=request.user)
        return self._answer(playbook)

    @extend_schema(request=RunByHandSerializer, responses={202: PlaybookRunSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request, *args, **kwargs):
        """Run it now on an account; its actions follow in the background (follow the run)."""
        # Not get_object(): the object check asks for ownership of the playbook, which nobody has.
        playbook = self.get_queryset().filter(pk=self.kwargs["playbook_id"]).first()
        if playbook is None:
            raise exceptions.NotFound()
        data = validated(RunByHandSerializer(data=request.data, context=self.get_serializer_context()))
        account = data["account"]
        if not may_run_by_hand(membership=request.membership, playbook=playbook, account=account):
            raise exceptions.PermissionDenied(
                "You may not run this playbook on this account: CSMs run the playbooks an admin allows, on "
                "their own accounts."
            )
        if playbook.archived_at is not None or playbook.broken_reason:
            raise exceptions.ValidationError(
                {"non_field_errors": [f"It cannot run: {playbook.broken_reason or 'it was removed'}."]}
            )
        made = run_by_hand(tenant=request.tenant, playbook=playbook, account=account, by=request.user)
        return Response(PlaybookRunSerializer(made, context=self.get_serializer_context()).data, status=202)

    @extend_schema(
        responses=inline_serializer(
            "PlaybookCatalogue",
            {
                "triggers": serializers.ListField(child=serializers.DictField()),
                "conditions": serializers.ListField(child=serializers.DictField()),
                "actions": serializers.ListField(child=serializers.DictField()),
                "outcome_measures": serializers.ListField(child=serializers.DictField()),
                "merge_fields": serializers.DictField(child=serializers.CharField()),
                "assignees": serializers.CharField(),
            },
        )
    )
    @action(detail=False, methods=["get"])
    def catalogue(self, request, *args, **kwargs):
        """The triggers (with their settings), conditions (with this tenant's custom fields), actions, outcome
        measures and merge fields a playbook is built from."""
        fields = list(CustomFieldDefinition.objects.filter(tenant=request.tenant))
        return Response(catalogue_data(custom_fields=fields))
