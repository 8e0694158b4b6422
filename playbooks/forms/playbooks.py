"""The playbook editor's form: a definition of any shape (a trigger's own settings, conditions and actions as
rows) read from the POST and shown back as rows of inputs. Its inputs are named like the keys of
`definition_errors` ("trigger_params.to", "conditions.0.value", "actions.1.title"), so each error lands
under its own input, in the full page without JS and in the validate-as-you-type answer alike.

Rows are added, removed and moved by the form's own submit buttons (`_op`), so it all works without JS;
htmx only spares the reload."""

import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict

from accounts.models import CustomFieldDefinition, CustomFieldType
from communications.models import Cadence
from tenancy.models import Membership, Tenant

from ..catalogue import ACTIONS, CONDITIONS, OP_LABELS, OUTCOME_MEASURES, TRIGGERS, Param
from ..models import Playbook, PlaybookSettings
from ..services.definitions import CUSTOM_OPS, CUSTOM_PREFIX, OWNING_ROLES

SETTINGS_INPUTS = ("name", "description", "cooldown_days", "outcome_measure")
FLAGS = ("stop_when_resolved", "csm_may_run")
_ROW = re.compile(r"^(conditions|actions)\.(\d+)\.")
Choices = list[tuple[str, str]]


@dataclass
class Input:
    """One input of the editor: its name (also its error's key), label, widget kind and value."""

    name: str
    label: str
    kind: str  # choice, multi, int, number, text, longtext, bool
    value: Any = ""
    choices: Choices = field(default_factory=list)
    help: str = ""
    required: bool = False
    refresh: bool = False  # changing it changes the other inputs of its row: the editor is shown again
    errors: list[str] = field(default_factory=list)

    @property
    def slot(self) -> str:
        """The id of the element its errors go in."""
        return "err-" + self.name.replace(".", "-")

    @property
    def input_id(self) -> str:
        return "id-" + self.name.replace(".", "-")

    @property
    def wide(self) -> bool:
        """Text people read (a title, a message, details) gets the row's width."""
        return self.kind == "longtext" or self.name.rsplit(".", 1)[-1] in ("title", "message", "reason")

    @property
    def values(self) -> list[str]:
        """The selected values of a multiple choice, as strings."""
        return [str(v) for v in self.value] if isinstance(self.value, list) else [str(self.value)]


@dataclass
class Row:
    index: int
    label: str
    inputs: list[Input]
    kind: str = ""  # an action's type


@dataclass
class Options:
    """The tenant's objects the editor's choices name, read once per page."""

    custom_fields: dict[str, CustomFieldDefinition]
    cadences: Choices
    assignees: Choices
    people: Choices

    @classmethod
    def of(cls, tenant: Tenant) -> "Options":
        members = list(
            Membership.objects.filter(tenant=tenant, is_active=True).select_related("user").order_by("user__email")
        )
        owning = [m for m in members if m.role in OWNING_ROLES]
        return cls(
            custom_fields={d.key: d for d in CustomFieldDefinition.objects.filter(tenant=tenant)},
            cadences=[
                (str(c.pk), c.name + ("" if c.is_active else " (switched off)"))
                for c in Cadence.objects.filter(tenant=tenant).order_by("name")
            ],
            assignees=[
                ("owner", "The account's CSM"),
                ("role:leader", "The first CS leader"),
                ("role:admin", "The first admin"),
                ("role:csm", "The first CSM"),
                *((f"user:{m.user_id}", f"{m.user} ({m.get_role_display()})") for m in owning),
            ],
            people=[(str(m.user_id), str(m.user)) for m in members],
        )


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("on", "true", "1", "yes")


