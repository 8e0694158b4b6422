"""API of the book of business: accounts, their tier overrides and history, the CSV export, and contacts."""

import json
from functools import cached_property

from django import forms
from django.db.models import Q
from django.http import StreamingHttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from core import tenant_time
from core.api import WRITE_METHODS, TenantFilterSet, TenantViewSetMixin, require_edit, validated
from tenancy.permissions import Capability, may_assign_to, membership_can

from .. import selectors, services
from ..forms.filters import AccountFilterForm, filtered_accounts
from ..models import Account, Contact, ContactRole, ServiceModelSettings
from ..selectors.exports import accounts_csv
from .book_serializers import (
    AccountSerializer,
    AccountWriteSerializer,
    ContactSerializer,
    ContactWriteSerializer,
    TierChangeSerializer,
    TierOverrideSerializer,
)

# The OpenAPI descriptions of the book's filters, read from the one form that parses them.
DESCRIPTIONS = {
    "q": "Search in name, domain and external id.",
    "external_id": "The account with this external id (the Segment groupId).",
    "segment": "One segment.",
    "tier": "A service tier id.",
    "owner": "An owner's user id, 'me' (the caller), 'none' (unowned) or 'all' (the default).",
    "status": "Active or churned; both by default.",
    "strategic": "true for strategic accounts only, false for the others.",
    "parent": "Accounts directly below this account id.",
    "sort": "Order by this column; a leading '-' reverses it. Default: name.",
}
CUSTOM_FIELD_FILTERS = (
    "Custom fields filter too, by their key: `cf_<key>` for text (contains), choice and yes/no fields; "
    "`cf_<key>_min` / `cf_<key>_max` for numbers; `cf_<key>_from` / `cf_<key>_to` (YYYY-MM-DD) for dates. "
    "An invalid filter value is a 400 naming the parameter."
)


def _parameter(name: str, field: forms.Field) -> OpenApiParameter:
    kind, enum = OpenApiTypes.STR, None
    if isinstance(field, forms.NullBooleanField):
        kind = OpenApiTypes.BOOL
    elif isinstance(field, forms.IntegerField) or (isinstance(field, forms.TypedChoiceField) and field.coerce is int):
        kind = OpenApiTypes.INT
    elif isinstance(field, forms.ChoiceField):
        enum = [value for value, _label in field.choices if value]
    description = DESCRIPTIONS.get(name) or str(field.help_text or field.label or "")
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description, enum=enum)


def account_filter_parameters() -> list[OpenApiParameter]:
    # Built from AccountFilterForm itself, so the schema cannot drift from what the API accepts.
    return [_parameter(name, field) for name, field in AccountFilterForm.base_fields.items()]


