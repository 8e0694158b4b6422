"""API credentials: personal tokens (everyone's own; admins see everyone's) and ingestion write keys (admins)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.api import TenantViewSetMixin
from tenancy import selectors, services
from tenancy.models import ApiKey, ApiKeyKind
from tenancy.permissions import Capability, membership_can


class ApiKeySerializer(serializers.ModelSerializer):
    user = serializers.EmailField(source="user.email", read_only=True, allow_null=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiKey
        fields = ["id", "name", "kind", "prefix", "user", "created_at", "last_used_at", "revoked_at", "is_active"]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class ApiKeyCreatedSerializer(ApiKeySerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "secret"]


class _ApiKeyViewSet(
    TenantViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    model = ApiKey
    serializer_class = ApiKeySerializer
    lookup_url_kwarg = "api_key_id"
    kind: ApiKeyKind

    def key_owner(self):
        return None

    @extend_schema(request=ApiKeyCreateSerializer, responses={201: ApiKeyCreatedSerializer})
    def create(self, request):
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_key, secret = services.api_key_create(
            tenant=request.tenant,
            kind=self.kind,
            name=serializer.validated_data["name"],
            by=request.user,
            user=self.key_owner(),
        )
        api_key.secret = secret
        return Response(ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)

    @extend_schema(description="Revokes the key: it stops working at once and stays listed as revoked.")
    def destroy(self, request, *args, **kwargs):
        services.api_key_revoke(api_key=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenViewSet(_ApiKeyViewSet):
    """Personal API tokens. Everyone manages their own; admins see and revoke everyone's."""

    kind = ApiKeyKind.PERSONAL
    write_capability = Capability.VIEW

    def tenant_queryset(self, tenant):
        everyone = membership_can(self.request.membership, Capability.CONFIGURE)
        return selectors.api_key_list(
            tenant=tenant, kind=ApiKeyKind.PERSONAL, user=None if everyone else self.request.user
        )

    def key_owner(self):
        return self.request.user


class WriteKeyViewSet(_ApiKeyViewSet):
    """Ingestion write keys for the Segment/RudderStack-compatible tracking API; admin only."""

    kind = ApiKeyKind.WRITE_KEY
    lookup_url_kwarg = "write_key_id"
    read_capability = write_capability = Capability.CONFIGURE

    def tenant_queryset(self, tenant):
        return selectors.api_key_list(tenant=tenant, kind=ApiKeyKind.WRITE_KEY)
