"""REST API of journey analytics (journey-analytics): the figures of the analytics page, with its filters.
Registered in config/api_urls.py; the definitions are in journeys/selectors/analytics/report.py."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.models import Segment
from core.api import validated

from ..selectors.analytics import DIMENSIONS, GROUPS, analytics_filters, journey_analytics


class JourneyAnalyticsQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="First day of the period; default a year before.")
    date_to = serializers.DateField(required=False, help_text="Last day of the period (included); default today.")
    segment = serializers.ChoiceField(choices=Segment.choices, required=False, help_text="Accounts of one segment.")
    tier = serializers.IntegerField(required=False, help_text="Accounts of one service tier (its id).")
    csm = serializers.IntegerField(required=False, help_text="Accounts one user owns (their user id).")

    def validate(self, data):
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise serializers.ValidationError({"date_to": f"The period ends ({end}) before it starts ({start})."})
        return data


class FiltersSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    segment = serializers.CharField(help_text="Blank: every segment.")
    tier = serializers.IntegerField(allow_null=True)
    csm = serializers.IntegerField(allow_null=True)


class StageFiguresSerializer(serializers.Serializer):
    stage = serializers.CharField(help_text='A stage, or "all".')
    label = serializers.CharField()
    entered = serializers.IntegerField(help_text="Stays entered in the period.")
    closed = serializers.IntegerField(help_text="Stays left in the period, by any transition.")
    moved_on = serializers.IntegerField(help_text="Closed stays left by an advance or a skip.")
    advanced = serializers.IntegerField()
    skipped = serializers.IntegerField()
    regressed = serializers.IntegerField()
    still_there = serializers.IntegerField(help_text="Stays nothing had left by the period's end.")
    mean_days = serializers.FloatField(allow_null=True, help_text="Mean days of the stays that moved on.")
    median_days = serializers.FloatField(allow_null=True, help_text="Median days of the stays that moved on.")
    completion_rate = serializers.FloatField(allow_null=True, help_text="moved_on / closed, 0-1; null: none closed.")
    regression_rate = serializers.FloatField(allow_null=True, help_text="regressed / closed, 0-1.")
    skip_rate = serializers.FloatField(allow_null=True, help_text="skipped / moved_on, 0-1.")


class BreakdownGroupSerializer(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=list(DIMENSIONS))
    value = serializers.CharField(help_text="Segment code, tier id, cohort (2026-Q1) or owner id; blank: none.")
    label = serializers.CharField()
    total = StageFiguresSerializer()
    stages = StageFiguresSerializer(many=True)


class ReasonTextSerializer(serializers.Serializer):
    text = serializers.CharField()
    count = serializers.IntegerField()


class ReasonCountSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    share = serializers.FloatField(help_text="Of the period's regressions, 0-1.")
    texts = ReasonTextSerializer(many=True, help_text='"Other": its texts, grouped.')


class OutcomeGroupSerializer(serializers.Serializer):
    grouping = serializers.ChoiceField(choices=sorted({g for g, _, _ in GROUPS}))
    key = serializers.ChoiceField(choices=[key for _, key, _ in GROUPS])
    label = serializers.CharField()
    accounts = serializers.IntegerField()
    churned = serializers.IntegerField()
    churn_rate = serializers.FloatField(allow_null=True, help_text="churned / accounts; null: no account.")
    retention_rate = serializers.FloatField(allow_null=True, help_text="Still a customer / accounts.")


class JourneyAnalyticsSerializer(serializers.Serializer):
    filters = FiltersSerializer()
    has_transitions = serializers.BooleanField(help_text="Whether the tenant has any transition at all.")
    tracks = serializers.IntegerField()
    accounts = serializers.IntegerField()
    overall = StageFiguresSerializer()
    stages = StageFiguresSerializer(many=True)
    breakdowns = BreakdownGroupSerializer(many=True)
    reasons = ReasonCountSerializer(many=True)
    regressions = serializers.IntegerField()
    outcomes = OutcomeGroupSerializer(many=True)


class JourneyAnalyticsView(GenericAPIView):
    """Journey analytics: per stage the stays entered, closed and still there, completion, mean and
    median days, regression and skip rates; the same per segment, service tier, signup cohort and
    CSM; regression reasons; churn and retention by path. Any member reads them. Until renewal
    outcomes are recorded, "retained" means still a customer."""

    serializer_class = JourneyAnalyticsSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(parameters=[JourneyAnalyticsQuerySerializer], responses={200: JourneyAnalyticsSerializer})
    def get(self, request):
        query = validated(JourneyAnalyticsQuerySerializer(data=request.query_params))
        filters = analytics_filters(
            tenant=request.tenant,
            date_from=query.get("date_from"),
            date_to=query.get("date_to"),
            segment=query.get("segment", ""),
            tier_id=query.get("tier"),
            csm_id=query.get("csm"),
        )
        report = journey_analytics(tenant=request.tenant, filters=filters)
        return Response(JourneyAnalyticsSerializer(report.as_dict()).data)