def draft_from_post(data: QueryDict) -> dict:
    """The editor's POST as playbook fields: the settings as typed as they can be, the definition's values
    as sent (definition_clean types them)."""
    draft: dict[str, Any] = {name: data.get(name, "") for name in SETTINGS_INPUTS}
    cooldown = str(draft["cooldown_days"]).strip()
    draft["cooldown_days"] = int(cooldown) if cooldown.isdigit() else cooldown
    for name in FLAGS:
        draft[name] = _flag(data.get(name, ""))
    trigger = data.get("trigger", "")
    draft["trigger"] = trigger
    spec = TRIGGERS.get(trigger)
    draft["trigger_params"] = {p.name: data.get(f"trigger_params.{p.name}", "") for p in spec.params} if spec else {}
    rows: dict[str, set[int]] = {"conditions": set(), "actions": set()}
    for key in data:
        if match := _ROW.match(key):
            rows[match.group(1)].add(int(match.group(2)))
    draft["conditions"] = [_condition_from_post(data, i) for i in sorted(rows["conditions"])]
    draft["actions"] = [_action_from_post(data, i) for i in sorted(rows["actions"])]
    return draft


def _condition_from_post(data: QueryDict, i: int) -> dict:
    name = data.get(f"conditions.{i}.field", "")
    spec = CONDITIONS.get(name)
    many = spec is not None and spec.kind in ("choice", "user")
    value = data.getlist(f"conditions.{i}.value") if many else data.get(f"conditions.{i}.value", "")
    return {"field": name, "op": data.get(f"conditions.{i}.op", ""), "value": value}


def _action_from_post(data: QueryDict, i: int) -> dict:
    kind = data.get(f"actions.{i}.type", "")
    spec = ACTIONS.get(kind)
    action: dict[str, Any] = {"type": kind}
    for param in spec.params if spec else ():
        key = f"actions.{i}.{param.name}"
        # An unchecked box sends nothing: the row was on the page, so it means no.
        action[param.name] = (
            ("true" if _flag(data.get(key, "")) else "false") if param.kind == "bool" else data.get(key, "")
        )
    return action


def draft_of(playbook: Playbook) -> dict:
    return {
        **{name: getattr(playbook, name) for name in (*SETTINGS_INPUTS, *FLAGS)},
        "trigger": playbook.trigger,
        "trigger_params": dict(playbook.trigger_params),
        "conditions": [dict(c) for c in playbook.conditions],
        "actions": [dict(a) for a in playbook.actions],
    }


NEW_DRAFT = {
    "name": "",
    "description": "",
    "cooldown_days": 30,
    "outcome_measure": "health_recovery",
    "stop_when_resolved": True,
    "csm_may_run": False,
    "trigger": "band_changed",
    "trigger_params": {},
    "conditions": [],
    "actions": [],
}


def draft_apply(draft: dict, op: str, data: QueryDict | None = None) -> dict:
    """A row added, removed or moved (the editor's buttons); an unknown op changes nothing."""
    verb, _, arg = op.partition(":")
    index = int(arg) if arg.isdigit() else -1
    if verb == "add_condition":
        draft["conditions"].append({"field": "segment", "op": "in", "value": []})
    elif verb == "add_action":
        kind = (data.get("new_action", "") if data is not None else "") or "create_task"
        if kind in ACTIONS:
            draft["actions"].append({"type": kind, **{p.name: p.default for p in ACTIONS[kind].params}})
    elif verb in ("remove_condition", "remove_action"):
        rows = draft["conditions" if verb == "remove_condition" else "actions"]
        if 0 <= index < len(rows):
            rows.pop(index)
    elif verb in ("up_action", "down_action"):
        rows, other = draft["actions"], index + (-1 if verb == "up_action" else 1)
        if 0 <= index < len(rows) and 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]
    return draft


def _param_input(name: str, param: Param, value: Any, options: Options) -> Input:
    kind, choices = param.kind, list(param.choice_list())
    if kind == "assignee":
        kind, choices = "choice", options.assignees
        if not param.required:
            choices = [("", "Nobody"), *choices]
    elif kind == "cadence":
        kind, choices = "choice", [("", "Choose a cadence"), *options.cadences]
    elif kind == "choice" and not param.required:
        choices = [("", "Any"), *choices]
    if value is None:
        value = ""
    if kind == "choice" and value != "" and str(value) not in {str(v) for v, _label in choices}:
        # What it names is gone (a person who left, a deleted cadence): shown as such, never silently replaced.
        choices = [*choices, (str(value), f"{value} (gone)")]
    if kind == "bool":
        value = _flag(value) if not isinstance(value, bool) else value
    return Input(name, param.label, kind, value, choices, param.help, param.required)


