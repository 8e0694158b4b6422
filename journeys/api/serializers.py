"""Shapes of journeys in the API: what is read, and what a write may carry.

Every related id a client sends is chosen among the request tenant's rows only
(TenantPrimaryKeyRelatedField): another tenant's id is an "Invalid pk", like an id that exists nowhere.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import selectors as account_selectors
from accounts.models import Account, Segment
from core.api import DateTimeField, NamedChoiceField, TenantPrimaryKeyRelatedField
from tenancy.models import Tenant

from ..models import (
    CriterionCheck,
    CriterionKind,
    ExitCriterion,
    FlagKind,
    FlagStatus,
    JourneyTrack,
    Objective,
    RegressionReason,
    ScopeKind,
    Stage,
    StageExpectation,
    StageTransition,
    TrackFlag,
    TrackStatus,
    TransitionKind,
)
from ..selectors.criteria import RULES

# One enum component per choice set: drf-spectacular would otherwise name them by field and collide
# with other apps' `kind` and `status` enums.
STAGE_ENUM = "JourneyStageEnum"
STAGE_OR_BLANK = [("", "None"), *Stage.choices]


def _stage(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(choices=Stage.choices, enum_name=STAGE_ENUM, **kwargs)


def _stage_or_blank(**kwargs) -> NamedChoiceField:
    # From-stage of a start, to-stage of an end, no suggestion on an onboarding flag.
    return NamedChoiceField(choices=STAGE_OR_BLANK, enum_name="JourneyStageOrBlankEnum", read_only=True, **kwargs)


def _accounts(tenant: Tenant) -> QuerySet[Account]:
    return account_selectors.account_list(tenant=tenant)


def _tracks(tenant: Tenant) -> QuerySet[JourneyTrack]:
    return JourneyTrack.objects.filter(tenant=tenant).select_related("account", "tenant")


def _criteria(tenant: Tenant) -> QuerySet[ExitCriterion]:
    return ExitCriterion.objects.filter(tenant=tenant)


def _objectives(tenant: Tenant) -> QuerySet[Objective]:
    return Objective.objects.filter(tenant=tenant)


class TrackFlagSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(choices=FlagKind.choices, enum_name="TrackFlagKindEnum", read_only=True)
    status = NamedChoiceField(choices=FlagStatus.choices, enum_name="TrackFlagStatusEnum", read_only=True)
    suggested_stage = _stage_or_blank(help_text="The stage a confirmation moves the track back to; blank: none.")
    suggested_reason = NamedChoiceField(
        choices=[("", "None"), *RegressionReason.choices], enum_name="RegressionReasonOrBlankEnum", read_only=True
    )
    account = serializers.IntegerField(source="track.account_id", read_only=True)

    class Meta:
        model = TrackFlag
        fields = [
            "id",
            "track",
            "account",
            "kind",
            "status",
            "message",
            "suggested_stage",
            "suggested_reason",
            "data",
            "raised_at",
            "resolved_at",
            "resolved_by",
            "resolution_note",
        ]
        read_only_fields = fields


class JourneyTrackSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    segment = serializers.CharField(source="account.segment", read_only=True)
    owner = serializers.IntegerField(source="account.owner_id", read_only=True, allow_null=True)
    scope_kind = NamedChoiceField(choices=ScopeKind.choices, enum_name="TrackScopeKindEnum", read_only=True)
    stage = _stage(read_only=True)
    status = NamedChoiceField(choices=TrackStatus.choices, enum_name="TrackStatusEnum", read_only=True)
    days_in_stage = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = JourneyTrack
        fields = [
            "id",
            "account",
            "account_name",
            "segment",
            "owner",
            "name",
            "scope_kind",
            "stage",
            "stage_entered_at",
            "days_in_stage",
            "status",
            "status_reason",
            "criteria_met",
            "criteria_total",
            "status_checked_at",
            "started_at",
            "ended_at",
            "is_active",
        ]
        read_only_fields = fields

    def get_days_in_stage(self, track: JourneyTrack) -> int:
        return track.days_in_stage()


class CriterionStateSerializer(serializers.Serializer):
    """One line of a track's current checklist, as `journeys.selectors.criteria.evaluate` judges it."""

    criterion = serializers.IntegerField(source="criterion.pk")
    key = serializers.CharField(source="criterion.key")
    label = serializers.CharField(source="criterion.label")
    kind = NamedChoiceField(choices=CriterionKind.choices, enum_name="ExitCriterionKindEnum", source="criterion.kind")
    met = serializers.BooleanField()
    detail = serializers.CharField()
    # A dotted source through a missing tick reads as null.
    check = serializers.IntegerField(
        source="check.pk", allow_null=True, help_text="The tick's id (criterion-checks), if ticked."
    )
    checked_by = serializers.IntegerField(source="check.checked_by_id", allow_null=True)
    checked_at = DateTimeField(source="check.checked_at", allow_null=True)


class JourneyTrackDetailSerializer(JourneyTrackSerializer):
    """A track with its current stage's checklist and its open flags (the view puts both in the context)."""

    checklist = serializers.SerializerMethodField()
    open_flags = serializers.SerializerMethodField()

    class Meta(JourneyTrackSerializer.Meta):
        fields = [*JourneyTrackSerializer.Meta.fields, "checklist", "open_flags"]
        read_only_fields = fields

    @extend_schema_field(CriterionStateSerializer(many=True))
    def get_checklist(self, track: JourneyTrack) -> list[dict]:
        return CriterionStateSerializer(self.context.get("checklist", []), many=True).data

    @extend_schema_field(TrackFlagSerializer(many=True))
    def get_open_flags(self, track: JourneyTrack) -> list[dict]:
        return TrackFlagSerializer(self.context.get("open_flags", []), many=True).data


