"""What a playbook run does: each catalogue action taken through the owning app's own service (a task
through activities, an enrolment, a notification and a calendar entry through communications, a forecast and
an opportunity through renewals' peers, an objective through journeys' peers, a tier upgrade through
accounts), never by writing their rows.

Each action is idempotent on its own (a task's source key per run and position, a notification's source key,
an enrolment's anchor per run) and runs.py takes it in a transaction with its RunAction's mark, so a run
delivered twice acts once.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from accounts.models import Account, Contact, TierOverride
from accounts.services.tiers import account_set_tier_override
from activities.models import Task, TaskSource
from activities.services.tasks import TaskDraft, task_create
from communications.composing.merge import account_fields, render
from communications.models import Cadence, EntrySource
from communications.services.cadences import cadence_accepts, enrollment_enrol
from communications.services.entries import entry_create
from communications.services.notifications import notification_raise
from core import tenant_time
from journeys.peers import objective_add
from renewals.peers import opportunity_open_for_playbook, renewal_forecast_for_playbook
from tenancy.models import Membership, Role, Tenant, User

from ..catalogue import ACTIONS
from ..models import Playbook, PlaybookRun

# What an action's "when" a calendar entry is planned at, on the tenant's clock.
ENTRY_HOUR = dt.time(10, 0)


@dataclass
class Outcome:
    """What an action did: a sentence for the run's page, and the object it made (for the link)."""

    result: str
    object_kind: str = ""
    object_id: int | None = None


class ActionFailed(Exception):
    """The action cannot be taken (its cadence is gone, nobody to assign...): recorded on the run."""


@dataclass
class RunContext:
    """What the actions of one run share: the tenant's people by role, read once per batch."""

    tenant: Tenant
    today: dt.date
    run: PlaybookRun
    playbook: Playbook
    account: Account
    renewal_on: dt.date | None = None
    people: "People | None" = None
    _merge: dict[str, str | None] | None = field(default=None, repr=False)

    def merge_context(self) -> dict[str, str | None]:
        if self._merge is None:
            owner = self.people.user(self.account.owner_id) if self.people else None
            self._merge = account_fields(
                tenant=self.tenant, account=self.account, owner=owner, renewal_on=self.renewal_on
            )
        return self._merge

    @property
    def source_key(self) -> str:
        return f"playbook_run:{self.run.pk}"


class People:
    """The tenant's active members, read once: who "owner", "role:leader" and "user:<id>" are."""

    def __init__(self, tenant: Tenant) -> None:
        memberships = (
            Membership.objects.filter(tenant=tenant, is_active=True, user__is_active=True)
            .select_related("user")
            .order_by("pk")
        )
        self.members = [(m.role, m.user) for m in memberships]
        self.by_id = {user.pk: user for _role, user in self.members}

    def user(self, user_id: int | None) -> User | None:
        return self.by_id.get(user_id) if user_id else None

    def resolve(self, who: str, account: Account) -> User | None:
        """The person `who` names for `account`; None when nobody is (no owner, the person left)."""
        who = (who or "").strip()
        if who == "owner":
            return self.user(account.owner_id)
        if who.startswith("role:"):
            role = who.split(":", 1)[1]
            # The first active member of the role, in the order they joined: stable, so one person gets them.
            return next((user for member_role, user in self.members if member_role == role), None)
        if who.startswith("user:"):
            try:
                return self.user(int(who.split(":", 1)[1]))
            except ValueError:
                return None
        return None

    def assignee(self, action: dict, account: Account, *, key: str = "assignee") -> User | None:
        return self.resolve(action.get(key) or "owner", account) or self.resolve(action.get("fallback") or "", account)


def _merged(context: RunContext, text: str) -> str:
    """A title or message with the account's merge fields filled (communications' sandboxed renderer: only
    its documented fields, nothing else reachable)."""
    return render(text or "", context.merge_context()).text.strip()


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def task_draft(*, context: RunContext, position: int, action: dict) -> tuple[TaskDraft, User | None]:
    """The task a create_task action asks for (not made yet), and the person it goes to: runs.py makes a
    batch's drafts in one insert, _create_task one at a time."""
    people = context.people or People(context.tenant)
    owner = people.assignee(action, context.account)
    title = _merged(context, action.get("title", "")) or context.playbook.name
    details = _merged(context, action.get("details", ""))
    why = f"From the playbook {context.playbook.name}."
    draft = TaskDraft(
        title=title,
        due_on=tenant_time.business_days_after(context.today, _int(action.get("due_in_days"), 2)),
        owner_id=owner.pk if owner else None,
        account_id=context.account.pk,
        details=f"{details}\n\n{why}".strip(),
        kind=action.get("kind") or "todo",
        priority=action.get("priority") or "normal",
        source=TaskSource.PLAYBOOK_RUN,
        source_id=context.run.pk,
        source_key=f"{context.source_key}:{position}",
    )
    return draft, owner


