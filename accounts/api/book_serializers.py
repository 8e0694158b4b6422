"""Shapes of the book of business in the API (accounts, their economics, tier overrides and history, contacts):
what is read, and what a write may carry."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import NamedChoiceField, TenantPrimaryKeyRelatedField
from tenancy.models import Tenant, User

from .. import selectors
from ..economics import OVER_SERVICED, UNDER_INVESTED, account_economics
from ..models import Account, Contact, ContactRole, ServiceTier, TierChange, TierOverride
from ..services.book import ACCOUNT_EDITABLE_FIELDS


def _owners(tenant: Tenant) -> QuerySet[User]:
    return selectors.assignable_owners(tenant=tenant)


def _accounts(tenant: Tenant) -> QuerySet[Account]:
    return selectors.account_list(tenant=tenant)


def _tiers(tenant: Tenant) -> QuerySet[ServiceTier]:
    return selectors.tier_list(tenant=tenant)


class EconomicsSerializer(serializers.Serializer):
    # No max_digits: a tiny ACV gives a share of thousands of percent, which is still an answer.
    cost_per_year = serializers.DecimalField(max_digits=None, decimal_places=2)
    share_pct = serializers.DecimalField(
        max_digits=None, decimal_places=1, allow_null=True, help_text="Cost to serve as a share of ACV."
    )
    flag = serializers.ChoiceField(choices=[OVER_SERVICED, UNDER_INVESTED], allow_null=True)


class AccountSerializer(serializers.ModelSerializer):
    owner_email = serializers.EmailField(source="owner.email", read_only=True, allow_null=True)
    service_tier_name = serializers.CharField(source="service_tier.name", read_only=True, allow_null=True)
    economics = serializers.SerializerMethodField()

    class Meta:
        model = Account
        fields = [
            "id",
            "external_id",
            "name",
            "domain",
            "segment",
            "arr",
            "arr_from_contracts",
            "acv",
            "seats_purchased",
            "industry",
            "region",
            "owner",
            "owner_email",
            "service_tier",
            "service_tier_name",
            "tier_override",
            "tier_override_until",
            "is_strategic",
            "signed_on",
            "go_live_on",
            "status",
            "churned_on",
            "parent",
            "custom_fields",
            "economics",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(EconomicsSerializer(allow_null=True))
    def get_economics(self, account: Account) -> dict | None:
        # The tenant's policy comes in the context, read once per request rather than once per row.
        economics = account_economics(account.service_tier, account.acv, self.context["policy"])
        return EconomicsSerializer(economics).data if economics else None


class AccountWriteSerializer(serializers.ModelSerializer):
    """What a client may set; the tier follows from the ACV (or an override), never from here."""

    owner = TenantPrimaryKeyRelatedField(model=User, rows=_owners, required=False, allow_null=True)
    parent = TenantPrimaryKeyRelatedField(model=Account, rows=_accounts, required=False, allow_null=True)
    custom_fields = serializers.DictField(
        required=False,
        help_text="Values by custom field key; null or an empty string removes a value. Others are kept.",
    )

    class Meta:
        model = Account
        fields = [*ACCOUNT_EDITABLE_FIELDS, "custom_fields"]


class TierOverrideSerializer(serializers.Serializer):
    kind = NamedChoiceField(
        choices=[choice for choice in TierOverride.choices if choice[0]], enum_name="TierOverrideKindEnum"
    )
    tier = TenantPrimaryKeyRelatedField(
        model=ServiceTier,
        rows=_tiers,
        required=False,
        allow_null=True,
        help_text="Strategic: defaults to the current tier; at-risk upgrade: to the next tier up; manual: required.",
    )
    until = serializers.DateField(
        required=False, allow_null=True, help_text="At-risk upgrades only; defaults to the tenant's policy."
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class TierChangeSerializer(serializers.ModelSerializer):
    from_tier_name = serializers.CharField(source="from_tier.name", read_only=True, allow_null=True)
    to_tier_name = serializers.CharField(source="to_tier.name", read_only=True, allow_null=True)
    actor_email = serializers.EmailField(source="actor.email", read_only=True, allow_null=True)

    class Meta:
        model = TierChange
        fields = [
            "id",
            "account",
            "from_tier",
            "from_tier_name",
            "to_tier",
            "to_tier_name",
            "reason",
            "note",
            "acv",
            "actor",
            "actor_email",
            "changed_at",
        ]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    account_external_id = serializers.CharField(source="account.external_id", read_only=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=ContactRole.choices), source="role_list")

    class Meta:
        model = Contact
        fields = [
            "id",
            "account",
            "account_external_id",
            "external_id",
            "name",
            "email",
            "title",
            "roles",
            "is_active",
            "last_seen_at",
            "created_at",
        ]
        read_only_fields = fields


class ContactWriteSerializer(serializers.ModelSerializer):
    account = TenantPrimaryKeyRelatedField(model=Account, rows=_accounts)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=ContactRole.choices), required=False)

    class Meta:
        model = Contact
        fields = ["account", "external_id", "name", "email", "title", "roles", "is_active", "last_seen_at"]
