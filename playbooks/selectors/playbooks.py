"""Reading playbooks: the list with what each did lately, one playbook, its versions."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import CustomFieldDefinition
from activities.models import Task, TaskSource
from activities.models.tasks import LIVE
from tenancy.models import Membership, Tenant

from ..catalogue import CONDITIONS, OP_LABELS, TRIGGERS
from ..models import Playbook, PlaybookRun, PlaybookVersion, RunStatus
from ..services.actions import action_describe

# Runs that took their actions (or tried to): what "ran" means on the pages.
ACTED = (RunStatus.DONE, RunStatus.PARTIAL, RunStatus.FAILED, RunStatus.RUNNING)
RECENT_DAYS = 30


def playbook_get(*, tenant: Tenant, playbook_id: int) -> Playbook:
    """A playbook of the tenant (archived ones too: their runs still link to them)."""
    return Playbook.objects.get(tenant=tenant, pk=playbook_id)


def playbooks_live(*, tenant: Tenant) -> QuerySet[Playbook]:
    return Playbook.objects.filter(tenant=tenant, archived_at=None)


def open_tasks_by_playbook(*, tenant: Tenant, playbook_ids: list[int] | None = None) -> dict[int, int]:
    """How many live tasks (open or snoozed) each playbook's runs made: one grouped query."""
    runs = PlaybookRun.objects.filter(tenant=tenant, pk=OuterRef("source_id")).values("playbook_id")
    tasks = Task.objects.filter(tenant=tenant, source=TaskSource.PLAYBOOK_RUN, status__in=LIVE)
    if playbook_ids is not None:
        tasks = tasks.filter(
            source_id__in=PlaybookRun.objects.filter(tenant=tenant, playbook_id__in=playbook_ids).values("pk")
        )
    rows = tasks.annotate(playbook_id=Subquery(runs[:1])).values("playbook_id").annotate(n=Count("id"))
    return {row["playbook_id"]: row["n"] for row in rows if row["playbook_id"] is not None}


def playbooks_overview(*, tenant: Tenant, now: dt.datetime | None = None) -> list[Playbook]:
    """Every live playbook with `recent_runs` (acted in the last 30 days), `recent_held` and `open_tasks`:
    two queries whatever their number."""
    since = (now or timezone.now()) - dt.timedelta(days=RECENT_DAYS)
    playbooks: list[Playbook] = list(
        playbooks_live(tenant=tenant).annotate(
            recent_runs=Count("runs", filter=Q(runs__fired_at__gte=since, runs__status__in=ACTED)),
            recent_held=Count("runs", filter=Q(runs__fired_at__gte=since, runs__status=RunStatus.HELD)),
        )
    )
    open_tasks = open_tasks_by_playbook(tenant=tenant)
    for playbook in playbooks:
        playbook.open_tasks = open_tasks.get(playbook.pk, 0)  # type: ignore[attr-defined]  # for the list
    return playbooks


def playbook_versions(*, tenant: Tenant, playbook: Playbook) -> QuerySet[PlaybookVersion]:
    return PlaybookVersion.objects.filter(tenant=tenant, playbook=playbook).select_related("saved_by")


# A definition in sentences, for the pages.


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value))


def trigger_sentence(trigger: str, params: dict) -> str:
    """ "When health turns Red": the catalogue's sentence with each setting's label (no query)."""
    spec = TRIGGERS.get(trigger)
    if spec is None:
        return f"When {trigger} (no longer a trigger)"
    values = {}
    for param in spec.params:
        value = params.get(param.name, param.default)
        if param.kind == "choice":
            value = _label(param.choice_list(), value if value is None else str(value))
        if trigger == "checkpoint_reached" and value in (None, ""):
            return "When a renewal reaches any runway checkpoint"
        values[param.name] = "" if value is None else value
    try:
        sentence = spec.sentence.format(**values)
    except (KeyError, IndexError):
        sentence = spec.label.lower()
    return f"When {sentence}"


def condition_sentence(clause: dict, *, custom_labels: dict[str, str], people: dict[int, str]) -> str:
    name, op, value = clause.get("field", ""), clause.get("op", ""), clause.get("value")
    verb = OP_LABELS.get(op, op)
    if name.startswith("custom:"):
        key = name[len("custom:") :]
        shown = {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value
        return f"{custom_labels.get(key, key + ' (deleted field)')} {verb} {shown}"
    spec = CONDITIONS.get(name)
    if spec is None:
        return f"{name} {verb} {value}"
    if name == "playbook_history":
        return f"the account {'has not had' if op == 'not_within' else 'has had'} this playbook in {value} days"
    if spec.kind == "choice":
        shown = ", ".join(_label(spec.choice_list(), v) for v in value or [])
    elif spec.kind == "user":
        shown = ", ".join(people.get(v, "someone who left") for v in value or [])
    else:
        shown = str(value)
    return f"{spec.label} {verb} {shown}"


@dataclass
class Sentences:
    trigger: str
    conditions: list[str]
    actions: list[str]


def playbook_sentences(*, tenant: Tenant, definition: dict) -> Sentences:
    """The trigger, each condition and each action of a definition as a person reads them."""
    custom_labels = dict(CustomFieldDefinition.objects.filter(tenant=tenant).values_list("key", "label"))
    people = {m.user_id: str(m.user) for m in Membership.objects.filter(tenant=tenant).select_related("user")}
    return Sentences(
        trigger=trigger_sentence(definition.get("trigger", ""), definition.get("trigger_params") or {}),
        conditions=[
            condition_sentence(clause, custom_labels=custom_labels, people=people)
            for clause in definition.get("conditions") or []
        ],
        actions=[action_describe(action=action, tenant=tenant) for action in definition.get("actions") or []],
    )