def task_outcome(*, task: Task, owner: User | None) -> Outcome:
    who = f"for {owner}" if owner else "unassigned (nobody to give it to)"
    return Outcome(f"Task “{task.title}” {who}, due {task.due_on.isoformat()}.", "task", task.pk)


def _create_task(context: RunContext, position: int, action: dict) -> Outcome:
    draft, owner = task_draft(context=context, position=position, action=action)
    task, _created = task_create(tenant=context.tenant, draft=draft)
    return task_outcome(task=task, owner=owner)


def _enrol_cadence(context: RunContext, position: int, action: dict) -> Outcome:
    cadence = Cadence.objects.filter(tenant=context.tenant, pk=_int(action.get("cadence"), 0)).first()
    if cadence is None:
        raise ActionFailed("The cadence no longer exists.")
    if not cadence_accepts(cadence=cadence, account=context.account):
        why = "is switched off" if not cadence.is_active else "does not take accounts in this health band"
        raise ActionFailed(f"The cadence {cadence.name} {why}.")
    enrollment = enrollment_enrol(
        cadence=cadence, account=context.account, anchor_on=context.today, anchor_ref=context.source_key
    )
    return Outcome(f"Enrolled in {cadence.name}.", "enrollment", enrollment.pk)


def _notify(context: RunContext, position: int, action: dict) -> Outcome:
    people = context.people or People(context.tenant)
    recipient = people.resolve(action.get("recipient") or "owner", context.account) or people.resolve(
        action.get("fallback") or "role:leader", context.account
    )
    if recipient is None:
        raise ActionFailed("Nobody to notify: the account has no owner and the fallback names nobody.")
    text = _merged(context, action.get("message", "")) or f"{context.playbook.name}: {context.account.name}"
    # Sent as the CSM alerts are: in the tenant's Slack channel and by email, as its settings say.
    notification = notification_raise(
        tenant=context.tenant,
        account=context.account,
        text=text,
        source_key=f"{context.source_key}:{position}",
        recipient=recipient,
    )
    return Outcome(f"Notified {recipient}.", "notification", notification.pk)


def _set_forecast(context: RunContext, position: int, action: dict) -> Outcome:
    reason = f"Playbook {context.playbook.name}: {action.get('reason') or 'set by the playbook'}"
    renewal_id = renewal_forecast_for_playbook(
        tenant=context.tenant,
        account_id=context.account.pk,
        category=action.get("category", ""),
        reason=reason,
        playbook_id=context.playbook.pk,
    )
    if renewal_id is None:
        raise ActionFailed("The account has no open renewal to forecast.")
    return Outcome(f"Forecast set to {action.get('category')}.", "renewal", renewal_id)


def _tier_upgrade(context: RunContext, position: int, action: dict) -> Outcome:
    days = _int(action.get("days"), 90)
    until = context.today + dt.timedelta(days=days)
    change = account_set_tier_override(
        account=context.account,
        kind=TierOverride.AT_RISK_UPGRADE,
        by=None,
        until=until,
        note=f"Playbook {context.playbook.name}"[:200],
        today=context.today,
    )
    tier = change.to_tier
    return Outcome(f"Upgraded{f' to {tier}' if tier else ''} until {until.isoformat()}.", "account", context.account.pk)


def _open_opportunity(context: RunContext, position: int, action: dict) -> Outcome:
    title = _merged(context, action.get("title", "")) or context.playbook.name
    opportunity_id = opportunity_open_for_playbook(
        tenant=context.tenant,
        account=context.account,
        title=title,
        amount=_int(action.get("amount"), 0),
        note=f"From the playbook {context.playbook.name}.",
    )
    return Outcome(f"Opportunity “{title}” opened.", "opportunity", opportunity_id)


def _add_objective(context: RunContext, position: int, action: dict) -> Outcome:
    due = _int(action.get("due_in_days"), 0)
    objective_id = objective_add(
        tenant=context.tenant,
        account=context.account,
        title=_merged(context, action.get("title", "")),
        metric=action.get("metric", ""),
        baseline=action.get("baseline", 0),
        target=action.get("target", 0),
        due_on=context.today + dt.timedelta(days=due) if due else None,
    )
    return Outcome(f"Objective “{action.get('title')}” added to the success plan.", "objective", objective_id)


