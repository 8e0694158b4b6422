"""People in the tenant: list, change and remove them; a POST invites (admins)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets

from core.api import TenantFilterSet, TenantViewSetMixin
from tenancy import selectors, services
from tenancy.models import Membership
from tenancy.permissions import Capability

from .invitations import InvitationSerializer, MembershipInviteSerializer, invite


class MembershipSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "team", "is_active", "invitation_sent_at", "created_at"]
        read_only_fields = ["id", "email", "full_name", "invitation_sent_at", "created_at"]


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
        return invite(request)

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
