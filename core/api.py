"""The API kit every app's API is built from (issue 16): pagination and the one error format, RFC 3339 times, the
tenant-scoped viewset mixin, filter sets on tenant-owned models, reading a validated payload, the edit check on an
object a request names, choice fields with one named enum in the schema, and related fields limited to the
tenant's rows.

Errors always look like
    {"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"email": ["..."]}}}
(tenancy.api_errors, the kernel's, as the tenant middleware answers in it before any view runs).
"""

import contextlib
import datetime as dt
from collections.abc import Callable

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django_filters import rest_framework as filters
from django_filters.filterset import FilterSetMetaclass
from django_scopes import scopes_disabled
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import ISO_8601, exceptions, pagination, serializers
from rest_framework.request import Request
from rest_framework.serializers import Serializer
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from tenancy.api_errors import error_body
from tenancy.models import Tenant
from tenancy.parsing import BadTime, parse_api_datetime, parse_id, rfc3339
from tenancy.permissions import Capability, membership_can

# The methods of a viewset that reads and writes but never replaces a whole object (PUT).
WRITE_METHODS = ["get", "post", "patch", "delete", "head", "options"]


class Pagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def exception_handler(exc, context):
    if isinstance(exc, ValidationError):
        # A service's rule broken: same 400 as a serializer error.
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    fields = None
    if isinstance(exc, exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        message = _first_message(fields)
        code = "invalid"
    elif isinstance(exc, Http404 | exceptions.NotFound):
        message, code = "Not found.", "not_found"
    elif isinstance(exc, PermissionDenied):
        message, code = str(exc) or "You may not do this.", "permission_denied"
    else:
        message = str(getattr(exc, "detail", exc))
        code = getattr(exc, "default_code", "error")
        detail_codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        if isinstance(detail_codes, str):
            code = detail_codes
    response.data = error_body(status=response.status_code, code=code, message=message, fields=fields)
    return response


def _first_message(fields) -> str:
    for name, errors in fields.items():
        first = errors[0] if isinstance(errors, list) and errors else errors
        if isinstance(first, dict):
            return _first_message(first)
        return str(first) if name == "non_field_errors" else f"{name}: {first}"
    return "Invalid input."


class DateTimeField(serializers.DateTimeField):
    """Every time the API answers: RFC 3339, in the current zone (the tenant's) wherever that zone can write
    it. CoreConfig.ready() makes it the field of every model DateTimeField, so no serializer forgets it."""

    def to_representation(self, value):
        if not isinstance(value, dt.datetime) or getattr(self, "format", api_settings.DATETIME_FORMAT) != ISO_8601:
            return super().to_representation(value)
        zone = self.timezone if hasattr(self, "timezone") else self.default_timezone()
        # 9999-12-31T23:30Z is in year 10000 east of UTC: such a time stays in UTC.
        with contextlib.suppress(OverflowError):
            value = value.astimezone(zone) if zone is not None and value.tzinfo is not None else value
        return rfc3339(value)


class TenantViewSetMixin:
    """Viewsets over a tenant's rows: `tenant_queryset(tenant)` names them, always with the tenant.

    The schema generator inspects viewsets without a request or tenant; it gets an empty queryset.
    """

    model: type[Model]
    request: Request
    lookup_value_regex = r"\d+"

    def tenant_queryset(self, tenant):
        raise TypeError(f"{type(self).__name__} must define tenant_queryset(tenant)")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model._default_manager.none()
        return self.tenant_queryset(self.request.tenant)


class _FilterSetMetaclass(FilterSetMetaclass):
    # django-filter builds a query from the default manager to learn field types
    # when the class is defined; no rows are read, but the scoped manager refuses.
    def __new__(mcs, name, bases, attrs):
        with scopes_disabled():
            return super().__new__(mcs, name, bases, attrs)


class TenantFilterSet(filters.FilterSet, metaclass=_FilterSetMetaclass):
    """Base of every API filter set on tenant-owned models."""


class _DateTimeFormField(forms.DateTimeField):
    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_api_datetime(value)
        except BadTime as error:
            raise forms.ValidationError(str(error), code="invalid") from error


class DateTimeFilter(filters.IsoDateTimeFilter):
    """A time in a query string: ISO 8601, read in the tenant's zone without an offset; an offset
    PostgreSQL cannot take (beyond ±15:59) is a 400 that says so, not a database error."""

    field_class = _DateTimeFormField


def validated(serializer: Serializer) -> dict:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def require_edit(request: Request, obj) -> None:
    """EDIT on an object the request names but does not address, e.g. the account a new contact joins."""
    if not membership_can(request.membership, Capability.EDIT, obj):
        raise exceptions.PermissionDenied("CSMs change only their own accounts and those accounts' contacts.")


class NamedChoiceField(serializers.ChoiceField):
    """A choice field whose choices are one named enum component in the OpenAPI schema.

    drf-spectacular names enums by field name: a second `kind` (API keys have one) or two
    fields sharing a choice set (the cadences) make it warn and rename the other apps' enums,
    and `manage.py check --deploy` fails on its warnings.
    """

    def __init__(self, *, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(**kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        component = ResolvedComponent(
            name=field.enum_name,
            type=ResolvedComponent.SCHEMA,
            object=field.enum_name,
            schema={"type": "string", "enum": list(field.choices)},
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class TenantRelatedField(serializers.PrimaryKeyRelatedField):
    """Base of the id fields limited to the request tenant's rows.

    Another tenant's id reads 'Invalid pk "7" - object does not exist.', exactly like an
    id that exists nowhere, so a client learns nothing about other tenants.
    """

    def __init__(self, *, model: type[Model], **kwargs):
        # The empty queryset names the model for the schema; a subclass says where the tenant's rows come from.
        super().__init__(queryset=model._default_manager.none(), **kwargs)


class TenantPrimaryKeyRelatedField(TenantRelatedField):
    """An id chosen among the rows `rows(tenant)` gives for the request's tenant, read per request."""

    def __init__(self, *, model: type[Model], rows: Callable[[Tenant], QuerySet], **kwargs):
        self.rows = rows
        super().__init__(model=model, **kwargs)

    def get_queryset(self) -> QuerySet:
        return self.rows(self.context["request"].tenant)


class PreloadedRowField(TenantRelatedField):
    """An id among rows read once for a whole bulk request: the serializer's context["related"] holds them,
    {pk: row} in its attribute `rows`, read for the request's tenant (thousands of items, two queries)."""

    def __init__(self, *, model: type[Model], rows: str, **kwargs):
        self.rows = rows
        super().__init__(model=model, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        pk = parse_id(data)
        if pk is None and isinstance(data, str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        row = getattr(self.context["related"], self.rows).get(pk)
        if row is None:
            self.fail("does_not_exist", pk_value=data)
        return row
