"""Shapes of renewals, checkpoints and forecast changes in the API: what is read, and what a write
may carry. Every related id a client sends is chosen among the request tenant's rows only
(TenantPrimaryKeyRelatedField): another tenant's id is an "Invalid pk", like an id that exists nowhere."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import selectors as account_selectors
from accounts.models import Account, Segment
from activities.models.tasks import LIVE
from core.api import NamedChoiceField, TenantPrimaryKeyRelatedField
from tenancy.models import Tenant, User

from ..models import (
    Checkpoint,
    CheckpointStatus,
    Contract,
    ExpansionOpportunity,
    Forecast,
    ForecastChange,
    Lever,
    Outcome,
    OutcomeReason,
    Renewal,
    RenewalStatus,
)

# One enum component per choice set: drf-spectacular would otherwise name them by field name (`status`,
# `kind`, `forecast`) and collide with other apps' enums.
FORECAST_ENUM = "RenewalForecastEnum"
FORECAST_OR_BLANK = [("", "None"), *Forecast.choices]


def _forecast(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Forecast.choices, enum_name=FORECAST_ENUM, **kwargs)


def segment_choice(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Segment.choices, enum_name="RenewalSegmentEnum", **kwargs)


def tenant_accounts(tenant: Tenant) -> QuerySet[Account]:
    return account_selectors.account_list(tenant=tenant)


def tenant_owners(tenant: Tenant) -> QuerySet[User]:
    return account_selectors.assignable_owners(tenant=tenant)


def tenant_contracts(tenant: Tenant) -> QuerySet[Contract]:
    return Contract.objects.filter(tenant=tenant).select_related("account")


def tenant_reasons(tenant: Tenant) -> QuerySet[OutcomeReason]:
    return OutcomeReason.objects.filter(tenant=tenant)


def tenant_opportunities(tenant: Tenant) -> QuerySet[ExpansionOpportunity]:
    return ExpansionOpportunity.objects.filter(tenant=tenant).select_related("account")


# --- renewals and checkpoints ------------------------------------------------------------------------------------


class CheckpointSerializer(serializers.ModelSerializer):
    account = serializers.IntegerField(source="renewal.account_id", read_only=True)
    # What the checkpoint's task says (activities.Task), under the names the API has always had.
    due_on = serializers.DateField(read_only=True, help_text="The task's day: the planned date, or a compressed one.")
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)
    status = NamedChoiceField(choices=CheckpointStatus.choices, enum_name="CheckpointStatusEnum", read_only=True)
    note = serializers.CharField(read_only=True)
    completed_by = serializers.IntegerField(source="completed_by_id", read_only=True, allow_null=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    task = serializers.IntegerField(
        source="task_id", read_only=True, allow_null=True, help_text="Its task in the inbox."
    )
    is_compressed = serializers.BooleanField(
        read_only=True, help_text="Due earlier than planned: the runway started late and was compressed."
    )
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = Checkpoint
        fields = [
            "id",
            "renewal",
            "account",
            "days_before",
            "title",
            "description",
            "position",
            "planned_on",
            "due_on",
            "is_compressed",
            "is_overdue",
            "owner",
            "status",
            "note",
            "completed_by",
            "completed_at",
            "task",
        ]
        read_only_fields = fields

    def get_is_overdue(self, checkpoint: Checkpoint) -> bool:
        return checkpoint.is_overdue(self.context["today"])


class CheckpointCompleteSerializer(serializers.Serializer):
    status = NamedChoiceField(
        choices=CheckpointStatus.choices,
        enum_name="CheckpointStatusEnum",
        default=CheckpointStatus.DONE,
        help_text="done, skipped (with a note saying why) or open again.",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class NextCheckpointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    days_before = serializers.IntegerField()
    due_on = serializers.DateField()
    is_overdue = serializers.BooleanField()


class RenewalSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    segment = segment_choice(source="account.segment", read_only=True)
    status = NamedChoiceField(choices=RenewalStatus.choices, enum_name="RenewalStatusEnum", read_only=True)
    forecast = _forecast(read_only=True)
    suggested_forecast = _forecast(read_only=True)
    suggestion_reasons = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Why the data suggests its category."
    )
    outcome = NamedChoiceField(
        choices=[("", "None"), *Outcome.choices], enum_name="RenewalOutcomeOrBlankEnum", read_only=True
    )
    outcome_reason_label = serializers.CharField(source="outcome_reason.label", read_only=True, allow_null=True)
    levers = serializers.ListField(
        child=NamedChoiceField(choices=Lever.choices, enum_name="RenewalLeverEnum"), read_only=True
    )
    days_left = serializers.SerializerMethodField()
    runway_begins_on = serializers.DateField(
        read_only=True, help_text="The day the account enters its renewal phase (the journey board's Renewal column)."
    )
    next_checkpoint = serializers.SerializerMethodField(help_text="The first open checkpoint; null once closed.")

    class Meta:
        model = Renewal
        fields = [
            "id",
            "contract",
            "account",
            "account_name",
            "segment",
            "owner",
            "due_on",
            "days_left",
            "arr",
            "status",
            "runway_started_on",
            "runway_days",
            "runway_begins_on",
            "is_late_start",
            "forecast",
            "suggested_forecast",
            "suggestion_reasons",
            "suggested_at",
            "is_override",
            "override_reason",
            "needs_review",
            "review_reason",
            "reviewed_by",
            "reviewed_at",
            "next_checkpoint",
            "outcome",
            "outcome_arr",
            "outcome_reason",
            "outcome_reason_label",
            "levers",
            "outcome_note",
            "new_contract",
            "closed_on",
            "closed_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_days_left(self, renewal: Renewal) -> int:
        return renewal.days_left(self.context["today"])

    @extend_schema_field(NextCheckpointSerializer(allow_null=True))
    def get_next_checkpoint(self, renewal: Renewal) -> dict | None:
        if not renewal.is_open:
            return None
        # The viewset prefetches the open checkpoints in due order; without it, one query for this renewal.
        open_ones = getattr(renewal, "open_checkpoints", None)
        if open_ones is None:
            open_ones = list(
                renewal.checkpoints.filter(task__status__in=LIVE)
                .select_related("task")
                .order_by("task__due_on", "position")
            )
        if not open_ones:
            return None
        first = open_ones[0]
        today = self.context["today"]
        return NextCheckpointSerializer(
            {
                "id": first.pk,
                "title": first.title,
                "days_before": first.days_before,
                "due_on": first.due_on,
                "is_overdue": first.is_overdue(today),
            }
        ).data


class RenewalDetailSerializer(RenewalSerializer):
    """A renewal with its whole runway, in due order."""

    checkpoints = CheckpointSerializer(many=True, read_only=True)

    class Meta(RenewalSerializer.Meta):
        fields = [*RenewalSerializer.Meta.fields, "checkpoints"]
        read_only_fields = fields


class RenewalAssignSerializer(serializers.Serializer):
    owner = TenantPrimaryKeyRelatedField(
        model=User,
        rows=tenant_owners,
        allow_null=True,
        help_text="The new owner (null: none); the open checkpoints follow.",
    )


class ForecastSetSerializer(serializers.Serializer):
    category = _forecast(required=False, help_text="The owner's category; needs a `reason`.")
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    follow_data = serializers.BooleanField(
        default=False, help_text="true: drop the override and follow the suggested category again."
    )

    def validate(self, data):
        if not data["follow_data"] and not data.get("category"):
            raise serializers.ValidationError({"category": ["Choose commit, best case or at risk."]})
        return data


class OutcomeSerializer(serializers.Serializer):
    outcome = NamedChoiceField(
        choices=Outcome.choices,
        enum_name="RenewalOutcomeEnum",
        required=False,
        allow_null=True,
        default=None,
        help_text="Default: the new ARR against the ARR up for renewal says renewed, expanded or contracted.",
    )
    new_arr = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    term_months = serializers.IntegerField(min_value=1, max_value=120, required=False, allow_null=True, default=None)
    new_seats = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    reason = TenantPrimaryKeyRelatedField(
        model=OutcomeReason,
        rows=tenant_reasons,
        required=False,
        allow_null=True,
        default=None,
        help_text="An outcome-reasons id; needed for a churn or a contraction.",
    )
    levers = serializers.ListField(
        child=NamedChoiceField(choices=Lever.choices, enum_name="RenewalLeverEnum"), required=False, default=list
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    closed_on = serializers.DateField(required=False, allow_null=True, default=None)


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ForecastChangeSerializer(serializers.ModelSerializer):
    from_category = NamedChoiceField(
        choices=FORECAST_OR_BLANK, enum_name="RenewalForecastOrBlankEnum", read_only=True, help_text="Blank: the first."
    )
    to_category = _forecast(read_only=True)
    suggested = _forecast(read_only=True)
    reasons = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ForecastChange
        fields = [
            "id",
            "renewal",
            "from_category",
            "to_category",
            "suggested",
            "is_override",
            "reason",
            "reasons",
            "by",
            "changed_at",
        ]
        read_only_fields = fields
