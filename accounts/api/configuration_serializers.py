"""Shapes of the service model in the API: tiers with what they carry and cost today, and custom fields."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import NamedChoiceField

from ..economics import cost_per_customer
from ..models import TIER_SETTINGS, Cadence, CustomFieldDefinition, ServiceTier


class ServiceTierSerializer(serializers.ModelSerializer):
    """A tier with what it carries today; the report fields come from `selectors.tier_report`."""

    check_in_cadence = NamedChoiceField(choices=Cadence.choices, enum_name="CadenceEnum")
    qbr_cadence = NamedChoiceField(choices=Cadence.choices, enum_name="CadenceEnum")
    cost_per_customer = serializers.SerializerMethodField()
    accounts = serializers.IntegerField(source="report.accounts", read_only=True, help_text="Active accounts.")
    arr = serializers.DecimalField(source="report.arr", max_digits=None, decimal_places=2, read_only=True)
    acv = serializers.DecimalField(source="report.acv", max_digits=None, decimal_places=2, read_only=True)
    cost_total = serializers.DecimalField(source="report.cost_total", max_digits=None, decimal_places=2, read_only=True)
    share_pct = serializers.DecimalField(
        source="report.share_pct", max_digits=None, decimal_places=1, read_only=True, allow_null=True
    )
    over_serviced = serializers.IntegerField(source="report.over_serviced", read_only=True)
    under_invested = serializers.IntegerField(source="report.under_invested", read_only=True)

    class Meta:
        model = ServiceTier
        fields = [
            "id",
            *TIER_SETTINGS,
            "cost_per_customer",
            "accounts",
            "arr",
            "acv",
            "cost_total",
            "share_pct",
            "over_serviced",
            "under_invested",
        ]

    def to_representation(self, tier: ServiceTier) -> dict:
        # The view reads the report once per request for every tier; each tier picks its own row.
        tier.report = self.context["tier_report"].get(tier.pk, {})
        return super().to_representation(tier)

    @extend_schema_field(serializers.DecimalField(max_digits=None, decimal_places=2))
    def get_cost_per_customer(self, tier: ServiceTier) -> str:
        return serializers.DecimalField(max_digits=None, decimal_places=2).to_representation(cost_per_customer(tier))


class ServiceTierSavedSerializer(ServiceTierSerializer):
    accounts_moved = serializers.IntegerField(
        read_only=True, help_text="Accounts that follow the ACV rule and moved because of this change."
    )

    class Meta(ServiceTierSerializer.Meta):
        fields = [*ServiceTierSerializer.Meta.fields, "accounts_moved"]


class CustomFieldSerializer(serializers.ModelSerializer):
    key = serializers.SlugField(
        max_length=50, required=False, allow_blank=True, help_text="Made from the label when left empty."
    )
    choices = serializers.ListField(child=serializers.CharField(max_length=100), required=False)

    class Meta:
        model = CustomFieldDefinition
        fields = ["id", "key", "label", "field_type", "choices", "required", "help_text", "position", "created_at"]
        read_only_fields = ["id", "created_at"]
