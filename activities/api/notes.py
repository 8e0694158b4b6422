"""REST API of notes (/api/v1/notes/: list by account or author, log one)."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from core.api import TenantFilterSet, TenantViewSetMixin, validated
from tenancy.permissions import Capability, RolePermission

from .. import selectors
from ..models import Note
from ..services import notes as note_services
from .serializers import NoteSerializer


class NoteFilter(TenantFilterSet):
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    author = filters.NumberFilter(field_name="author_id", help_text="A user id.")

    class Meta:
        model = Note
        fields = ["account", "author"]


class NoteViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Notes CSMs logged on accounts (a call, a meeting, an email, a note), newest first; they show on the
    account's timeline. Viewers read; everyone else logs them."""

    model = Note
    serializer_class = NoteSerializer
    filterset_class = NoteFilter
    permission_classes = [RolePermission]
    write_capability = Capability.EDIT
    lookup_url_kwarg = "note_id"
    http_method_names = ["get", "post", "head", "options"]

    def tenant_queryset(self, tenant) -> QuerySet[Note]:
        return selectors.notes.note_list(tenant=tenant)

    @extend_schema(request=NoteSerializer, responses={201: NoteSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(NoteSerializer(data=request.data, context={"request": request}))
        note = note_services.note_log(
            tenant=request.tenant,
            account=data["account"],
            author=request.user,
            kind=data.get("kind", "note"),
            subject=data.get("subject", ""),
            body=data.get("body", ""),
            happened_at=data.get("happened_at"),
        )
        return Response(NoteSerializer(note, context={"request": request}).data, status=status.HTTP_201_CREATED)