def trigger_inputs(draft: dict, options: Options) -> list[Input]:
    spec = TRIGGERS.get(draft.get("trigger", ""))
    if spec is None:
        return []
    params = draft.get("trigger_params") or {}
    inputs = []
    for param in spec.params:
        value = params.get(param.name, param.default)
        if draft["trigger"] == "custom_field_changed" and param.name == "field":
            choices = [("", "Choose a field"), *((k, d.label) for k, d in options.custom_fields.items())]
            inputs.append(Input(f"trigger_params.{param.name}", "Field", "choice", value or "", choices, required=True))
            continue
        inputs.append(_param_input(f"trigger_params.{param.name}", param, value, options))
    return inputs


def condition_rows(draft: dict, options: Options) -> list[Row]:
    fields: Choices = [(key, spec.label) for key, spec in CONDITIONS.items() if key != "custom"]
    fields += [(CUSTOM_PREFIX + key, f"Custom field: {d.label}") for key, d in options.custom_fields.items()]
    rows = []
    for i, clause in enumerate(draft.get("conditions") or []):
        name, op, value = clause.get("field", ""), clause.get("op", ""), clause.get("value")
        prefix = f"conditions.{i}"
        field_input = Input(f"{prefix}.field", "Test", "choice", name, fields, refresh=True)
        if name.startswith(CUSTOM_PREFIX) and name[len(CUSTOM_PREFIX) :] in options.custom_fields:
            definition = options.custom_fields[name[len(CUSTOM_PREFIX) :]]
            ops = CUSTOM_OPS[CustomFieldType(definition.field_type)]
            value_input = _custom_value(f"{prefix}.value", definition, value)
        elif name in CONDITIONS:
            spec = CONDITIONS[name]
            ops = spec.ops
            if spec.kind == "choice":
                value_input = Input(f"{prefix}.value", "Values", "multi", _listed(value), list(spec.choice_list()))
            elif spec.kind == "user":
                value_input = Input(f"{prefix}.value", "People", "multi", _listed(value), options.people)
            else:
                value_input = Input(f"{prefix}.value", "Value", "number" if spec.kind == "number" else "int", value)
        else:  # a deleted custom field: shown as it is, with its error
            fields = [*fields, (name, f"{name} (gone)")]
            field_input.choices = fields
            ops, value_input = (op,), Input(f"{prefix}.value", "Value", "text", value)
        if op not in ops and ops:
            op = ops[0]
        op_input = Input(f"{prefix}.op", "How", "choice", op, [(o, OP_LABELS.get(o, o)) for o in ops])
        rows.append(Row(i, "", [field_input, op_input, value_input]))
    return rows


def _listed(value: Any) -> list:
    if isinstance(value, list):
        return value
    return [] if value in (None, "") else [value]


def _custom_value(name: str, definition: CustomFieldDefinition, value: Any) -> Input:
    if definition.field_type == CustomFieldType.BOOLEAN:
        shown = {True: "true", False: "false"}.get(value, value) if isinstance(value, bool) else value
        return Input(name, "Value", "choice", shown, [("true", "Yes"), ("false", "No")])
    if definition.field_type == CustomFieldType.CHOICE:
        return Input(name, "Value", "choice", value, [("", "Choose"), *((c, c) for c in definition.choices)])
    kind = {CustomFieldType.NUMBER: "number", CustomFieldType.DATE: "date"}.get(
        CustomFieldType(definition.field_type), "text"
    )
    return Input(name, "Value", kind, "" if value is None else value)


