"""OpenAPI descriptions of the book's filters, read from the one form that parses them."""

import json

from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import BaseRenderer

from ..filters import AccountFilterForm

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
