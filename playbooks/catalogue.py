"""What a playbook can be made of: the triggers the other apps announce, the conditions an account is tested
against, and the actions a run takes. Pure data: the editor builds its fields from it, the engine checks a
playbook against it, the API documents it. Choices that belong to a lower app (signal kinds, stages,
segments) come from that app's peers, so a new signal kind shows up here without a change.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from accounts.models import ContactRole, Segment, TouchModel
from activities.models import Priority, TaskKind
from communications.models import Channel, MessageType
from health.peers import BANDS, SIGNAL_KINDS
from journeys.peers import STAGES
from renewals.peers import FORECASTS

Choices = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Param:
    """One setting of a trigger or an action. `kind`: choice, int, text, longtext, user, cadence, bool."""

    name: str
    label: str
    kind: str = "text"
    choices: Choices | Callable[[], Choices] = ()
    required: bool = True
    default: object = None
    minimum: int | None = None
    maximum: int | None = None
    help: str = ""

    def choice_list(self) -> Choices:
        return self.choices() if callable(self.choices) else self.choices


@dataclass(frozen=True)
class TriggerSpec:
    key: str
    label: str
    family: str
    params: tuple[Param, ...] = ()
    # How the trigger reads in a sentence: "when health turns {to}".
    sentence: str = ""
    # Whether the occurrence can end (a signal resolved, a flag cleared): "stop when resolved" applies.
    resolvable: bool = False


@dataclass(frozen=True)
class ConditionSpec:
    key: str
    label: str
    ops: tuple[str, ...]
    kind: str = "text"  # choice, number, user, text, days
    choices: Choices | Callable[[], Choices] = ()

    def choice_list(self) -> Choices:
        return self.choices() if callable(self.choices) else self.choices


@dataclass(frozen=True)
class ActionSpec:
    key: str
    label: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    sentence: str = ""


RESULTS: Choices = (("won", "Won (renewed, expanded or contracted)"), ("lost", "Lost (churned)"), ("any", "Either"))
WINDOWS: Choices = (("7", "7 days"), ("30", "30 days"))
WEEKDAYS: Choices = tuple(
    (str(i), day)
    for i, day in enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))
)

TRIGGERS: dict[str, TriggerSpec] = {
    spec.key: spec
    for spec in (
        TriggerSpec(
            "band_changed",
            "Health band changed",
            "health",
            (Param("to", "To band", "choice", BANDS),),
            "health turns {to}",
            True,
        ),
        TriggerSpec(
            "score_dropped",
            "Health score dropped",
            "health",
            (
                Param("points", "By at least (points)", "int", default=10, minimum=1, maximum=100),
                Param("days", "Within", "choice", WINDOWS, default="30"),
            ),
            "the score drops {points}+ points in {days} days",
            True,
        ),
        TriggerSpec(
            "signal_raised",
            "Health signal raised",
            "health",
            (Param("kind", "Signal", "choice", SIGNAL_KINDS),),
            "a {kind} signal is raised",
            True,
        ),
        TriggerSpec(
            "stage_entered",
            "Journey stage entered",
            "journeys",
            (Param("stage", "Stage", "choice", STAGES),),
            "a track enters {stage}",
        ),
        TriggerSpec("track_regressed", "Journey track regressed", "journeys", (), "a track regresses"),
        TriggerSpec("track_stalled", "Journey track stalled", "journeys", (), "a track stalls in its stage", True),
        TriggerSpec("milestone_met", "Success-plan milestone met", "journeys", (), "a success-plan milestone is met"),
        TriggerSpec(
            "milestone_missed",
            "Success-plan milestone missed",
            "journeys",
            (),
            "a success-plan milestone passes its due day undone",
        ),
        TriggerSpec(
            "checkpoint_reached",
            "Renewal checkpoint reached",
            "renewals",
            (
                Param(
                    "days_before",
                    "T-minus (days; empty for every checkpoint)",
                    "int",
                    required=False,
                    minimum=0,
                    maximum=730,
                ),
            ),
            "a renewal reaches its T-{days_before} checkpoint",
        ),
        TriggerSpec(
            "forecast_at_risk", "Forecast changed to at risk", "renewals", (), "a renewal's forecast turns at risk"
        ),
        TriggerSpec(
            "renewal_decided",
            "Renewal decided",
            "renewals",
            (Param("result", "Result", "choice", RESULTS, default="any"),),
            "a renewal is decided ({result})",
        ),
        TriggerSpec("contract_created", "Contract created", "renewals", (), "a contract is created"),
        TriggerSpec("account_created", "Account created or imported", "accounts", (), "an account is created"),
        TriggerSpec("tier_changed", "Service tier changed", "accounts", (), "the account's service tier changes"),
        TriggerSpec(
            "custom_field_changed",
            "Custom field changed",
            "accounts",
            (Param("field", "Field (its key)", "text"),),
            "the custom field {field} changes",
        ),
        TriggerSpec(
            "contact_role_lost",
            "Contact with a role left",
            "accounts",
            (Param("role", "Role", "choice", ContactRole.choices, default="champion"),),
            "a {role} is deactivated or loses the role",
        ),
        TriggerSpec(
            "schedule",
            "On a schedule",
            "schedule",
            (Param("weekday", "Every", "choice", WEEKDAYS, default="0"),),
            "every {weekday} for every matching account",
        ),
    )
}

# Conditions: an AND of clauses, each tested against the account as it is when the trigger fires.
NUMBER_OPS = ("gte", "lte", "eq")
SET_OPS = ("in", "not_in")
OP_LABELS = {
    "gte": "at least",
    "lte": "at most",
    "eq": "is",
    "neq": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "contains": "contains",
    "not_within": "has not had this playbook in the last (days)",
    "within": "has had this playbook in the last (days)",
}
CONDITIONS: dict[str, ConditionSpec] = {
    spec.key: spec
    for spec in (
        ConditionSpec("segment", "Segment", SET_OPS, "choice", Segment.choices),
        ConditionSpec("tier", "Service tier", SET_OPS, "choice", TouchModel.choices),
        ConditionSpec("arr", "ARR", NUMBER_OPS, "number"),
        ConditionSpec("acv", "ACV", NUMBER_OPS, "number"),
        ConditionSpec("owner", "Owner", SET_OPS, "user"),
        ConditionSpec("health_band", "Health band", SET_OPS, "choice", BANDS),
        ConditionSpec("health_score", "Health score", NUMBER_OPS, "number"),
        ConditionSpec("journey_stage", "Journey stage (any track)", SET_OPS, "choice", STAGES),
        ConditionSpec("days_to_renewal", "Days to renewal", NUMBER_OPS, "number"),
        # "custom:<key>" names a custom field; its ops depend on the field's type.
        ConditionSpec("custom", "Custom field", ("eq", "neq", "gte", "lte", "contains"), "text"),
        ConditionSpec("playbook_history", "This playbook's history", ("not_within", "within"), "days"),
    )
}

ASSIGNEES_HELP = 'Who gets it: "owner" (the account\'s CSM), "role:leader" or "user:<id>"; fallback when empty.'
ACTIONS: dict[str, ActionSpec] = {
    spec.key: spec
    for spec in (
        ActionSpec(
            "create_task",
            "Create a task",
            (
                Param("title", "Title (merge fields allowed)", "text"),
                Param("details", "Details", "longtext", required=False, default=""),
                Param("kind", "Kind", "choice", TaskKind.choices, default="todo"),
                Param("priority", "Priority", "choice", Priority.choices, default="normal"),
                Param("due_in_days", "Due in (business days)", "int", default=2, minimum=0, maximum=90),
                Param("assignee", "Assign to", "assignee", default="owner", help=ASSIGNEES_HELP),
                Param("fallback", "If nobody: assign to", "assignee", required=False, default="role:leader"),
            ),
            "create a task “{title}” due in {due_in_days} business days",
        ),
        ActionSpec(
            "enrol_cadence",
            "Enrol in a cadence",
            (Param("cadence", "Cadence", "cadence"),),
            "enrol in the cadence {cadence}",
        ),
        ActionSpec(
            "notify",
            "Notify",
            (
                Param("message", "Message (merge fields allowed)", "text"),
                Param("recipient", "Who", "assignee", default="owner"),
                Param("email", "Also by email", "bool", required=False, default=True),
                Param("slack", "Also to Slack (the tenant's webhook)", "bool", required=False, default=False),
            ),
            "notify {recipient}",
        ),
        ActionSpec(
            "set_forecast",
            "Set the renewal forecast",
            (Param("category", "Forecast", "choice", FORECASTS), Param("reason", "Reason", "text")),
            "set the open renewal's forecast to {category}",
        ),
        ActionSpec(
            "tier_upgrade",
            "Temporary tier upgrade",
            (Param("days", "For (days)", "int", default=90, minimum=1, maximum=365),),
            "give the account more touch for {days} days",
        ),
        ActionSpec(
            "open_opportunity",
            "Open an expansion opportunity",
            (
                Param("title", "Title (merge fields allowed)", "text"),
                Param("amount", "Expected ARR", "int", required=False, default=0, minimum=0),
            ),
            "open the opportunity “{title}”",
        ),
        ActionSpec(
            "add_objective",
            "Add a success-plan objective",
            (
                Param("title", "Objective", "text"),
                Param("metric", "Metric", "text"),
                Param("baseline", "Baseline", "int", default=0),
                Param("target", "Target", "int", default=0),
                Param("due_in_days", "Due in (days)", "int", required=False, default=90, minimum=1, maximum=730),
            ),
            "add the objective “{title}”",
        ),
        ActionSpec(
            "calendar_entry",
            "Plan a calendar entry",
            (
                Param("title", "Title (merge fields allowed)", "text"),
                Param("message_type", "Message type", "choice", MessageType.choices, default="relationship"),
                Param("channel", "Channel", "choice", Channel.choices, default="email"),
                Param("in_days", "In (days)", "int", default=2, minimum=0, maximum=365),
            ),
            "plan “{title}” on the calendar",
        ),
    )
}

OUTCOME_MEASURES: Choices = (
    ("health_recovery", "Back to yellow or green within 30, 60 or 90 days"),
    ("renewal_outcome", "Renewal outcomes"),
    ("expansion", "Opportunities opened and won"),
)
