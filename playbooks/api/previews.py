"""REST API of playbook previews (playbook-previews): an admin starts one for a saved playbook or for a
definition not saved yet, and follows it until its result is there. The same service as the pages
(playbooks.services.preview); registered in config/api_urls.py."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.api import NamedChoiceField, TenantPrimaryKeyRelatedField, TenantViewSetMixin, validated
from tenancy.permissions import Capability
from tenancy.queue import BACKGROUND_UNAVAILABLE, queue_watch

from ..models import Playbook, PreviewJob, PreviewStatus
from ..services import preview as service


class PreviewJobSerializer(serializers.ModelSerializer):
    status = NamedChoiceField(choices=PreviewStatus.choices, enum_name="PlaybookPreviewStatusEnum", read_only=True)
    definition = serializers.JSONField(
        read_only=True, help_text="What was replayed: trigger, its params, conditions, actions and cool-down."
    )
    percent = serializers.SerializerMethodField(help_text="Days replayed, 0-100.")
    result = serializers.JSONField(
        read_only=True,
        help_text="Once done: {sentence, fired, accounts, matched, skipped, held, days, start, end, actions, "
        "by_day, examples: [{account_id, account, day, what, actions}]}; `replayed` false when the trigger's "
        "history is not kept. Conditions are checked against the accounts as they are today.",
    )

    class Meta:
        model = PreviewJob
        fields = [
            "id",
            "playbook",
            "definition",
            "days",
            "status",
            "total",
            "done",
            "percent",
            "result",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_percent(self, job: PreviewJob) -> int:
        return service.preview_shown(job)["percent"]


class PreviewStartSerializer(serializers.Serializer):
    playbook = TenantPrimaryKeyRelatedField(
        model=Playbook,
        rows=lambda tenant: Playbook.objects.filter(tenant=tenant),
        required=False,
        allow_null=True,
        help_text="A saved playbook: its definition is previewed unless `definition` is given.",
    )
    definition = serializers.JSONField(
        required=False,
        help_text="A definition not saved yet: {trigger, trigger_params, conditions, actions, "
        "cooldown_days}, as the playbooks endpoint takes it.",
    )
    days = serializers.IntegerField(min_value=1, max_value=service.MAX_DAYS, default=service.DEFAULT_DAYS)

    def validate(self, attrs):
        if attrs.get("playbook") is None and attrs.get("definition") is None:
            raise serializers.ValidationError({"definition": ["Give a playbook or a definition to preview."]})
        return attrs


class PlaybookPreviewViewSet(
    TenantViewSetMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Previews: what a playbook would have done over the last days, replayed from the stored history in the
    background. Start one, then follow it on its detail until its status is done."""

    model = PreviewJob
    serializer_class = PreviewJobSerializer
    lookup_url_kwarg = "preview_id"
    write_capability = Capability.CONFIGURE

    def tenant_queryset(self, tenant):
        return PreviewJob.objects.filter(tenant=tenant).select_related("playbook")

    @extend_schema(
        request=PreviewStartSerializer,
        responses={202: PreviewJobSerializer},
        description="Starts a preview (admins only) and answers at once, 202, with the job: follow it on its "
        "detail. A trigger or condition with errors is a 400 keyed like the playbooks endpoint's errors. "
        "With a `detail`: the queue is unavailable right now; the job is kept and starts when it is back.",
    )
    def create(self, request, *args, **kwargs):
        data = validated(PreviewStartSerializer(data=request.data, context={"request": request}))
        try:
            with queue_watch() as watch:
                job = service.preview_start(
                    tenant=request.tenant,
                    by=request.user,
                    playbook=data.get("playbook"),
                    definition=data.get("definition"),
                    days=data["days"],
                )
        except ValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from error
        body = PreviewJobSerializer(job).data
        if watch.failed:
            body = {**body, "detail": BACKGROUND_UNAVAILABLE}
        return Response(body, status=status.HTTP_202_ACCEPTED)