def action_rows(draft: dict, options: Options) -> list[Row]:
    rows = []
    for i, action in enumerate(draft.get("actions") or []):
        spec = ACTIONS.get(action.get("type", ""))
        if spec is None:
            rows.append(Row(i, f"Unknown action {action.get('type')!r}", []))
            continue
        inputs = [
            _param_input(f"actions.{i}.{param.name}", param, action.get(param.name, param.default), options)
            for param in spec.params
        ]
        rows.append(Row(i, spec.label, inputs, kind=spec.key))
    return rows


def settings_inputs(draft: dict) -> dict[str, Input]:
    """The editor's fixed inputs, by name."""
    inputs = [
        Input("name", "Name", "text", draft.get("name", ""), required=True),
        Input("description", "Description", "longtext", draft.get("description", "")),
        Input("trigger", "When", "choice", draft.get("trigger", ""), TRIGGER_CHOICES, required=True, refresh=True),
        Input(
            "cooldown_days",
            "Cool-down (days)",
            "int",
            draft.get("cooldown_days", 30),
            help="After a run for an account, wait this long before running for it again.",
        ),
        Input("outcome_measure", "Measured by", "choice", draft.get("outcome_measure", ""), OUTCOME_CHOICES),
        Input(
            "stop_when_resolved",
            "Stop when resolved: close its open tasks and end its cadences when what fired it resolves",
            "bool",
            bool(draft.get("stop_when_resolved")),
        ),
        Input("csm_may_run", "CSMs may run it by hand on their own accounts", "bool", bool(draft.get("csm_may_run"))),
    ]
    return {i.name: i for i in inputs}


def errors_attach(errors: dict[str, list[str]], *groups) -> None:
    """Put each error on its input; `groups` are lists of inputs or rows."""
    for group in groups:
        for item in group:
            for one in item.inputs if isinstance(item, Row) else [item]:
                one.errors = list(errors.get(one.name, []))


def error_slots(draft: dict, options: Options) -> list[str]:
    """Every error slot of the editor as drafted: the validate answer empties those without an error."""
    names = [*SETTINGS_INPUTS, "trigger", "conditions", "actions"]
    names += [i.name for i in trigger_inputs(draft, options)]
    names += [i.name for row in condition_rows(draft, options) for i in row.inputs]
    names += [i.name for row in action_rows(draft, options) for i in row.inputs]
    return names


TRIGGER_CHOICES: Choices = [(key, spec.label) for key, spec in TRIGGERS.items()]
ACTION_CHOICES: Choices = [(key, spec.label) for key, spec in ACTIONS.items()]
OUTCOME_CHOICES: Choices = list(OUTCOME_MEASURES)


class RunOnAccountForm(forms.Form):
    """From the playbook's page: the account, by its name (a tenant has too many for a list)."""

    account = forms.CharField(label="Account", max_length=200)

    def __init__(self, data=None, *, tenant: Tenant, **kwargs):
        super().__init__(data, **kwargs)
        self.tenant = tenant

    def clean_account(self):
        from accounts.models import Account

        text = self.cleaned_data["account"].strip()
        found = list(Account.objects.filter(tenant=self.tenant, name__iexact=text)[:2])
        if not found and text.isdigit():
            found = list(Account.objects.filter(tenant=self.tenant, pk=int(text)))
        if not found:
            raise forms.ValidationError(f"No account called {text}.")
        if len(found) > 1:
            raise forms.ValidationError(f"Several accounts are called {text}: give its id.")
        return found[0]


class RunPlaybookForm(forms.Form):
    """From the account page: one of the playbooks the member may run there."""

    playbook = forms.TypedChoiceField(label="Playbook", coerce=int)

    def __init__(self, data=None, *, playbooks: list[Playbook], **kwargs):
        super().__init__(data, **kwargs)
        self.fields["playbook"].choices = [(p.pk, p.name) for p in playbooks]


class PlaybookSettingsForm(forms.ModelForm):
    class Meta:
        model = PlaybookSettings
        fields = ["daily_cap"]
