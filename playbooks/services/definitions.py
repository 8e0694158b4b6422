"""Checking a playbook's definition (trigger and its settings, conditions, actions) against the catalogue and
the tenant's own objects, field by field: the editor shows each error under its input (the keys are the
inputs' names: "trigger_params.to", "conditions.0.value", "actions.1.title"), the API answers them in the
house error shape, enabling refuses a definition with any, and the broken-playbook check re-runs it when a
custom field, cadence or member it names is gone.

A clean definition is also typed: numbers are ints, yes/no values are booleans, lists are lists, defaults
are filled in, so the engine reads what the editor meant whatever sent it (a form's strings, the API's JSON).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import CustomFieldDefinition, CustomFieldType
from accounts.parsing import parse_bool, parse_decimal, parse_int
from accounts.services.custom_fields import custom_field_value_clean
from communications.composing.merge import render
from communications.models import Cadence
from tenancy.models import Membership, Role, Tenant

from ..catalogue import ACTIONS, CONDITIONS, SET_OPS, TRIGGERS, Param

Errors = dict[str, list[str]]

MAX_CONDITIONS = 20
MAX_ACTIONS = 20
MAX_TEXT = 200
MAX_LONGTEXT = 4000
# Who may be handed an account's work: the roles that can own accounts.
OWNING_ROLES = (Role.CSM, Role.LEADER, Role.ADMIN)
CUSTOM_PREFIX = "custom:"
# A custom field's type decides how its condition compares.
CUSTOM_OPS = {
    CustomFieldType.NUMBER: ("eq", "neq", "gte", "lte"),
    CustomFieldType.DATE: ("eq", "neq", "gte", "lte"),
    CustomFieldType.BOOLEAN: ("eq", "neq"),
    CustomFieldType.CHOICE: ("eq", "neq"),
    CustomFieldType.TEXT: ("eq", "neq", "contains"),
}
# Params whose text goes to people through communications' merge-field renderer.
MERGE_KINDS = ("text", "longtext")


@dataclass
class _Lookups:
    """The tenant's objects a definition may name, read once per check (a handful of queries, whatever its
    size)."""

    custom_fields: dict[str, CustomFieldDefinition]
    cadences: dict[int, Cadence]
    members: dict[int, Membership]

    @classmethod
    def of(cls, tenant: Tenant) -> "_Lookups":
        return cls(
            custom_fields={d.key: d for d in CustomFieldDefinition.objects.filter(tenant=tenant)},
            cadences={c.pk: c for c in Cadence.objects.filter(tenant=tenant)},
            members={
                m.user_id: m for m in Membership.objects.filter(tenant=tenant, is_active=True).select_related("user")
            },
        )


@dataclass
class _Check:
    tenant: Tenant
    lookups: _Lookups
    errors: Errors = field(default_factory=dict)

    def add(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _as_id(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _assignee(check: _Check, key: str, value: Any) -> str:
    """ "owner", "role:<csm|leader|admin>" or "user:<id>" of an active member who may own accounts."""
    text = str(value).strip()
    if text == "owner":
        return text
    kind, _, rest = text.partition(":")
    if kind == "role":
        if rest not in OWNING_ROLES:
            check.add(key, "Choose a role that owns accounts: CSM, CS leader or admin.")
        return text
    if kind == "user":
        user_id = _as_id(rest)
        member = check.lookups.members.get(user_id) if user_id is not None else None
        if member is None:
            check.add(key, "No such user in this tenant (or they left).")
        elif member.role not in OWNING_ROLES:
            check.add(
                key, f"{member.user} is a {member.get_role_display()}: only a CSM, CS leader or admin can get work."
            )
        return f"user:{user_id}" if user_id is not None else text
    check.add(key, 'Say who: "owner", "role:leader" (or csm, admin) or "user:<id>".')
    return text


def _merge_fields(check: _Check, key: str, text: str) -> None:
    unknown = render(text, {}).unknown
    if unknown:
        check.add(key, f"Not a merge field: {', '.join(unknown)}. See the list of merge fields.")


def _param(check: _Check, key: str, param: Param, value: Any) -> Any:
    """One setting, typed; an error under `key` when it does not fit."""
    if _blank(value) and param.kind != "bool":
        if param.default is not None and param.kind not in ("text",):
            return param.default
        if param.required:
            check.add(key, f"{param.label} is required.")
        return None if param.kind in ("int", "cadence") else ""
    if param.kind == "choice":
        allowed = {str(choice) for choice, _label in param.choice_list()}
        if str(value) not in allowed:
            check.add(key, f"Choose one of: {', '.join(label for _c, label in param.choice_list())}.")
        return str(value)
    if param.kind == "int":
        try:
            return parse_int(
                value,
                minimum=param.minimum if param.minimum is not None else -10_000_000,
                maximum=param.maximum if param.maximum is not None else 10_000_000,
            )
        except ValidationError:
            low = param.minimum if param.minimum is not None else "any"
            high = param.maximum if param.maximum is not None else "any"
            check.add(key, f"A whole number from {low} to {high}.")
            return value
    if param.kind == "bool":
        if _blank(value):
            return bool(param.default)
        try:
            return parse_bool(value)
        except ValidationError:
            check.add(key, "Yes or no.")
            return value
    if param.kind == "assignee":
        return _assignee(check, key, value)
    if param.kind == "cadence":
        cadence_id = _as_id(value)
        if cadence_id is None or cadence_id not in check.lookups.cadences:
            check.add(key, "No such cadence.")
        elif not check.lookups.cadences[cadence_id].is_active:
            check.add(key, f"The cadence {check.lookups.cadences[cadence_id].name} is switched off.")
        return cadence_id
    text = str(value).strip()
    limit = MAX_LONGTEXT if param.kind == "longtext" else MAX_TEXT
    if len(text) > limit:
        check.add(key, f"At most {limit} characters.")
    if param.kind in MERGE_KINDS:
        _merge_fields(check, key, text)
    return text


def _params(check: _Check, prefix: str, params: Iterable[Param], values: Any, *, skip: Iterable[str] = ()) -> dict:
    if not isinstance(values, dict):
        check.add(prefix.rstrip("."), "Expected an object of settings.")
        return {}
    params = tuple(params)
    known = {p.name for p in params} | set(skip)
    for name in values:
        if name not in known:
            check.add(f"{prefix}{name}", "Not a setting of this choice.")
    return {p.name: _param(check, f"{prefix}{p.name}", p, values.get(p.name)) for p in params}


# Conditions


def _values(value: Any) -> list:
    if isinstance(value, (list, tuple)):
        return [v for v in value if not _blank(v)]
    return [] if _blank(value) else [value]


def _condition(check: _Check, i: int, clause: Any) -> dict:
    key = f"conditions.{i}"
    if not isinstance(clause, dict):
        check.add(key, 'Expected {"field", "op", "value"}.')
        return {}
    name, op, value = str(clause.get("field") or ""), str(clause.get("op") or ""), clause.get("value")
    if name.startswith(CUSTOM_PREFIX):
        return _custom_condition(check, key, name, op, value)
    spec = CONDITIONS.get(name)
    if spec is None or name == "custom":
        check.add(f"{key}.field", "Choose what to test.")
        return {"field": name, "op": op, "value": value}
    if op not in spec.ops:
        check.add(f"{key}.op", f"Choose how to compare {spec.label}.")
    if spec.kind == "choice":
        allowed = dict(spec.choice_list())
        chosen = [str(v) for v in _values(value)]
        if not chosen:
            check.add(f"{key}.value", f"Choose at least one {spec.label.lower()}.")
        wrong = [v for v in chosen if v not in allowed]
        if wrong:
            check.add(f"{key}.value", f"Not a {spec.label.lower()}: {', '.join(wrong)}.")
        return {"field": name, "op": op, "value": chosen}
    if spec.kind == "user":
        ids = [_as_id(v) for v in _values(value)]
        if not ids:
            check.add(f"{key}.value", "Choose at least one person.")
        if any(user_id is None or user_id not in check.lookups.members for user_id in ids):
            check.add(f"{key}.value", "No such user in this tenant (or they left).")
        return {"field": name, "op": op, "value": [user_id for user_id in ids if user_id is not None]}
    if spec.kind == "days":
        try:
            return {"field": name, "op": op, "value": parse_int(value, minimum=1, maximum=3650)}
        except ValidationError:
            check.add(f"{key}.value", "A number of days from 1 to 3650.")
            return {"field": name, "op": op, "value": value}
    # A number: ARR, ACV, score, days to renewal.
    try:
        number = parse_decimal(value, minimum=None, maximum=Decimal("1e15"))
    except ValidationError:
        check.add(f"{key}.value", "A number.")
        return {"field": name, "op": op, "value": value}
    return {"field": name, "op": op, "value": int(number) if number == number.to_integral_value() else float(number)}


def _custom_condition(check: _Check, key: str, name: str, op: str, value: Any) -> dict:
    definition = check.lookups.custom_fields.get(name[len(CUSTOM_PREFIX) :])
    if definition is None:
        check.add(f"{key}.field", f"No such custom field: {name[len(CUSTOM_PREFIX) :]}.")
        return {"field": name, "op": op, "value": value}
    if op not in CUSTOM_OPS[CustomFieldType(definition.field_type)]:
        check.add(f"{key}.op", f"Choose how to compare {definition.label}.")
    try:
        typed = custom_field_value_clean(definition, value)
    except ValidationError as error:
        check.add(f"{key}.value", f"{definition.label}: {' '.join(error.messages)}")
        return {"field": name, "op": op, "value": value}
    if typed is None:
        check.add(f"{key}.value", f"Give a value of {definition.label} to compare with.")
    return {"field": name, "op": op, "value": typed}


def pinned(conditions: list[dict], name: str, choices: Iterable[str]) -> set[str] | None:
    """The values of a choice condition (segment, health band) the conditions allow, or None when they do
    not pin it: "in" keeps its values, "not_in" keeps the others, several clauses narrow together."""
    allowed: set[str] | None = None
    every = set(choices)
    for clause in conditions:
        if clause.get("field") != name or clause.get("op") not in SET_OPS:
            continue
        values = {str(v) for v in _values(clause.get("value"))}
        these = values if clause["op"] == "in" else every - values
        allowed = these if allowed is None else allowed & these
    return allowed


def cadence_conflict(*, cadence: Cadence, conditions: list[dict]) -> str:
    """Why this playbook's accounts could never be enrolled in the cadence, or "".

    A cadence says which accounts it takes by health band (communications' `cadence_accepts`); a playbook
    whose conditions pin the band to others would enrol nobody. (Cadences carry no segment of their own: a
    segment pinned by the conditions cannot contradict one.)"""
    if not cadence.health_bands:
        return ""
    bands = pinned(conditions, "health_band", [band for band, _label in CONDITIONS["health_band"].choice_list()])
    if bands is not None and not bands & set(cadence.health_bands):
        return (
            f"{cadence.name} takes only {', '.join(cadence.health_bands)} accounts; the conditions allow only "
            f"{', '.join(sorted(bands)) or 'none'}."
        )
    return ""


# Actions


def _action(check: _Check, i: int, action: Any, conditions: list[dict]) -> dict:
    key = f"actions.{i}"
    if not isinstance(action, dict):
        check.add(key, 'Expected {"type", ...settings}.')
        return {}
    kind = str(action.get("type") or "")
    spec = ACTIONS.get(kind)
    if spec is None:
        check.add(f"{key}.type", "Choose an action.")
        return {"type": kind}
    params = {k: v for k, v in action.items() if k != "type"}
    clean = {"type": kind, **_params(check, f"{key}.", spec.params, params)}
    if kind == "enrol_cadence" and f"{key}.cadence" not in check.errors and clean.get("cadence") is not None:
        conflict = cadence_conflict(cadence=check.lookups.cadences[clean["cadence"]], conditions=conditions)
        if conflict:
            check.add(f"{key}.cadence", conflict)
    return clean


def _trigger(check: _Check, trigger: str, params: Any) -> dict:
    spec = TRIGGERS.get(trigger)
    if spec is None:
        check.add("trigger", "Choose a trigger.")
        return {}
    clean = _params(check, "trigger_params.", spec.params, params if params is not None else {})
    known = check.lookups.custom_fields
    if trigger == "custom_field_changed" and "trigger_params.field" not in check.errors and clean["field"] not in known:
        check.add("trigger_params.field", f"No such custom field: {clean['field']}.")
    return clean


def lookups_of(tenant: Tenant) -> _Lookups:
    """The tenant's custom fields, cadences and members, read once to check many definitions."""
    return _Lookups.of(tenant)


def _check(tenant: Tenant, definition: dict, lookups: _Lookups | None = None) -> tuple[dict, Errors]:
    check = _Check(tenant=tenant, lookups=lookups or _Lookups.of(tenant))
    trigger = str(definition.get("trigger") or "")
    trigger_params = _trigger(check, trigger, definition.get("trigger_params"))
    raw_conditions = definition.get("conditions") or []
    raw_actions = definition.get("actions") or []
    if not isinstance(raw_conditions, list):
        check.add("conditions", "Expected a list of conditions.")
        raw_conditions = []
    if not isinstance(raw_actions, list):
        check.add("actions", "Expected a list of actions.")
        raw_actions = []
    if len(raw_conditions) > MAX_CONDITIONS:
        check.add("conditions", f"At most {MAX_CONDITIONS} conditions.")
    if len(raw_actions) > MAX_ACTIONS:
        check.add("actions", f"At most {MAX_ACTIONS} actions.")
    if not raw_actions:
        check.add("actions", "Add at least one action: a playbook that does nothing never helps anyone.")
    conditions = [_condition(check, i, clause) for i, clause in enumerate(raw_conditions[:MAX_CONDITIONS])]
    actions = [_action(check, i, action, conditions) for i, action in enumerate(raw_actions[:MAX_ACTIONS])]
    clean = {"trigger": trigger, "trigger_params": trigger_params, "conditions": conditions, "actions": actions}
    return clean, check.errors


def definition_errors(*, tenant: Tenant, definition: dict, lookups: _Lookups | None = None) -> Errors:
    """Every problem of a definition ({"trigger", "trigger_params", "conditions", "actions"}), keyed by the
    input it belongs to; empty when it may run. `lookups` (lookups_of) spares re-reading the tenant's
    objects when many definitions are checked."""
    return _check(tenant, definition, lookups)[1]


def definition_clean(*, tenant: Tenant, definition: dict) -> dict:
    """The definition typed and with its defaults, or a ValidationError keyed like `definition_errors`."""
    clean, errors = _check(tenant, definition)
    if errors:
        raise ValidationError(errors)
    return clean