class TrackCreateSerializer(serializers.Serializer):
    account = TenantPrimaryKeyRelatedField(model=Account, rows=_accounts)
    name = serializers.CharField(max_length=120, help_text='What the track follows, e.g. "Core platform".')
    scope_kind = NamedChoiceField(choices=ScopeKind.choices, enum_name="TrackScopeKindEnum", default=ScopeKind.PRODUCT)
    stage = _stage(default=Stage.ONBOARDING, help_text="Onboarding unless this part of the account is further along.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TrackRenameSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    scope_kind = NamedChoiceField(choices=ScopeKind.choices, enum_name="TrackScopeKindEnum", required=False)


class TrackEndSerializer(serializers.Serializer):
    reason_text = serializers.CharField(
        max_length=300, allow_blank=True, help_text="Why the track ends, e.g. the department stopped using it."
    )


class StageTransitionSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(choices=TransitionKind.choices, enum_name="StageTransitionKindEnum", read_only=True)
    from_stage = _stage_or_blank()
    to_stage = _stage_or_blank()
    reason = NamedChoiceField(
        choices=[("", "None"), *RegressionReason.choices], enum_name="RegressionReasonOrBlankEnum", read_only=True
    )
    account = serializers.IntegerField(source="track.account_id", read_only=True)
    criteria = serializers.JSONField(
        read_only=True, help_text="The stage left's checklist as it stood: [{key, label, kind, met, detail}]."
    )

    class Meta:
        model = StageTransition
        fields = [
            "id",
            "track",
            "account",
            "kind",
            "from_stage",
            "to_stage",
            "reason",
            "reason_text",
            "note",
            "criteria",
            "overridden",
            "override_reason",
            "by",
            "at",
        ]
        read_only_fields = fields


class TransitionCreateSerializer(serializers.Serializer):
    """A move; its kind (advance, skip, regress, re-enter) follows from where the track stands."""

    track = TenantPrimaryKeyRelatedField(model=JourneyTrack, rows=_tracks)
    to_stage = _stage()
    reason = NamedChoiceField(
        choices=RegressionReason.choices,
        enum_name="RegressionReasonEnum",
        required=False,
        allow_blank=True,
        default="",
        help_text="Regressions only: why the track moves back.",
    )
    reason_text = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text='Needed for a skip, a re-entry, and a regression for "other".',
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    override_reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed to move forward while exit criteria are unmet.",
    )
    ticks = serializers.ListField(
        child=TenantPrimaryKeyRelatedField(model=ExitCriterion, rows=_criteria),
        required=False,
        default=list,
        help_text="Manual criteria of the current stage to tick with the move; kept only if the move is made.",
    )


class ExitCriterionSerializer(serializers.ModelSerializer):
    stage = _stage()
    kind = NamedChoiceField(choices=CriterionKind.choices, enum_name="ExitCriterionKindEnum", default="manual")
    rule = NamedChoiceField(
        choices=[("", "None"), *((key, label) for key, (label, _rule) in RULES.items())],
        enum_name="ExitCriterionRuleEnum",
        required=False,
        default="",
        help_text="Data criteria: the rule that evaluates it.",
    )

    class Meta:
        model = ExitCriterion
        fields = ["id", "stage", "key", "label", "kind", "rule", "threshold", "help_text", "position", "is_active"]
        # A new criterion goes last and in use; its key comes from the label.
        read_only_fields = ["id", "key", "position", "is_active"]


class ExitCriterionUpdateSerializer(ExitCriterionSerializer):
    """The stage of a criterion stays; its key never changes (past snapshots name it)."""

    stage = _stage(read_only=True)

    class Meta(ExitCriterionSerializer.Meta):
        read_only_fields = ["id", "key"]


class CriterionCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = CriterionCheck
        fields = ["id", "track", "criterion", "objective", "note", "checked_by", "checked_at"]
        read_only_fields = fields


class CriterionCheckCreateSerializer(serializers.Serializer):
    track = TenantPrimaryKeyRelatedField(model=JourneyTrack, rows=_tracks)
    criterion = TenantPrimaryKeyRelatedField(model=ExitCriterion, rows=_criteria)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    objective = TenantPrimaryKeyRelatedField(
        model=Objective,
        rows=_objectives,
        required=False,
        allow_null=True,
        default=None,
        help_text='The success-plan objective that documents "first business value".',
    )


class FlagConfirmSerializer(serializers.Serializer):
    to_stage = _stage(required=False, allow_blank=True, default="", help_text="Defaults to the flag's suggested stage.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class FlagDismissSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class StageExpectationSerializer(serializers.ModelSerializer):
    stage = _stage(read_only=True)
    segment = NamedChoiceField(choices=Segment.choices, enum_name="StageExpectationSegmentEnum", read_only=True)
    max_days = serializers.IntegerField(
        min_value=0, allow_null=True, required=False, help_text="Empty: an ongoing stage that never stalls."
    )

    class Meta:
        model = StageExpectation
        fields = ["id", "stage", "segment", "min_days", "max_days"]
        read_only_fields = ["id", "stage", "segment"]
