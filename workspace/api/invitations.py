"""Invitations to the tenant: invite an address, send the link again, withdraw it (admins)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import TenantFilterSet, TenantViewSetMixin
from tenancy import selectors, services
from tenancy.models import Invitation, InvitationStatus, Role, Team
from tenancy.permissions import Capability


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


def invite(request) -> Response:
    """Invite the address the request names; both /invitations/ and /members/ answer the invitation, 201."""
    serializer = MembershipInviteSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    invitation = services.invitation_create(tenant=request.tenant, by=request.user, **serializer.validated_data)
    location = reverse("api:invitation-detail", kwargs={"invitation_id": invitation.pk})
    return Response(
        InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED, headers={"Location": location}
    )


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
        return selectors.invitation_list(tenant=tenant)

    @extend_schema(request=MembershipInviteSerializer, responses={201: InvitationSerializer})
    def create(self, request):
        return invite(request)

    @extend_schema(request=None, responses={202: InvitationSerializer})
    @action(detail=True, methods=["post"])
    def resend(self, request, *args, **kwargs):
        """Email a new link (the earlier one stops working) that works for INVITATION_MAX_AGE_DAYS."""
        invitation = services.invitation_resend(invitation=self.get_object())
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(description="Withdraws the invitation: its link stops working; it stays listed as revoked.")
    def destroy(self, request, *args, **kwargs):
        services.invitation_revoke(invitation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
