"""Custom field definitions and the one validation of their values that every write path uses."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from tenancy.models import Tenant

from ..models import CustomFieldDefinition, CustomFieldType
from ..parsing import parse_bool, parse_choice, parse_date, parse_decimal

MAX_TEXT = 500


def custom_field_definitions(*, tenant: Tenant) -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.filter(tenant=tenant).order_by("position", "label"))


def custom_field_value_clean(definition: CustomFieldDefinition, value):
    """One value, typed for JSON storage; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    kind = definition.field_type
    if kind == CustomFieldType.NUMBER:
        number = parse_decimal(value, minimum=None, maximum=Decimal("1e15"))
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == CustomFieldType.BOOLEAN:
        return parse_bool(value)
    if kind == CustomFieldType.DATE:
        return parse_date(value).isoformat()
    if kind == CustomFieldType.CHOICE:
        return parse_choice(value, definition.choices)
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise ValidationError(f"is longer than {MAX_TEXT} characters.")
    return text


def custom_field_values_clean(
    *, definitions: list[CustomFieldDefinition], values: dict, current: dict | None = None
) -> dict:
    """Validate and type the values given, merged over `current`; errors name each field by its key."""
    by_key = {d.key: d for d in definitions}
    merged = dict(current or {})
    errors: dict[str, list[str]] = {}
    for key, raw in (values or {}).items():
        definition = by_key.get(key)
        if definition is None:
            errors.setdefault(key, []).append(f"There is no custom field {key!r}.")
            continue
        try:
            cleaned = custom_field_value_clean(definition, raw)
        except ValidationError as error:
            errors.setdefault(key, []).extend(error.messages)
            continue
        if cleaned is None:
            merged.pop(key, None)
        else:
            merged[key] = cleaned
    for definition in definitions:
        if definition.required and definition.key not in merged and definition.key not in errors:
            errors[definition.key] = [f"{definition.label} is required."]
    if errors:
        raise ValidationError({f"custom_fields.{k}": v for k, v in errors.items()})
    return merged


def custom_field_define(
    *,
    tenant: Tenant,
    label: str,
    field_type: str,
    key: str = "",
    choices: list[str] | None = None,
    required: bool = False,
    help_text: str = "",
    position: int = 0,
) -> CustomFieldDefinition:
    definition = CustomFieldDefinition(
        tenant=tenant,
        key=key or slugify(label).replace("-", "_"),
        label=label,
        field_type=field_type,
        choices=[c.strip() for c in (choices or []) if c.strip()],
        required=required,
        help_text=help_text,
        position=position,
    )
    _validate_definition(definition)
    definition.save()
    return definition


def custom_field_update(*, definition: CustomFieldDefinition, **fields) -> CustomFieldDefinition:
    for name, value in fields.items():
        setattr(definition, name, value)
    if "choices" in fields:
        definition.choices = [c.strip() for c in definition.choices if c.strip()]
    _validate_definition(definition)
    definition.save()
    return definition


def _validate_definition(definition: CustomFieldDefinition) -> None:
    definition.full_clean(exclude=["tenant"], validate_unique=False)
    taken = CustomFieldDefinition.objects.filter(tenant_id=definition.tenant_id, key=definition.key)
    if taken.exclude(pk=definition.pk).exists():
        raise ValidationError({"key": f"A custom field with the key {definition.key!r} exists already."})
    if definition.field_type == CustomFieldType.CHOICE and not definition.choices:
        raise ValidationError({"choices": "A choice field needs at least one choice."})


def custom_field_filter_value(definition: CustomFieldDefinition, raw: str):
    """A filter input typed like the stored values, or None when it cannot match anything."""
    try:
        value = custom_field_value_clean(definition, raw)
    except ValidationError:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
