"""Cadences: the seed's defaults, their steps, enrolling an account (each step becomes a calendar entry,
under the same rules as any other) and exiting when the anchor no longer holds.

Changing a cadence's steps changes what later enrolments get; entries already planned stay as they are
(they are on the calendar, where anyone can change or cancel them)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account, Contact, ContactRole
from core import tenant_time
from tenancy.models import Tenant, User

from ..composing.merge import render
from ..defaults import cadences as cadence_defaults
from ..models import Cadence, CadenceAnchor, CadenceStep, CalendarEntry, Enrollment, EnrollmentStatus, EntrySource
from .entries import entry_create

# Who a step without its own audience reaches first: the people who carry the account's use.
DEFAULT_ROLES = (ContactRole.CHAMPION, ContactRole.POWER_USER)
CADENCE_FIELDS = {"name", "description", "trigger", "health_bands", "is_active"}
STEP_FIELDS = {
    "position",
    "offset_days",
    "send_hour",
    "message_type",
    "channel",
    "team",
    "audience_role",
    "subject",
    "body",
    "fallbacks",
}
HEALTH_BANDS = ("green", "yellow", "red")


# Defaults


@transaction.atomic
def cadences_ensure_defaults(*, tenant: Tenant) -> list[Cadence]:
    """The seed's cadences the tenant does not have yet (by key), with their steps; an admin's changes
    to an existing one are kept. Cadences are switched off, never deleted, so a default does not return."""
    have = set(Cadence.objects.filter(tenant=tenant).values_list("key", flat=True))
    made = []
    for key, spec in cadence_defaults.CADENCES.items():
        if key in have:
            continue
        fields = {k: v for k, v in spec.items() if k != "steps"}
        try:
            with transaction.atomic():
                cadence = Cadence.objects.create(tenant=tenant, key=key, **fields)
        except IntegrityError:  # made by a concurrent first use
            continue
        CadenceStep.objects.bulk_create(
            CadenceStep(tenant=tenant, cadence=cadence, position=i, **step) for i, step in enumerate(spec["steps"])
        )
        made.append(cadence)
    return made


# Cadences and steps


def _check_bands(bands) -> list[str]:
    bands = [str(b).strip().lower() for b in (bands or []) if str(b).strip()]
    wrong = [b for b in bands if b not in HEALTH_BANDS]
    if wrong:
        raise ValidationError({"health_bands": f"Unknown health band {wrong[0]!r}: use green, yellow or red."})
    return list(dict.fromkeys(bands))


@transaction.atomic
def cadence_save(
    *, tenant: Tenant, cadence: Cadence | None = None, key: str = "", anchor: str = "", **fields
) -> Cadence:
    """Create a cadence (key and anchor are set once) or change its name, description, trigger, health
    bands and whether it is in use."""
    unknown = set(fields) - CADENCE_FIELDS
    if unknown:
        raise TypeError(f"cadence_save() got unexpected fields {sorted(unknown)}")
    if cadence is None:
        if anchor not in CadenceAnchor.values:
            raise ValidationError({"anchor": "Choose what the steps count from: a stage, a renewal date, a signal..."})
        cadence = Cadence(tenant=tenant, key=(key or "").strip(), anchor=anchor)
        if Cadence.objects.filter(tenant=tenant, key=cadence.key).exists():
            raise ValidationError({"key": f"There is already a cadence with the key {cadence.key!r}."})
    elif cadence.tenant_id != tenant.pk:
        raise ValidationError("No such cadence in this tenant.")
    if "health_bands" in fields:
        fields["health_bands"] = _check_bands(fields["health_bands"])
    for name, value in fields.items():
        setattr(cadence, name, value.strip() if isinstance(value, str) else value)
    cadence.full_clean(exclude=["tenant"], validate_constraints=False)
    cadence.save()
    return cadence


def _check_templates(step: CadenceStep) -> None:
    errors = {}
    for name in ("subject", "body"):
        unknown = render(getattr(step, name), {}).unknown
        if unknown:
            errors[name] = f"{', '.join(unknown)}: not a merge field. Use the fields listed under the form."
    if not isinstance(step.fallbacks, dict) or not all(isinstance(v, str) for v in step.fallbacks.values()):
        errors["fallbacks"] = 'Fallbacks are field names with text, e.g. {"contact.first_name": "there"}.'
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def cadence_step_save(*, cadence: Cadence, step: CadenceStep | None = None, **fields) -> CadenceStep:
    """Add a step to the cadence or change one; its subject and body may use only the merge fields."""
    unknown = set(fields) - STEP_FIELDS
    if unknown:
        raise TypeError(f"cadence_step_save() got unexpected fields {sorted(unknown)}")
    if step is None:
        step = CadenceStep(tenant_id=cadence.tenant_id, cadence=cadence)
        fields.setdefault("position", cadence.steps.count())
    elif step.cadence_id != cadence.pk:
        raise ValidationError("This step belongs to another cadence.")
    for name, value in fields.items():
        setattr(step, name, value.strip() if isinstance(value, str) and name != "body" else value)
    if step.fallbacks is None:
        step.fallbacks = {}
    if step.send_hour is not None and not 0 <= step.send_hour <= 23:
        raise ValidationError({"send_hour": "An hour of the day, 0 to 23."})
    step.full_clean(exclude=["tenant", "cadence"], validate_constraints=False)
    _check_templates(step)
    step.save()
    return step


@transaction.atomic
def cadence_step_delete(*, step: CadenceStep) -> None:
    """Remove a step: later enrolments do not get it; entries already planned from it stay on the calendar."""
    step.delete()


# Enrolment


def _step_moment(tenant: Tenant, anchor_on: dt.date, step: CadenceStep) -> dt.datetime:
    day = anchor_on + dt.timedelta(days=step.offset_days)
    return tenant_time.at(tenant, day, dt.time(step.send_hour)).astimezone(dt.UTC)


def _audience(role: str, active: list[Contact]) -> tuple[str, list[Contact]]:
    """(audience_role, named contacts): the step's role when an active contact holds it; else the
    champions and power users by name; else every active contact by name."""
    if role and any(role in c.role_list for c in active):
        return role, []
    carriers = [c for c in active if set(c.role_list) & set(DEFAULT_ROLES)]
    if carriers:
        return "", carriers
    return "", active


def _plan_step(enrollment: Enrollment, step: CadenceStep, at: dt.datetime, active: list[Contact]) -> CalendarEntry:
    account, tenant = enrollment.account, enrollment.tenant
    role, contacts = _audience(step.audience_role, active)
    fields = {
        "tenant": tenant,
        "account": account,
        "by": None,
        "subject": step.subject,
        "body": step.body,
        "message_type": step.message_type,
        "channel": step.channel,
        "team": step.team,
        "scheduled_at": at,
        "contacts": contacts,
        "audience_role": role,
        "owner": account.owner,
        "source": EntrySource.CADENCE,
        "fallbacks": step.fallbacks,
        "enrollment": enrollment,
        "cadence_step": step,
    }
    try:
        return entry_create(**fields)
    except ValidationError as error:
        # Kept as a draft with the reason, on the calendar, rather than dropped: someone can fix it.
        entry = entry_create(**fields, schedule=False)
        entry.status_reason = f"Not scheduled: {' '.join(error.messages)}"[:500]
        entry.save(update_fields=["status_reason", "updated_at"])
        return entry


@transaction.atomic
def enrollment_enrol(
    *, cadence: Cadence, account: Account, anchor_on: dt.date, anchor_ref: str = "", by: User | None = None
) -> Enrollment:
    """Enrol `account` in `cadence` from `anchor_on`: one calendar entry per step still to come, created
    through entry_create as the system (by=None), so caps, preferences and approvals apply as to any entry.

    A step falls on anchor_on + offset_days at its send_hour, local time. Steps of days already past are
    skipped; a step due earlier today goes out now. Who a step reaches: the contacts holding the step's
    audience role (resolved again at send time); if it has none, or no active contact holds it, the account's
    active champions and power users by name; if there are none, every active contact of the account.

    One active enrolment per cadence, account and anchor_ref: a second call returns the existing one."""
    tenant = cadence.tenant
    if account.tenant_id != cadence.tenant_id:
        raise ValidationError({"account": "No such account in this tenant."})
    anchor_ref = (anchor_ref or "")[:60]
    found = Enrollment.objects.filter(
        tenant=tenant, cadence=cadence, account=account, anchor_ref=anchor_ref, status=EnrollmentStatus.ACTIVE
    ).first()
    if found is not None:
        return found
    if not cadence.is_active:
        raise ValidationError(f"{cadence.name} is switched off: switch it on to enrol accounts.")
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(
                tenant=tenant,
                cadence=cadence,
                account=account,
                anchor_on=anchor_on,
                anchor_ref=anchor_ref,
                enrolled_by=by,
            )
    except IntegrityError:  # enrolled by a concurrent call between the look-up and the insert
        return Enrollment.objects.get(
            tenant=tenant, cadence=cadence, account=account, anchor_ref=anchor_ref, status=EnrollmentStatus.ACTIVE
        )
    now, today = timezone.now(), tenant_time.today(tenant)
    active = list(Contact.objects.filter(tenant=tenant, account=account, is_active=True).order_by("name", "id"))
    planned = 0
    for step in CadenceStep.objects.filter(tenant=tenant, cadence=cadence).order_by("offset_days", "position", "id"):
        if anchor_on + dt.timedelta(days=step.offset_days) < today:
            continue
        _plan_step(enrollment, step, max(_step_moment(tenant, anchor_on, step), now), active)
        planned += 1
    if not planned:
        # Nothing will ever go out, so nothing would ever complete it: it is done now, and says why. (No
        # contact is not this case: its steps are kept as drafts with the reason, and it completes once
        # they are scheduled and sent, or cancelled.)
        enrollment.status, enrollment.ended_at = EnrollmentStatus.COMPLETED, now
        if CadenceStep.objects.filter(tenant=tenant, cadence=cadence).exists():
            enrollment.exit_reason = f"Every step of {cadence.name} was already past on enrolment."
        else:
            enrollment.exit_reason = f"{cadence.name} has no steps: there was nothing to send."
        enrollment.save(update_fields=["status", "ended_at", "exit_reason"])
    return enrollment


def cadence_accepts(*, cadence: Cadence, account: Account) -> bool:
    """Whether other apps' events enrol the account: the cadence is in use and the account in its bands."""
    return cadence.is_active and (not cadence.health_bands or account.health_band in cadence.health_bands)


