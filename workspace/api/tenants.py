"""The active tenant (its admins change its settings), the signed-in person and their tenants, and whoami."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from tenancy import selectors, services
from tenancy.models import ApiKeyKind, Tenant, normalise_currency
from tenancy.permissions import Capability


class TenantSerializer(serializers.ModelSerializer):
    currency = serializers.CharField(max_length=10)

    class Meta:
        model = Tenant
        fields = ["id", "name", "slug", "time_zone", "currency"]
        read_only_fields = ["id", "slug"]

    def validate_currency(self, value: str) -> str:
        try:
            return normalise_currency(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    full_name = serializers.CharField()
    tenant = TenantSerializer()
    role = serializers.CharField()
    team = serializers.CharField()
    tenants = serializers.ListField(child=serializers.DictField())


class WhoAmISerializer(serializers.Serializer):
    tenant = serializers.CharField()
    credential = serializers.ChoiceField(choices=[*ApiKeyKind.choices, ("session", "Browser session")])
    user = serializers.EmailField(allow_null=True)


class MeView(GenericAPIView):
    """The signed-in user, their role in the active tenant and every tenant they belong to."""

    serializer_class = MeSerializer

    def get(self, request):
        membership = request.membership
        tenants = [
            {"id": m.tenant_id, "name": m.tenant.name, "slug": m.tenant.slug, "role": m.role}
            for m in selectors.membership_list_for_user(user=request.user)
        ]
        data = {
            "email": request.user.email,
            "full_name": request.user.full_name,
            "tenant": membership.tenant,
            "role": membership.role,
            "team": membership.team,
            "tenants": tenants,
        }
        return Response(MeSerializer(data).data)


class WhoAmIView(GenericAPIView):
    """Which tenant and credential a request authenticates as; SDK set-ups use it to check a write key."""

    serializer_class = WhoAmISerializer
    accepts_write_keys = True

    def get(self, request):
        api_key = request.api_key
        data = {
            "tenant": request.tenant.slug,
            "credential": api_key.kind if api_key else "session",
            "user": request.user.email if request.user.is_authenticated else None,
        }
        return Response(WhoAmISerializer(data).data)


class TenantView(GenericAPIView):
    """The active tenant's settings; admins change them."""

    serializer_class = TenantSerializer
    write_capability = Capability.CONFIGURE

    def get(self, request):
        return Response(TenantSerializer(request.tenant).data)

    def patch(self, request):
        serializer = TenantSerializer(request.tenant, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = {
            f: serializer.validated_data.get(f, getattr(request.tenant, f)) for f in ("name", "time_zone", "currency")
        }
        tenant = services.tenant_update(tenant=request.tenant, **fields)
        return Response(TenantSerializer(tenant).data)
