"""REST API of the approvals of bulk sends (read only; an entry is approved or rejected with its
`approve` and `reject` actions), and the shapes of a decision."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.request import Request

from core.api import NamedChoiceField, TenantFilterSet, TenantViewSetMixin
from tenancy.permissions import Capability, membership_can

from ..models import Approval, ApprovalDecision


class ApprovalSerializer(serializers.ModelSerializer):
    decision = NamedChoiceField(choices=ApprovalDecision.choices, enum_name="ApprovalDecisionEnum", read_only=True)
    account = serializers.IntegerField(source="entry.account_id", read_only=True)

    class Meta:
        model = Approval
        fields = ["id", "entry", "account", "decision", "recipient_count", "note", "by", "at"]
        read_only_fields = fields


class ApprovalNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RejectionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, help_text="Why it may not be sent: the sender reads it.")


def require_manage(request: Request) -> None:
    if not membership_can(request.membership, Capability.MANAGE):
        raise exceptions.PermissionDenied("Only a CS leader or an admin approves or rejects a bulk send.")


class ApprovalFilter(TenantFilterSet):
    entry = filters.NumberFilter(field_name="entry_id", help_text="A calendar entry id.")
    account = filters.NumberFilter(field_name="entry__account_id", help_text="An account id.")
    decision = filters.ChoiceFilter(choices=ApprovalDecision.choices)

    class Meta:
        model = Approval
        fields = ["entry", "account", "decision"]


class ApprovalViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every step of every bulk send's approval, newest first: the request (with the recipient count then)
    and the leader's or admin's decision with its note. History: decided through calendar-entries' `approve`
    and `reject`, never changed here."""

    model = Approval
    serializer_class = ApprovalSerializer
    filterset_class = ApprovalFilter
    lookup_url_kwarg = "approval_id"
    http_method_names = ["get", "head", "options"]
    ordering_fields = ["at"]
    search_fields: list[str] = []

    def tenant_queryset(self, tenant) -> QuerySet[Approval]:
        return Approval.objects.filter(tenant=tenant).select_related("entry").order_by("-at", "-id")
