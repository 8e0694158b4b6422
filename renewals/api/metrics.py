"""REST API of the renewal metrics (renewal-metrics): GRR, NRR and logo churn of a period, for the whole book
or per segment, service tier, CSM or signup cohort, and the expansion pipeline's figures. The definitions are
in renewals.selectors.metrics; the metrics page shows the same numbers."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core import tenant_time
from core.api import NamedChoiceField, validated

from ..models import OpportunityStage
from ..reporting.periods import Period, period_for
from ..selectors.metrics import GROUPINGS, pipeline_metrics, retention

GROUP_BY = [name for name in GROUPINGS if name != "tenant"]
MONEY = {"max_digits": None, "decimal_places": 2}
RATE = {"max_digits": None, "decimal_places": 6, "allow_null": True}


class RenewalMetricsQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day of the period; default this quarter's.")
    end = serializers.DateField(
        required=False, help_text="The day after the period (excluded): Q1 2027 is 2027-01-01 to 2027-04-01."
    )
    group_by = serializers.ChoiceField(
        choices=GROUP_BY, required=False, help_text="Rows per group; default one row for the whole book."
    )

    def validate(self, data):
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None):
            raise serializers.ValidationError({"end" if end is None else "start": ["Give both start and end."]})
        if start and end and end <= start:
            raise serializers.ValidationError({"end": [f"The period ends ({end}) on or before it starts ({start})."]})
        return data


class PeriodSerializer(serializers.Serializer):
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField(help_text="Excluded.")
    last_day = serializers.DateField()
    measured_on = serializers.DateField(help_text="The day the ending ARR is read: the end, or today while running.")
    is_running = serializers.BooleanField()


class RetentionRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text='The group: a segment, tier id, owner id or cohort ("2025-Q3"); "all".')
    label = serializers.CharField()
    accounts = serializers.IntegerField(help_text="Accounts with ARR on the period's first day.")
    starting_arr = serializers.DecimalField(**MONEY)
    churn = serializers.DecimalField(**MONEY, help_text="Starting ARR of the accounts with none at the end.")
    contraction = serializers.DecimalField(**MONEY)
    expansion = serializers.DecimalField(**MONEY)
    ending_arr = serializers.DecimalField(**MONEY)
    churned_accounts = serializers.IntegerField()
    contracted_accounts = serializers.IntegerField()
    expanded_accounts = serializers.IntegerField()
    grr = serializers.DecimalField(**RATE, help_text="(starting - churn - contraction) / starting; 1.0 is 100%.")
    nrr = serializers.DecimalField(**RATE, help_text="(starting - churn - contraction + expansion) / starting.")
    logo_churn_rate = serializers.DecimalField(**RATE, help_text="churned accounts / accounts.")


class StageTotalSerializer(serializers.Serializer):
    stage = NamedChoiceField(choices=OpportunityStage.choices, enum_name="OpportunityStageEnum")
    label = serializers.CharField()
    count = serializers.IntegerField()
    value = serializers.DecimalField(**MONEY)


class PipelineSerializer(serializers.Serializer):
    by_stage = StageTotalSerializer(many=True, help_text="Open stages as they stand; won and lost of the period.")
    open_count = serializers.IntegerField()
    open_value = serializers.DecimalField(**MONEY)
    won_count = serializers.IntegerField()
    won_value = serializers.DecimalField(**MONEY)
    lost_count = serializers.IntegerField()
    lost_value = serializers.DecimalField(**MONEY)
    close_rate = serializers.DecimalField(**RATE, help_text="won / (won + lost) of the period.")
    average_deal = serializers.DecimalField(**MONEY, allow_null=True, help_text="Mean value of the won ones.")
    average_days_to_close = serializers.FloatField(allow_null=True, help_text="Identified to won, in days.")


class RenewalMetricsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    group_by = serializers.CharField(allow_null=True)
    rows = RetentionRowSerializer(many=True)
    pipeline = PipelineSerializer()


class RenewalMetricsView(GenericAPIView):
    """Retention of a period [start, end): the accounts with ARR on its first day, their starting ARR, churn,
    contraction and expansion by its end (today while it runs), GRR, NRR and logo churn rate; one row for the
    whole book or one per group. With it, the expansion pipeline: value by stage, close rate, average deal
    and days to close. Any member reads them."""

    serializer_class = RenewalMetricsSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(parameters=[RenewalMetricsQuerySerializer], responses={200: RenewalMetricsSerializer})
    def get(self, request):
        query = validated(RenewalMetricsQuerySerializer(data=request.query_params))
        tenant = request.tenant
        today = tenant_time.today(tenant)
        period = Period(query["start"], query["end"]) if "start" in query else period_for("this_quarter", today)
        group_by = query.get("group_by")
        report = {
            "period": period.as_dict(today),
            "group_by": group_by,
            "rows": retention(tenant=tenant, start=period.start, end=period.end, group_by=group_by, today=today),
            "pipeline": pipeline_metrics(tenant=tenant, start=period.start, end=period.end),
        }
        return Response(RenewalMetricsSerializer(report).data)
