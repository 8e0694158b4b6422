"""What identify and group traits say about a contact or an account, cleaned field by field.

A bad value costs only its own trait: the call is still stored and linked, and the reason is
kept as an ingestion error for the admin.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.models import Account, Contact, CustomFieldDefinition, Segment
from accounts.parsing import parse_choice, parse_decimal, parse_int
from accounts.services import custom_field_values_clean, roles_join

from .limits import MAX_NAME

# Account fields a group trait may fill; ARR and ACV go through the tier rule like any edit.
GROUP_TRAIT_FIELDS = ("name", "domain", "segment", "industry", "region", "seats_purchased", "arr", "acv")
CUSTOM_FIELD_PREFIX = "cf_"
DEFAULT_SEGMENT = Segment.SMB
TEXT_LIMITS = {"name": 200, "domain": 253, "industry": 80, "region": 80}


@dataclass
class Cleaned:
    fields: dict = field(default_factory=dict)
    custom_fields: dict = field(default_factory=dict)
    # (the trait the problem is about, what is wrong), so a note reaches the call that sent that trait.
    problems: list[tuple[str, str]] = field(default_factory=list)


def group_trait_target_problem(target: str, custom_field_keys: set[str]) -> str | None:
    """Why `target` cannot receive a group trait, or None when it can."""
    if target in GROUP_TRAIT_FIELDS:
        return None
    if target.startswith(CUSTOM_FIELD_PREFIX):
        key = target.removeprefix(CUSTOM_FIELD_PREFIX)
        return None if key in custom_field_keys else f"there is no custom field {key!r}"
    return f"{target!r} is not an account field; use {', '.join(GROUP_TRAIT_FIELDS)} or cf_<custom field key>"


def account_values(
    traits: dict, *, mapping: dict[str, str], definitions: list[CustomFieldDefinition], strict: bool = True
) -> Cleaned:
    """Account fields and custom field values from group traits, through the tenant's mapping.

    Not `strict` (the default mapping, which names cf_plan whether the tenant has it or not),
    a custom field the tenant does not have is skipped without a note.
    """
    cleaned = Cleaned()
    by_key = {d.key: d for d in definitions}
    targets = dict(mapping)
    # A segment trait is understood even when the mapping does not name it.
    if "segment" in traits and "segment" not in targets.values():
        targets["segment"] = "segment"
    for trait, target in targets.items():
        value = traits.get(trait)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            if target.startswith(CUSTOM_FIELD_PREFIX):
                key = target.removeprefix(CUSTOM_FIELD_PREFIX)
                if key not in by_key:
                    if not strict:
                        continue
                    raise ValidationError(f"there is no custom field {key!r}")
                # Only this field's definition: a required field the call does not mention is not its problem.
                values = custom_field_values_clean(definitions=[by_key[key]], values={key: value})
                cleaned.custom_fields[key] = values.get(key)
            else:
                cleaned.fields[target] = _account_field(target, value)
        except ValidationError as error:
            cleaned.problems.append((trait, f"Trait {trait!r} ({_shown(value)}): {' '.join(_messages(error))}"))
    return cleaned


def _account_field(target: str, value):
    if target == "segment":
        return parse_choice(value, Segment.choices)
    if target == "seats_purchased":
        return parse_int(value)
    if target in ("arr", "acv"):
        return parse_decimal(value)
    if isinstance(value, dict | list | bool):
        raise ValidationError("is not text.")
    text = str(value).strip()
    if target == "domain":
        # Group traits carry a website; the account keeps the bare domain.
        text = text.split("://", 1)[-1].split("/", 1)[0].removeprefix("www.").lower()
    if len(text) > TEXT_LIMITS[target]:
        raise ValidationError(f"is longer than {TEXT_LIMITS[target]} characters.")
    return text


def account_changes(account: Account, cleaned: Cleaned) -> tuple[dict, dict | None]:
    """Only what differs, so a group call repeated on every page load writes nothing."""
    changed = {}
    for name, value in cleaned.fields.items():
        current = getattr(account, name)
        if isinstance(value, Decimal) and Decimal(current) == value:
            continue
        if current != value:
            changed[name] = value
    custom = {k: v for k, v in cleaned.custom_fields.items() if account.custom_fields.get(k) != v}
    return changed, custom or None


def contact_values(traits: dict, *, user_id: str, for_new: bool) -> Cleaned:
    """Contact fields from identify traits: name (or firstName + lastName), email, title and roles."""
    cleaned = Cleaned()
    name, name_trait = _text(traits.get("name")), "name"
    if not name:
        name_trait = "firstName" if _text(traits.get("firstName")) else "lastName"
        name = " ".join(p for p in (_text(traits.get("firstName")), _text(traits.get("lastName"))) if p)
    email = _text(traits.get("email"))
    if email:
        try:
            validate_email(email)
            cleaned.fields["email"] = email.lower()
        except ValidationError:
            cleaned.problems.append(("email", f"Trait 'email' ({_shown(email)}) is not an email address."))
    if name:
        if len(name) > MAX_NAME:
            cleaned.problems.append((name_trait, f"Trait 'name' is longer than {MAX_NAME} characters."))
        else:
            cleaned.fields["name"] = name
    if for_new and "name" not in cleaned.fields:
        # A contact needs a name: the address, or the id the product knows them by.
        cleaned.fields["name"] = cleaned.fields.get("email") or user_id[:MAX_NAME]
    title = _text(traits.get("title"))
    if title:
        if len(title) > 120:
            cleaned.problems.append(("title", "Trait 'title' is longer than 120 characters."))
        else:
            cleaned.fields["title"] = title
    roles_trait = "roles" if "roles" in traits else "role"
    roles = traits.get(roles_trait)
    if roles not in (None, "", []):
        try:
            if not isinstance(roles, str | list):
                raise ValidationError("is neither text nor a list.")
            cleaned.fields["roles"] = roles_join(roles)
        except ValidationError as error:
            cleaned.problems.append((roles_trait, f"Trait 'roles' ({_shown(roles)}): {' '.join(_messages(error))}"))
    return cleaned


def contact_changes(contact: Contact, cleaned: Cleaned) -> dict:
    return {k: v for k, v in cleaned.fields.items() if getattr(contact, k) != v}


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for messages in error.message_dict.values() for m in messages]
    return error.messages
