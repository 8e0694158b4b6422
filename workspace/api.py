"""REST API for the active tenant, its members and API credentials."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import TenantFilterSet, TenantViewSetMixin
from tenancy import invitations, selectors, services
from tenancy.models import (
    ApiKey,
    ApiKeyKind,
    Invitation,
    InvitationStatus,
    Membership,
    Role,
    Team,
    Tenant,
    normalise_currency,
)
from tenancy.permissions import Capability, membership_can


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


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "team", "is_active", "invitation_sent_at", "created_at"]
        read_only_fields = ["id", "email", "full_name", "invitation_sent_at", "created_at"]


class MembershipInviteSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    team = serializers.ChoiceField(choices=Team.choices, default=Team.CUSTOMER_SUCCESS)


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation shows the address only: who is behind it is nobody here until they accept."""

    status = serializers.ChoiceField(choices=InvitationStatus.choices, read_only=True)
    invited_by = serializers.EmailField(source="invited_by.email", read_only=True, allow_null=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "team",
            "status",
            "invited_by",
            "created_at",
            "sent_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ]
        read_only_fields = fields


def _invite(request) -> Response:
    serializer = MembershipInviteSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    invitation = invitations.invitation_create(tenant=request.tenant, by=request.user, **serializer.validated_data)
    location = reverse("api:invitation-detail", kwargs={"invitation_id": invitation.pk})
    return Response(
        InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED, headers={"Location": location}
    )


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


class MembershipFilter(TenantFilterSet):
    class Meta:
        model = Membership
        fields = ["role", "team", "is_active"]


class MembershipViewSet(
    TenantViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """People in the tenant. Admins invite (a POST here makes an invitation, as on /invitations/), change
    and remove them."""

    model = Membership
    serializer_class = MembershipSerializer
    write_capability = Capability.CONFIGURE
    lookup_url_kwarg = "membership_id"
    filterset_class = MembershipFilter
    search_fields = ["user__email", "user__full_name"]
    ordering_fields = ["created_at", "role"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def tenant_queryset(self, tenant):
        return selectors.membership_list(tenant=tenant)

    @extend_schema(
        request=MembershipInviteSerializer,
        responses={201: InvitationSerializer},
        description="Invites the address: nobody becomes a member without accepting the emailed link. "
        "Answers the invitation (see /invitations/), not a membership.",
    )
    def create(self, request):
        return _invite(request)

    def perform_update(self, serializer):
        membership = serializer.instance
        data = serializer.validated_data
        services.membership_update(
            membership=membership,
            role=data.get("role", membership.role),
            team=data.get("team", membership.team),
            is_active=data.get("is_active", membership.is_active),
        )

    def perform_destroy(self, instance):
        services.membership_remove(membership=instance)


class InvitationFilter(TenantFilterSet):
    class Meta:
        model = Invitation
        fields = ["role", "team"]


class InvitationViewSet(
    TenantViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Invitations to the tenant, admin only: invite an address, send the link again, withdraw it."""

    model = Invitation
    serializer_class = InvitationSerializer
    read_capability = write_capability = Capability.CONFIGURE
    lookup_url_kwarg = "invitation_id"
    filterset_class = InvitationFilter
    search_fields = ["email"]
    ordering_fields = ["created_at", "expires_at"]

    def tenant_queryset(self, tenant):
        return invitations.invitation_list(tenant=tenant)

    @extend_schema(request=MembershipInviteSerializer, responses={201: InvitationSerializer})
    def create(self, request):
        return _invite(request)

    @extend_schema(request=None, responses={202: InvitationSerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request, *args, **kwargs):
        """Email a new link (the earlier one stops working) that works for INVITATION_MAX_AGE_DAYS."""
        invitation = invitations.invitation_resend(invitation=self.get_object())
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(description="Withdraws the invitation: its link stops working; it stays listed as revoked.")
    def destroy(self, request, *args, **kwargs):
        invitations.invitation_revoke(invitation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


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