# Who a playbook's message reaches, as a cadence step without a role does: the champions and power users,
# else every active contact.
AUDIENCE_ROLES = {"champion", "power_user"}


def _audience(account: Account) -> list[Contact]:
    active = list(Contact.objects.filter(tenant_id=account.tenant_id, account=account, is_active=True).order_by("pk"))
    carriers = [contact for contact in active if set(contact.role_list) & AUDIENCE_ROLES]
    return carriers or active


def _calendar_entry(context: RunContext, position: int, action: dict) -> Outcome:
    day = context.today + dt.timedelta(days=_int(action.get("in_days"), 2))
    fields: dict[str, Any] = {
        "tenant": context.tenant,
        "account": context.account,
        "by": None,
        # Merge fields stay in the subject: the entry fills them per recipient when it is sent.
        "subject": action.get("title", "") or context.playbook.name,
        "message_type": action.get("message_type") or "relationship",
        "channel": action.get("channel") or "email",
        "scheduled_at": tenant_time.at(context.tenant, day, ENTRY_HOUR),
        "contacts": _audience(context.account),
        "owner": context.people.user(context.account.owner_id) if context.people else None,
        "source": EntrySource.TRIGGER,
        "external_ref": f"{context.source_key}:{position}",
    }
    try:
        entry = entry_create(**fields)
    except ValidationError as error:
        # Kept as a draft with the reason, as a cadence's step is: someone can fix and schedule it.
        entry = entry_create(**fields, schedule=False)
        entry.status_reason = f"Not scheduled: {' '.join(error.messages)}"[:500]
        entry.save(update_fields=["status_reason", "updated_at"])
        return Outcome(f"Planned “{entry.subject}” as a draft: {' '.join(error.messages)}", "entry", entry.pk)
    return Outcome(f"Planned “{entry.subject}” for {day.isoformat()}.", "entry", entry.pk)


TAKERS = {
    "create_task": _create_task,
    "enrol_cadence": _enrol_cadence,
    "notify": _notify,
    "set_forecast": _set_forecast,
    "tier_upgrade": _tier_upgrade,
    "open_opportunity": _open_opportunity,
    "add_objective": _add_objective,
    "calendar_entry": _calendar_entry,
}


def action_take(*, context: RunContext, position: int, action: dict) -> Outcome:
    """Take one action of a run; ActionFailed or ValidationError when it cannot be taken."""
    taker = TAKERS.get(action.get("type", ""))
    if taker is None:
        raise ActionFailed(f"Unknown action {action.get('type')!r}.")
    return taker(context, position, action)


def error_text(error: BaseException) -> str:
    """An action's failure as a person reads it on the run's page."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, ActionFailed):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _who(value: str, tenant: Tenant) -> str:
    value = (value or "").strip()
    if value in ("", "owner"):
        return "the account's CSM"
    if value.startswith("role:"):
        return f"the first {dict(Role.choices).get(value[5:], value[5:])}"
    if value.startswith("user:"):
        user = Membership.objects.filter(tenant=tenant, user_id=_int(value[5:], 0)).select_related("user").first()
        return str(user.user) if user else "a person no longer in the team"
    return value


def action_describe(*, action: dict, tenant: Tenant) -> str:
    """One action as a sentence for previews and pages: "Create a task “Check in” for the account's CSM,
    due in 2 business days"."""
    kind = action.get("type", "")
    spec = ACTIONS.get(kind)
    if spec is None:
        return f"Unknown action {kind!r}"
    values = {param.name: action.get(param.name, param.default) for param in spec.params}
    if kind == "enrol_cadence":
        cadence = Cadence.objects.filter(tenant=tenant, pk=_int(action.get("cadence"), 0)).first()
        return f"Enrol in the cadence {cadence.name}" if cadence else "Enrol in a cadence that no longer exists"
    if kind == "create_task":
        return (
            f"Create a task “{values['title']}” for {_who(values['assignee'], tenant)}, "
            f"due in {values['due_in_days']} business days"
        )
    if kind == "notify":
        return f"Notify {_who(values['recipient'], tenant)}: “{values['message']}”"
    try:
        sentence = spec.sentence.format(**values)
    except (KeyError, IndexError):
        sentence = spec.label
    return sentence[:1].upper() + sentence[1:]
