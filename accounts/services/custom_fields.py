"""Custom field definitions and the one validation of their values that every write path uses."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from tenancy.models import Tenant

from ..models import CustomFieldDefinition, CustomFieldType
from ..parsing import parse_bool, parse_choice, parse_date, parse_decimal

MAX_TEXT = 500


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
    """Change a definition. Its key and type stay once accounts hold values: stored values
    would be orphaned or read with the wrong type."""
    from ..models import Account

    changes_identity = fields.get("key", definition.key) != definition.key or (
        fields.get("field_type", definition.field_type) != definition.field_type
    )
    in_use = Account.objects.filter(tenant_id=definition.tenant_id, custom_fields__has_key=definition.key)
    if changes_identity and in_use.exists():
        raise ValidationError(
            {"key": f"Accounts hold values for {definition.label}: its key and type can no longer change."}
        )
    if not fields.get("key", True):
        fields["key"] = definition.key
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


def custom_field_delete(*, definition: CustomFieldDefinition, batch_size: int = 1000) -> int:
    """Remove the definition and its values from every account; returns how many accounts had one."""
    from ..models import Account

    key = definition.key
    holders = Account.objects.filter(tenant_id=definition.tenant_id, custom_fields__has_key=key).only(
        "pk", "custom_fields"
    )
    changed, batch = 0, []
    for account in holders.iterator(chunk_size=batch_size):
        account.custom_fields.pop(key, None)
        batch.append(account)
        if len(batch) >= batch_size:
            Account.objects.bulk_update(batch, ["custom_fields"])
            changed, batch = changed + len(batch), []
    if batch:
        Account.objects.bulk_update(batch, ["custom_fields"])
        changed += len(batch)
    definition.delete()
    return changed
