"""What every API endpoint shares: pagination and one error format.

Errors always look like
    {"error": {"status": 400, "code": "invalid", "message": "...", "fields": {"email": ["..."]}}}
so a client reads one shape whatever went wrong.
"""

import contextlib
import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from rest_framework import ISO_8601, exceptions, pagination, serializers
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .parsing import rfc3339


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


def error_body(*, status: int, code: str, message: str, fields: dict | None = None) -> dict:
    """The one error shape (see the module's docstring)."""
    body = {"status": status, "code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    return {"error": body}


def error_response(*, status: int, code: str, message: str) -> JsonResponse:
    """The error shape outside DRF: for answers given before a view runs or when no route matches."""
    return JsonResponse(error_body(status=status, code=code, message=message), status=status)


def _first_message(fields) -> str:
    for name, errors in fields.items():
        first = errors[0] if isinstance(errors, list) and errors else errors
        if isinstance(first, dict):
            return _first_message(first)
        return str(first) if name == "non_field_errors" else f"{name}: {first}"
    return "Invalid input."


class DateTimeField(serializers.DateTimeField):
    """Every time the API answers: RFC 3339, in the current zone (the tenant's) wherever that zone can write
    it. TenancyConfig.ready() makes it the field of every model DateTimeField, so no serializer forgets it."""

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

    model: type
    lookup_value_regex = r"\d+"

    def tenant_queryset(self, tenant):
        raise TypeError(f"{type(self).__name__} must define tenant_queryset(tenant)")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.tenant_queryset(self.request.tenant)