def cadences_enrol_for(
    *,
    tenant: Tenant,
    account: Account,
    anchor: str,
    trigger: str | None,
    anchor_on: dt.date,
    anchor_ref: str,
    once: bool = False,
) -> list[Enrollment]:
    """Enrol the account in every cadence in use with this anchor (and trigger, when given) whose health
    bands it is in; other apps' events come through here. With `once` (an anchor that happens once, a
    signal), a cadence the account was ever enrolled in on this anchor is left out, whatever became of that
    enrolment: the same event announced again starts nothing twice."""
    cadences_ensure_defaults(tenant=tenant)
    cadences = Cadence.objects.filter(tenant=tenant, anchor=anchor, is_active=True)
    if trigger is not None:
        cadences = cadences.filter(trigger=trigger)
    if once:
        cadences = cadences.exclude(
            pk__in=Enrollment.objects.filter(tenant=tenant, account=account, anchor_ref=anchor_ref[:60]).values(
                "cadence_id"
            )
        )
    return [
        enrollment_enrol(cadence=cadence, account=account, anchor_on=anchor_on, anchor_ref=anchor_ref)
        for cadence in cadences.order_by("id")
        if cadence_accepts(cadence=cadence, account=account)
    ]


def signal_cadence_triggers(*, tenant: Tenant) -> set[str]:
    """The health signal kinds that enrol an account in a cadence in use (the expansion ask's "expansion"):
    read once for a batch of signals, so the others cost nothing."""
    cadences_ensure_defaults(tenant=tenant)
    return set(
        Cadence.objects.filter(tenant=tenant, anchor=CadenceAnchor.SIGNAL_RAISED, is_active=True).values_list(
            "trigger", flat=True
        )
    )
