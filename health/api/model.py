"""REST API of the health model: its versions (health-models; admins save a new one), recompute runs
(recompute-runs; admins start one) and the backtest of the models in effect (health-backtest, for
leaders and admins). Same services as the pages in views/model.py. Registered in config/api_urls.py."""

from django.core.exceptions import ValidationError
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.models import Segment
from core.api import NamedChoiceField, TenantFilterSet, TenantViewSetMixin, validated
from tenancy.permissions import Capability
from tenancy.queue import BACKGROUND_UNAVAILABLE, queue_watch

from ..models import Band, HealthModel, RecomputeRun, RunKind, RunStatus
from ..selectors import scores as selectors
from ..services import backtest, backtest_jobs, runs
from ..services import scores as services

SEGMENTS = [("", "All segments"), *Segment.choices]
ALL_SEGMENTS = "all_segments"  # the filter's word for the blank segment: a blank filter value means "any"


class HealthModelSerializer(serializers.ModelSerializer):
    segment = NamedChoiceField(choices=SEGMENTS, enum_name="HealthModelSegmentEnum", read_only=True)
    measures = serializers.JSONField(read_only=True, help_text="{measure key: {weight, curve: [[raw, points], ...]}}.")
    custom_measures = serializers.JSONField(
        read_only=True, help_text="[{key, label, family, source, name, weight, rules: [{op, value, points}]}]."
    )
    power_user_share = serializers.FloatField(read_only=True)
    signal_cooldowns = serializers.JSONField(read_only=True, help_text="{signal kind: days quiet after it resolves}.")

    class Meta:
        model = HealthModel
        fields = [
            "id",
            "segment",
            "version",
            "is_current",
            "measures",
            "custom_measures",
            "green_from",
            "yellow_from",
            "power_user_share",
            "signal_cooldowns",
            "note",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields


class MeasureSettingSerializer(serializers.Serializer):
    weight = serializers.FloatField(help_text="0-100, relative to the other weights; 0 leaves the measure out.")
    curve = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2),
        required=False,
        help_text="[[raw value, points 0-100], ...], at least two; omitted: the measure's default curve.",
    )


class HealthModelWriteSerializer(serializers.Serializer):
    segment = NamedChoiceField(
        choices=SEGMENTS, enum_name="HealthModelSegmentEnum", default="", help_text="Blank: every segment."
    )
    measures = serializers.DictField(
        child=MeasureSettingSerializer(),
        help_text="{measure key: {weight, curve}}; measures left out are not scored.",
    )
    custom_measures = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        default=list,
        help_text="[{label, source: field|custom_field|metric, name, weight, rules: [{op, value, points}], "
        "default_points}]; a rule's op is one of >=, >, <=, <, =, !=.",
    )
    green_from = serializers.IntegerField(default=70, help_text="Scores from here up are green.")
    yellow_from = serializers.IntegerField(default=40, help_text="Scores from here up to green are yellow.")
    power_user_share = serializers.FloatField(default=0.2, help_text="The top share of an account's people (0-1].")
    note = serializers.CharField(max_length=300, allow_blank=True, default="", help_text="What changed, in a line.")


def _body_errors(error: ValidationError) -> exceptions.ValidationError:
    """The service names a measure's problem by the measure's key; in the body that key is under `measures`."""
    if not hasattr(error, "error_dict"):
        return exceptions.ValidationError({"non_field_errors": error.messages})
    fields: dict = {}
    for name, messages in error.message_dict.items():
        if name in HealthModelWriteSerializer().fields:
            fields[name] = messages
        else:
            fields.setdefault("measures", {})[name] = messages
    return exceptions.ValidationError(fields)


class HealthModelFilter(TenantFilterSet):
    segment = filters.ChoiceFilter(
        choices=[*Segment.choices, (ALL_SEGMENTS, "All segments")],
        method="filter_segment",
        help_text=f"One segment's versions; `{ALL_SEGMENTS}` for the model every segment falls back to.",
    )
    is_current = filters.BooleanFilter(help_text="true: the versions in effect.")

    class Meta:
        model = HealthModel
        fields = ["segment", "is_current"]

    def filter_segment(self, queryset, name, value):
        return queryset.filter(segment="" if value == ALL_SEGMENTS else value)


class HealthModelViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every version of the health model, per segment (blank: the one every segment without its own
    uses), the newest first. Every member reads them; admins save a new version, which scores
    accounts from their next recompute and leaves the old one for the snapshots that name it."""

    model = HealthModel
    serializer_class = HealthModelSerializer
    filterset_class = HealthModelFilter
    lookup_url_kwarg = "health_model_id"
    write_capability = Capability.CONFIGURE
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["version", "created_at"]
    search_fields = ["note"]

    def tenant_queryset(self, tenant):
        return selectors.health_model_versions(tenant=tenant)

    @extend_schema(
        request=HealthModelWriteSerializer,
        responses={201: HealthModelSerializer},
        description="Saves a new version of the segment's model; it becomes the current one. Signal "
        "cooldowns carry over from the previous version. A broken rule is a 400 naming the field "
        "(a measure's problem under `measures`, by its key).",
    )
    def create(self, request, *args, **kwargs):
        data = validated(HealthModelWriteSerializer(data=request.data))
        try:
            saved = services.health_model_save(tenant=request.tenant, by=request.user, **data)
        except ValidationError as error:
            raise _body_errors(error) from error
        saved.refresh_from_db()  # the share as stored (two decimals)
        return Response(HealthModelSerializer(saved).data, status=status.HTTP_201_CREATED)


class RecomputeRunSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(choices=RunKind.choices, enum_name="RecomputeRunKindEnum", read_only=True)
    status = NamedChoiceField(choices=RunStatus.choices, enum_name="RecomputeRunStatusEnum", read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text="Accounts done, 0-100.")
    stale = serializers.BooleanField(
        source="is_stale",
        read_only=True,
        help_text="Running with a batch past its lease (the task time limit and a minute): its worker died, "
        "and the sweep hands the batch out again.",
    )
    stale_batches = serializers.IntegerField(read_only=True, default=0, help_text="Batches past their lease.")

    class Meta:
        model = RecomputeRun
        fields = [
            "id",
            "kind",
            "day",
            "status",
            "total_batches",
            "done_batches",
            "total_accounts",
            "done_accounts",
            "percent",
            "stale",
            "stale_batches",
            "started_at",
            "finished_at",
            "requested_by",
        ]
        read_only_fields = fields


class RecomputeRunFilter(TenantFilterSet):
    kind = filters.ChoiceFilter(choices=RunKind.choices)
    status = filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = RecomputeRun
        fields = ["kind", "status"]


class RecomputeRunViewSet(
    TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Recomputes of the tenant's active accounts for a day: the nightly one and those an admin
    starts, the newest first, with their progress batch by batch."""

    model = RecomputeRun
    serializer_class = RecomputeRunSerializer
    filterset_class = RecomputeRunFilter
    lookup_url_kwarg = "recompute_run_id"
    write_capability = Capability.CONFIGURE
    http_method_names = ["get", "post", "head", "options"]
    ordering_fields = ["started_at", "day"]
    search_fields: list[str] = []

    def tenant_queryset(self, tenant):
        return runs.recompute_run_list(tenant=tenant)

    @extend_schema(
        request=None,
        responses={201: RecomputeRunSerializer, 202: RecomputeRunSerializer},
        description="Starts recomputing every active account for today (the tenant's day); admins only. "
        "The run comes back at once; follow it on its detail until its status is done. While today's run "
        "is running, the same run comes back (its unfinished batches sent again). 202 with a `detail`: the "
        "queue is unavailable right now; the run is kept and starts when the queue is back.",
    )
    def create(self, request, *args, **kwargs):
        with queue_watch() as watch:
            run = runs.run_start_manual(tenant=request.tenant, by=request.user)
        data = RecomputeRunSerializer(run).data
        if watch.failed:
            return Response({**data, "detail": BACKGROUND_UNAVAILABLE}, status=status.HTTP_202_ACCEPTED)
        return Response(data, status=status.HTTP_201_CREATED)