class CSVRenderer(BaseRenderer):
    """Lets a client ask for text/csv (Accept header or a .csv suffix) without a 406.

    The export streams its own response, and AccountViewSet.finalize_response answers
    errors in JSON; rendering here is only a fallback.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return json.dumps(data).encode() if data is not None else b""


class AccountViewSet(TenantViewSetMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The book of business. Accounts are deactivated (churned) and reactivated, never deleted.

    Viewers read; CSMs create accounts and change their own; leaders and admins change any.
    The tier follows the ACV rule unless an override holds it (`tier-override`).
    """

    model = Account
    serializer_class = AccountSerializer
    lookup_url_kwarg = "account_id"
    http_method_names = WRITE_METHODS
    # `filtered_accounts` parses the filters, exactly as the book page and the export do.
    filter_backends = []

    def tenant_queryset(self, tenant):
        return selectors.account_list(tenant=tenant)

    @cached_property
    def policy(self) -> ServiceModelSettings:
        return services.service_model_settings(tenant=self.request.tenant)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["policy"] = self.policy
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response) and isinstance(getattr(request, "accepted_renderer", None), CSVRenderer):
            # Only the export's rows are CSV; an error the export answers is the usual JSON.
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def _filtered(self):
        form, accounts = filtered_accounts(
            tenant=self.request.tenant, user=self.request.user, params=self.request.query_params
        )
        if form.errors:
            # The page shows an invalid filter next to its field; the API says which parameter is wrong.
            raise exceptions.ValidationError({name: list(errors) for name, errors in form.errors.items()})
        return form, accounts

    def _check_assignment(self, data: dict) -> None:
        # tenancy.permissions lets a CSM edit the accounts they own. Naming someone else as the
        # owner (on create or change) puts work in another person's book: that is a reassignment,
        # the MANAGE capability of leaders and admins. Leaving an account unowned stays allowed,
        # as on the book page.
        if "owner" in data and not may_assign_to(self.request.membership, data["owner"]):
            raise exceptions.PermissionDenied("CSMs own accounts themselves; ask a CS leader to assign others.")

    def _account(self, account: Account, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(account).data, status=code)

    @extend_schema(parameters=account_filter_parameters(), description=CUSTOM_FIELD_FILTERS)
    def list(self, request, *args, **kwargs):
        _form, accounts = self._filtered()
        page = self.paginate_queryset(accounts)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(request=AccountWriteSerializer, responses={201: AccountSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(AccountWriteSerializer(data=request.data, context={"request": request}))
        if "owner" not in data and not membership_can(request.membership, Capability.MANAGE):
            # Without it, a CSM's new account would be one they may not edit.
            data["owner"] = request.user
        self._check_assignment(data)
        account = services.account_create(tenant=request.tenant, by=request.user, **data)
        return self._account(account, status.HTTP_201_CREATED)

    @extend_schema(request=AccountWriteSerializer, responses=AccountSerializer)
    def partial_update(self, request, *args, **kwargs):
        account = self.get_object()
        serializer = AccountWriteSerializer(account, data=request.data, partial=True, context={"request": request})
        data = validated(serializer)
        self._check_assignment(data)
        return self._account(services.account_update(account=account, by=request.user, **data))

    @extend_schema(request=None, responses=AccountSerializer, description="Marks the account churned as of today.")
    @action(detail=True, methods=["post"])
    def deactivate(self, request, *args, **kwargs):
        return self._account(services.account_deactivate(account=self.get_object(), by=request.user))

    @extend_schema(request=None, responses=AccountSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, *args, **kwargs):
        return self._account(services.account_reactivate(account=self.get_object(), by=request.user))

    @extend_schema(
        request=TierOverrideSerializer,
        responses=AccountSerializer,
        description="Holds the account in a tier whatever its ACV says; the move shows in its tier history.",
    )
    @action(detail=True, methods=["post"], url_path="tier-override")
    def tier_override(self, request, *args, **kwargs):
        account = self.get_object()
        data = validated(TierOverrideSerializer(data=request.data, context={"request": request}))
        services.account_set_tier_override(account=account, by=request.user, **data)
        return self._account(account)

    @extend_schema(
        request=None,
        responses={200: AccountSerializer},
        description="Back to the ACV rule. Removing an override that is not there changes nothing.",
    )
    @tier_override.mapping.delete
    def tier_override_remove(self, request, *args, **kwargs):
        account = self.get_object()
        # The service records a move even without an override; a repeated DELETE must not add history.
        if account.tier_override:
            services.account_remove_tier_override(account=account, by=request.user)
        return self._account(account)

    @extend_schema(responses=TierChangeSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="tier-history", serializer_class=TierChangeSerializer)
    def tier_history(self, request, *args, **kwargs):
        account = self.get_object()
        page = self.paginate_queryset(selectors.tier_history(tenant=request.tenant, account=account))
        return self.get_paginated_response(TierChangeSerializer(page, many=True).data)

    @extend_schema(
        parameters=account_filter_parameters(),
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The book as CSV.")},
        description="The filtered book as CSV, streamed; one `cf_<key>` column per custom field. "
        + CUSTOM_FIELD_FILTERS,
    )
    @action(detail=False, methods=["get"], renderer_classes=[JSONRenderer, CSVRenderer], pagination_class=None)
    def export(self, request, *args, **kwargs):
        form, accounts = self._filtered()
        lines = accounts_csv(accounts=accounts, definitions=form.custom_definitions, currency=request.tenant.currency)
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        filename = f"accounts-{request.tenant.slug}-{tenant_time.today(request.tenant):%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class ContactFilter(TenantFilterSet):
    account = filters.NumberFilter(field_name="account_id", help_text="An account id.")
    account_external_id = filters.CharFilter(field_name="account__external_id")
    email = filters.CharFilter(lookup_expr="iexact")
    role = filters.ChoiceFilter(choices=ContactRole.choices, method="filter_role", help_text="Contacts holding it.")
    q = filters.CharFilter(method="filter_q", help_text="Search in name and email.")

    class Meta:
        model = Contact
        fields = ["account", "account_external_id", "external_id", "email", "role", "is_active", "q"]

    def filter_role(self, queryset, name, value):
        return queryset.filter(selectors.contact_role_q(value))

    def filter_q(self, queryset, name, value):
        term = value.strip()
        return queryset.filter(Q(name__icontains=term) | Q(email__icontains=term))


class ContactViewSet(TenantViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People at the accounts. Contacts are deactivated (PATCH is_active=false), never deleted.

    A CSM changes the contacts of the accounts they own, and adds contacts only to those.
    """

    model = Contact
    serializer_class = ContactSerializer
    lookup_url_kwarg = "contact_id"
    http_method_names = WRITE_METHODS
    # `q` is the search, as in the book's filters; no separate `search` parameter.
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    filterset_class = ContactFilter
    ordering_fields = ["name", "created_at", "last_seen_at"]

    def tenant_queryset(self, tenant):
        return selectors.contact_list(tenant=tenant)

    @extend_schema(request=ContactWriteSerializer, responses={201: ContactSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(ContactWriteSerializer(data=request.data, context={"request": request}))
        require_edit(request, data["account"])
        contact = services.contact_create(tenant=request.tenant, **data)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ContactWriteSerializer, responses=ContactSerializer)
    def partial_update(self, request, *args, **kwargs):
        contact = self.get_object()
        serializer = ContactWriteSerializer(contact, data=request.data, partial=True, context={"request": request})
        data = validated(serializer)
        if "account" in data:
            # Moving a contact is an edit of the account it joins too.
            require_edit(request, data["account"])
        return Response(ContactSerializer(services.contact_update(contact=contact, **data)).data)
