"""Writing playbooks: create, change (a new version whenever the definition changes), switch on and off,
archive, and mark broken when something it names is gone.

Deleting is archiving: a playbook's runs are the history its effectiveness is measured on and the reason
tasks exist in people's inboxes, so a playbook an admin removes gets `archived_at`, is switched off for good
and leaves the lists (its name is free again), but its runs and their tasks stay.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from activities.models import Priority, TaskKind, TaskSource
from activities.services.tasks import TaskDraft, task_create
from core import tenant_time
from tenancy.models import Membership, Role, Tenant, User

from ..models import OutcomeMeasure, Playbook, PlaybookVersion
from .definitions import definition_clean, definition_errors, lookups_of

# The editor's fields beside the definition.
SETTINGS_FIELDS = ("name", "description", "cooldown_days", "stop_when_resolved", "csm_may_run", "outcome_measure")
DEFINITION_FIELDS = ("trigger", "trigger_params", "conditions", "actions")
MAX_COOLDOWN = 365


def _settings_errors(fields: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    name = str(fields.get("name") or "").strip()
    if not name:
        errors["name"] = ["A playbook needs a name."]
    elif len(name) > 120:
        errors["name"] = ["At most 120 characters."]
    if len(str(fields.get("description") or "")) > 500:
        errors["description"] = ["At most 500 characters."]
    cooldown = fields.get("cooldown_days")
    if not isinstance(cooldown, int) or isinstance(cooldown, bool) or not 0 <= cooldown <= MAX_COOLDOWN:
        errors["cooldown_days"] = [f"A number of days from 0 to {MAX_COOLDOWN}."]
    if fields.get("outcome_measure") not in OutcomeMeasure.values:
        errors["outcome_measure"] = ["Choose how to measure it."]
    return errors


def _validated(*, tenant: Tenant, fields: dict, playbook: Playbook | None) -> dict:
    """The fields typed, or one ValidationError with the settings' and the definition's errors together."""
    errors = _settings_errors(fields)
    clean: dict = {}
    try:
        clean = definition_clean(tenant=tenant, definition={k: fields.get(k) for k in DEFINITION_FIELDS})
    except ValidationError as error:
        errors.update(error.message_dict)
    name = str(fields.get("name") or "").strip()
    taken = Playbook.objects.filter(tenant=tenant, name__iexact=name, archived_at=None)
    if playbook is not None:
        taken = taken.exclude(pk=playbook.pk)
    if name and "name" not in errors and taken.exists():
        errors["name"] = [f"There is a playbook called {name} already."]
    if errors:
        raise ValidationError(errors)
    return {
        **{k: fields[k] for k in SETTINGS_FIELDS},
        "name": name,
        "description": str(fields.get("description") or "").strip(),
        **clean,
    }


def playbook_errors(*, tenant: Tenant, fields: dict, playbook: Playbook | None = None) -> dict[str, list[str]]:
    """What saving these fields would refuse, keyed by field (the editor's validation as you type)."""
    try:
        _validated(tenant=tenant, fields={**DEFAULTS, **fields}, playbook=playbook)
    except ValidationError as error:
        return error.message_dict
    return {}


def _version_write(*, tenant: Tenant, playbook: Playbook, by: User | None) -> PlaybookVersion:
    return PlaybookVersion.objects.create(
        tenant=tenant, playbook=playbook, version=playbook.version, definition=playbook.definition(), saved_by=by
    )


DEFAULTS = {
    "description": "",
    "trigger_params": {},
    "conditions": [],
    "actions": [],
    "cooldown_days": 30,
    "stop_when_resolved": True,
    "csm_may_run": False,
    "outcome_measure": OutcomeMeasure.HEALTH_RECOVERY,
}


@transaction.atomic
def playbook_create(*, tenant: Tenant, by: User | None, **fields) -> Playbook:
    """A new playbook, switched off (an admin previews it, then enables it), with its version 1."""
    unknown = set(fields) - set(SETTINGS_FIELDS) - set(DEFINITION_FIELDS) - {"default_key"}
    if unknown:
        raise TypeError(f"Unknown playbook fields: {', '.join(sorted(unknown))}")
    values = _validated(tenant=tenant, fields={**DEFAULTS, **fields}, playbook=None)
    try:
        with transaction.atomic():
            playbook = Playbook.objects.create(
                tenant=tenant, created_by=by, default_key=fields.get("default_key", ""), **values
            )
    except IntegrityError as error:  # a concurrent save of the same name
        raise ValidationError({"name": [f"There is a playbook called {values['name']} already."]}) from error
    _version_write(tenant=tenant, playbook=playbook, by=by)
    return playbook


@transaction.atomic
def playbook_update(*, tenant: Tenant, playbook: Playbook, by: User | None, **changes) -> Playbook:
    """Change a playbook; a changed definition becomes the next version (runs keep the version they ran).
    A broken playbook whose new definition is clean is mended, and stays off until an admin enables it."""
    unknown = set(changes) - set(SETTINGS_FIELDS) - set(DEFINITION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown playbook fields: {', '.join(sorted(unknown))}")
    playbook = Playbook.objects.select_for_update().get(tenant=tenant, pk=playbook.pk)
    current = {f: getattr(playbook, f) for f in (*SETTINGS_FIELDS, *DEFINITION_FIELDS)}
    values = _validated(tenant=tenant, fields={**current, **changes}, playbook=playbook)
    before = playbook.definition()
    for name, value in values.items():
        setattr(playbook, name, value)
    changed = playbook.definition() != before
    if changed:
        playbook.version += 1
    if playbook.broken_reason:
        playbook.broken_reason = ""
    playbook.updated_at = timezone.now()
    playbook.save()
    if changed:
        _version_write(tenant=tenant, playbook=playbook, by=by)
    return playbook


def playbook_enable(*, tenant: Tenant, playbook: Playbook, by: User | None = None) -> Playbook:
    """Switch it on, if everything it names still exists and fits (checked again now: a custom field or
    cadence may have gone since it was saved)."""
    if playbook.archived_at is not None:
        raise ValidationError({"is_enabled": ["This playbook was removed; make a new one instead."]})
    errors = definition_errors(tenant=tenant, definition=playbook.definition())
    if errors:
        first = "; ".join(f"{key}: {' '.join(messages)}" for key, messages in list(errors.items())[:3])
        raise ValidationError({"is_enabled": [f"Fix the playbook before switching it on ({first})."]})
    Playbook.objects.filter(tenant=tenant, pk=playbook.pk).update(
        is_enabled=True, broken_reason="", updated_at=timezone.now()
    )
    playbook.is_enabled, playbook.broken_reason = True, ""
    return playbook


def playbook_disable(*, tenant: Tenant, playbook: Playbook, by: User | None = None) -> Playbook:
    """Switch it off: later occurrences are recorded as held (the comparison group), runs already taking
    their actions finish."""
    Playbook.objects.filter(tenant=tenant, pk=playbook.pk).update(is_enabled=False, updated_at=timezone.now())
    playbook.is_enabled = False
    return playbook


@transaction.atomic
def playbook_archive(*, tenant: Tenant, playbook: Playbook, by: User | None = None) -> Playbook:
    """What "delete" does: off for good and out of the lists, its name free for a new one, its runs and
    their tasks kept as history."""
    playbook = Playbook.objects.select_for_update().get(tenant=tenant, pk=playbook.pk)
    if playbook.archived_at is None:
        playbook.archived_at = playbook.updated_at = timezone.now()
        playbook.is_enabled = False
        playbook.save(update_fields=["archived_at", "is_enabled", "updated_at"])
    return playbook


def _admin_of(tenant: Tenant) -> int | None:
    """The admin whose inbox gets the tenant's configuration problems: the longest-standing active one."""
    return (
        Membership.objects.filter(tenant=tenant, role=Role.ADMIN, is_active=True)
        .order_by("created_at", "pk")
        .values_list("user_id", flat=True)
        .first()
    )


@transaction.atomic
def playbook_mark_broken(*, tenant: Tenant, playbook: Playbook, reason: str) -> Playbook:
    """Stop it firing and say why, on its page and, once per breakage of a version, in an admin's inbox.
    Idempotent: a second call for the same version changes the reason and makes no second task."""
    reason = reason.strip()[:300] or "Something it names no longer exists."
    Playbook.objects.filter(tenant=tenant, pk=playbook.pk).update(
        broken_reason=reason, is_enabled=False, updated_at=timezone.now()
    )
    playbook.broken_reason, playbook.is_enabled = reason, False
    today = tenant_time.today(tenant)
    task_create(
        tenant=tenant,
        draft=TaskDraft(
            title=f"Playbook “{playbook.name}” is broken and stopped",
            details=f"{reason}\n\nOpen the playbook, fix what it names, then switch it on again.",
            due_on=today,
            owner_id=_admin_of(tenant),
            kind=TaskKind.TO_DO,
            priority=Priority.HIGH,
            source=TaskSource.MANUAL,
            source_key=f"playbook_broken:{playbook.pk}:{playbook.version}",
        ),
    )
    return playbook


def broken_reason_of(errors: dict[str, list[str]]) -> str:
    """A definition's errors as the sentence a broken playbook shows."""
    return "; ".join(" ".join(messages) for messages in errors.values())[:300]


def playbooks_check_broken(*, tenant: Tenant, playbook_ids: Iterable[int] | None = None) -> list[Playbook]:
    """Re-check the enabled playbooks (all, or those of `playbook_ids`: a batch of runs about to act) and
    mark broken those whose definition no longer holds, because a custom field, cadence or member it names
    is gone; returns them. A handful of queries, whatever the number of playbooks."""
    playbooks = Playbook.objects.filter(tenant=tenant, is_enabled=True, broken_reason="", archived_at=None)
    if playbook_ids is not None:
        playbooks = playbooks.filter(pk__in=list(playbook_ids))
    lookups = lookups_of(tenant)
    broken = []
    for playbook in playbooks:
        errors = definition_errors(tenant=tenant, definition=playbook.definition(), lookups=lookups)
        if errors:
            broken.append(playbook_mark_broken(tenant=tenant, playbook=playbook, reason=broken_reason_of(errors)))
    return broken