class BacktestBandSerializer(serializers.Serializer):
    band = NamedChoiceField(choices=Band.choices, enum_name="HealthBandEnum", read_only=True)
    accounts = serializers.IntegerField(read_only=True)
    churned = serializers.IntegerField(read_only=True)
    rate = serializers.FloatField(read_only=True, allow_null=True, help_text="Churned / accounts; null: none.")


class BacktestHorizonSerializer(serializers.Serializer):
    days = serializers.IntegerField(read_only=True, help_text="Scored this many days before the outcome.")
    scored = serializers.IntegerField(read_only=True, help_text="Accounts with a score that day.")
    churned = serializers.IntegerField(read_only=True)
    retained = serializers.IntegerField(read_only=True)
    auc = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Chance a churn scored below a retained account; null: no pair."
    )
    bands = BacktestBandSerializer(many=True, read_only=True)
    before_data = serializers.IntegerField(
        read_only=True, help_text="Outcomes left out: the day N days before them came before the first product data."
    )


class BacktestLeadTimeSerializer(serializers.Serializer):
    churned = serializers.IntegerField(read_only=True, help_text="Churns with a score in the 90 days before.")
    flagged = serializers.IntegerField(read_only=True, help_text="Of them, red at least once before the churn.")
    flagged_early = serializers.IntegerField(read_only=True, help_text="Red at least `early_days` before.")
    early_days = serializers.IntegerField(read_only=True)
    days = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, help_text="Per flagged churn: days from first red to churn."
    )
    median = serializers.FloatField(read_only=True, allow_null=True)
    mean = serializers.FloatField(read_only=True, allow_null=True)
    sentence = serializers.CharField(read_only=True)


class BacktestReportSerializer(serializers.Serializer):
    today = serializers.DateField(read_only=True, help_text="The day the backtest looked back from.")
    source = serializers.ChoiceField(
        choices=[backtest.OUTCOMES_RENEWALS, backtest.OUTCOMES_ACCOUNTS],
        read_only=True,
        help_text="renewals: decided renewals (and accounts ended by hand) are the outcomes; "
        "accounts: without any decided renewal, churned accounts and active ones (retained today).",
    )
    churned_accounts = serializers.IntegerField(
        read_only=True, help_text="Churns: renewals lost, or accounts churned with a churn date."
    )
    retained_accounts = serializers.IntegerField(
        read_only=True, help_text="Renewals won (renewed, expanded, contracted); without renewals, active accounts."
    )
    data_from = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="The tenant's first day of product usage; nothing is scored before it.",
    )
    horizons = BacktestHorizonSerializer(many=True, read_only=True)
    lead_time = BacktestLeadTimeSerializer(read_only=True)


class BacktestProgressSerializer(serializers.Serializer):
    status = serializers.CharField(
        read_only=True,
        help_text='"building": ask again; the report is on its way. "unavailable": the queue is down right now; '
        "ask again later and the build starts.",
    )
    days_read = serializers.IntegerField(read_only=True)
    days_needed = serializers.IntegerField(read_only=True, help_text="0 while the outcomes are being found.")
    detail = serializers.CharField(read_only=True, required=False, help_text="Why nothing is building, if so.")


class HealthBacktestView(GenericAPIView):
    """How well the models in effect would have told churn from retention: each known outcome scored
    30, 60 and 90 days before it, churn rate by band, AUC, and how early churned accounts turned red.
    For CS leaders and admins. The report is built in the background: until it is ready the answer is
    202 with the build's progress; ask again."""

    serializer_class = BacktestReportSerializer
    read_capability = Capability.MANAGE

    @extend_schema(responses={200: BacktestReportSerializer, 202: BacktestProgressSerializer})
    def get(self, request):
        job = backtest_jobs.backtest_report_get(tenant=request.tenant)
        if job.result is None:
            progress = {"status": "building", "days_read": job.days_read, "days_needed": job.days_needed}
            if job.unavailable:
                progress |= {"status": "unavailable", "detail": BACKGROUND_UNAVAILABLE}
            return Response(BacktestProgressSerializer(progress).data, status=status.HTTP_202_ACCEPTED)
        return Response(BacktestReportSerializer(job.result).data)
