"""The API kit every app's API is built from (issue 16): reading a validated payload, the edit check on an object a
request names, choice fields with one named enum in the schema, and related fields limited to the tenant's rows.

The tenant-scoped viewset mixin, the error shape, RFC 3339 times and the filter sets stay in tenancy
(`tenancy.api_support`, `tenancy.filters`), which tenancy's own API uses and every app may import.
"""

from collections.abc import Callable

from django.db.models import Model, QuerySet
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.serializers import Serializer

from tenancy.models import Tenant
from tenancy.permissions import Capability, membership_can

# The methods of a viewset that reads and writes but never replaces a whole object (PUT).
WRITE_METHODS = ["get", "post", "patch", "delete", "head", "options"]


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


class TenantPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id chosen among the request tenant's rows only.

    Another tenant's id reads 'Invalid pk "7" - object does not exist.', exactly like an
    id that exists nowhere, so a client learns nothing about other tenants.
    """

    def __init__(self, *, model: type[Model], rows: Callable[[Tenant], QuerySet], **kwargs):
        self.rows = rows
        # The empty queryset names the model for the schema; the rows come from get_queryset().
        super().__init__(queryset=model._default_manager.none(), **kwargs)

    def get_queryset(self) -> QuerySet:
        return self.rows(self.context["request"].tenant)
