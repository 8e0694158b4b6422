"""Calendar entries: planning, scheduling under the rules (who may send it, merge fields, bulk approval,
frequency caps), approving, rejecting and cancelling."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import Account, Contact
from core.text import moment
from tenancy.models import Membership, Team, Tenant, User
from tenancy.permissions import Capability, membership_can

from ..models import (
    Approval,
    ApprovalDecision,
    CalendarEntry,
    Enrollment,
    EntrySource,
    EntryStatus,
)
from ..selectors.entries import entry_recipients
from ..selectors.personalisation import entry_merge_problems
from .caps import cap_check, channel_noun
from .owner_tasks import owner_tasks_cancel
from .settings import communication_settings, may_send, send_denial

UPDATABLE = {
    "subject",
    "body",
    "message_type",
    "channel",
    "team",
    "scheduled_at",
    "contacts",
    "audience_role",
    "owner",
    "fallbacks",
}
# Once it is going out, it is history.
FINAL = (EntryStatus.SENDING, EntryStatus.SENT, EntryStatus.CANCELLED)
# The states the rules have already been applied to: a change re-applies them.
CHECKED = (EntryStatus.SCHEDULED, EntryStatus.DEFERRED, EntryStatus.PENDING_APPROVAL)


def _membership(tenant: Tenant, user: User | None) -> Membership | None:
    if user is None:
        return None
    return Membership.objects.filter(tenant=tenant, user=user).first()


def _set_contacts(entry: CalendarEntry, contacts) -> None:
    contacts = list(contacts or ())
    ids = {c.pk if isinstance(c, Contact) else int(c) for c in contacts}
    found = list(Contact.objects.filter(tenant_id=entry.tenant_id, account_id=entry.account_id, pk__in=ids))
    if len(found) != len(ids):
        raise ValidationError({"contacts": "Every contact must be a contact of this account."})
    entry.contacts.set(found)


def _validate(entry: CalendarEntry) -> None:
    entry.subject = (entry.subject or "").strip()
    entry.full_clean(
        exclude=[
            "tenant",
            "account",
            "owner",
            "enrollment",
            "cadence_step",
            "calendar_import",
            "created_by",
            "contacts",
        ],
        validate_constraints=False,
    )


@transaction.atomic
def entry_create(
    *,
    tenant: Tenant,
    account: Account,
    by: User | None,
    subject: str,
    message_type: str,
    scheduled_at: dt.datetime,
    channel: str = "email",
    team: str | None = None,
    body: str = "",
    contacts=(),
    audience_role: str = "",
    owner: User | None = None,
    source: str = EntrySource.MANUAL,
    fallbacks: dict | None = None,
    schedule: bool = True,
    enrollment=None,
    cadence_step=None,
    external_ref: str = "",
    calendar_import=None,
) -> CalendarEntry:
    """A touchpoint for `account`, scheduled under the rules (`schedule=False` keeps a draft). A rule that
    blocks it (governance, merge fields, nobody to reach) raises ValidationError and nothing is kept."""
    if account.tenant_id != tenant.pk:
        raise ValidationError({"account": "No such account in this tenant."})
    if team is None:
        membership = _membership(tenant, by)
        team = membership.team if membership else Team.CUSTOMER_SUCCESS
    entry = CalendarEntry(
        tenant=tenant,
        account=account,
        subject=subject,
        message_type=message_type,
        scheduled_at=scheduled_at,
        channel=channel,
        team=team,
        body=body or "",
        audience_role=audience_role or "",
        owner=owner if owner is not None else by,
        source=source,
        fallbacks=fallbacks or {},
        status=EntryStatus.DRAFT,
        enrollment=enrollment,
        cadence_step=cadence_step,
        external_ref=external_ref or "",
        calendar_import=calendar_import,
        created_by=by,
    )
    _validate(entry)
    entry.save()
    _set_contacts(entry, contacts)
    if schedule:
        entry_schedule(entry=entry, by=by)
    return entry


def _check_governance(entry: CalendarEntry, by: User | None) -> None:
    if by is None:
        # The system itself (cadences, imports): what they plan was allowed when it was set up.
        return
    membership = _membership(entry.tenant, by)
    if not may_send(tenant=entry.tenant, membership=membership, message_type=entry.message_type, channel=entry.channel):
        raise ValidationError(
            {
                "message_type": send_denial(
                    membership=membership, message_type=entry.message_type, channel=entry.channel
                )
            },
            code="not_allowed",
        )


def _check_merge_fields(entry: CalendarEntry, recipients: list[Contact]) -> None:
    problems = entry_merge_problems(entry=entry, recipients=recipients)
    if problems:
        raise ValidationError({"body": list(problems)}, code="merge_fields")


def cap_reason(over, channel: str, at: dt.datetime, tenant: Tenant) -> str:
    """Why a cap moved a message: Deferred to Mon 9 Dec 09:00: Jane Roe already has 2 emails this week (cap 2)."""
    parts = [
        f"{contact.name} already has {count} {channel_noun(channel, count)} this {period} (cap {limit})"
        for contact, period, count, limit in over
    ]
    shown = parts[:3]
    if len(parts) > 3:
        shown.append(f"{len(parts) - 3} more at their cap")
    return f"Deferred to {moment(at, tenant)}: {'; '.join(shown)}."[:500]


def _apply_caps(entry: CalendarEntry, recipients: list[Contact]) -> None:
    """Scheduled, or deferred to the next open window when a recipient is at a cap; never dropped."""
    entry.status, entry.status_reason = EntryStatus.SCHEDULED, ""
    if entry.is_exempt_from_caps:
        return
    check = cap_check(
        tenant=entry.tenant,
        contacts=recipients,
        channel=entry.channel,
        at=entry.scheduled_at,
        exclude_entry_id=entry.pk,
    )
    if not check.over or check.next_open_at is None:
        return
    entry.planned_at = entry.planned_at or entry.scheduled_at
    entry.scheduled_at = check.next_open_at
    entry.status = EntryStatus.DEFERRED
    entry.status_reason = cap_reason(check.over, entry.channel, check.next_open_at, entry.tenant)


def _lock_recipients(entry: CalendarEntry, recipients: list[Contact]) -> None:
    # Two entries for the same people scheduled at once would both see room under the cap: one waits.
    ids = sorted(c.pk for c in recipients)
    list(Contact.objects.select_for_update().filter(tenant_id=entry.tenant_id, pk__in=ids).values_list("pk"))


def _latest_approval(entry: CalendarEntry) -> Approval | None:
    return Approval.objects.filter(tenant_id=entry.tenant_id, entry=entry).order_by("-at", "-id").first()


@transaction.atomic
def entry_schedule(*, entry: CalendarEntry, by: User | None) -> CalendarEntry:
    """Put the entry on the calendar under the rules: the sender's team and role may send it (by=None is
    the system), its merge fields resolve, it reaches somebody; more recipients than the bulk threshold
    wait for a leader's or an admin's approval; a recipient at a frequency cap moves it to the next open
    window (planned_at keeps where it was planned)."""
    if entry.status in FINAL:
        raise ValidationError(f"This entry is {entry.get_status_display().lower()}: it cannot be scheduled again.")
    _check_governance(entry, by)
    recipients = entry_recipients(entry)
    if not recipients:
        raise ValidationError(
            {"contacts": "Nobody to reach: name active contacts or choose a role that active contacts hold."}
        )
    _check_merge_fields(entry, recipients)
    _lock_recipients(entry, recipients)
    entry.recipient_count = len(recipients)
    threshold = communication_settings(tenant=entry.tenant).bulk_threshold
    latest = _latest_approval(entry)
    approved = (
        latest is not None
        and latest.decision == ApprovalDecision.APPROVED
        and latest.recipient_count >= entry.recipient_count
    )
    if entry.recipient_count > threshold and not approved:
        entry.needs_approval = True
        entry.status = EntryStatus.PENDING_APPROVAL
        entry.status_reason = (
            f"Waiting for a leader's or an admin's approval: {entry.recipient_count} recipients "
            f"(more than {threshold})."
        )
        open_request = (
            latest is not None
            and latest.decision == ApprovalDecision.REQUESTED
            and latest.recipient_count == entry.recipient_count
        )
        if not open_request:
            Approval.objects.create(
                tenant=entry.tenant,
                entry=entry,
                decision=ApprovalDecision.REQUESTED,
                recipient_count=entry.recipient_count,
                by=by,
            )
    else:
        entry.needs_approval = False
        _apply_caps(entry, recipients)
    entry.save()
    if entry.enrollment_id:
        # Imported here: enrollment_end builds on this module.
        from .enrollment_end import enrollment_reopen_if_completed

        enrollment_reopen_if_completed(enrollment_id=entry.enrollment_id, tenant_id=entry.tenant_id)
    return entry


@transaction.atomic
def entry_update(*, entry: CalendarEntry, by: User | None, **fields) -> CalendarEntry:
    """Change an entry before it goes out; a scheduled, deferred or waiting one is checked again."""
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise TypeError(f"entry_update() got unexpected fields {sorted(unknown)}")
    if entry.status in FINAL:
        raise ValidationError(f"This entry is {entry.get_status_display().lower()}: it can no longer be changed.")
    contacts = fields.pop("contacts", None)
    if "scheduled_at" in fields and fields["scheduled_at"] != entry.scheduled_at:
        # A new plan: what a cap moved before no longer applies.
        entry.planned_at = None
    for name, value in fields.items():
        setattr(entry, name, value)
    _validate(entry)
    entry.save()
    if contacts is not None:
        _set_contacts(entry, contacts)
    if entry.status in CHECKED:
        entry_schedule(entry=entry, by=by)
    return entry


def _require_manager(entry: CalendarEntry, by: User) -> None:
    if not membership_can(_membership(entry.tenant, by), Capability.MANAGE):
        raise PermissionDenied("Only a CS leader or an admin may approve or reject a bulk send.")


def _require_pending(entry: CalendarEntry) -> None:
    if entry.status != EntryStatus.PENDING_APPROVAL:
        raise ValidationError(f"This entry is {entry.get_status_display().lower()}: there is nothing to decide.")


@transaction.atomic
def entry_approve(*, entry: CalendarEntry, by: User, note: str = "") -> CalendarEntry:
    """A leader or an admin lets a bulk send go; the frequency caps then apply as in scheduling."""
    _require_manager(entry, by)
    entry = CalendarEntry.objects.select_for_update().get(tenant=entry.tenant, pk=entry.pk)
    _require_pending(entry)
    recipients = entry_recipients(entry)
    Approval.objects.create(
        tenant=entry.tenant,
        entry=entry,
        decision=ApprovalDecision.APPROVED,
        recipient_count=len(recipients),
        note=(note or "").strip()[:500],
        by=by,
    )
    _lock_recipients(entry, recipients)
    entry.recipient_count = len(recipients)
    entry.needs_approval = False
    _apply_caps(entry, recipients)
    entry.save()
    return entry


@transaction.atomic
def entry_reject(*, entry: CalendarEntry, by: User, note: str) -> CalendarEntry:
    """A leader or an admin stops a bulk send: it goes back to draft with the reason, for its owner to change."""
    _require_manager(entry, by)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say why it is rejected, so the owner knows what to change."})
    entry = CalendarEntry.objects.select_for_update().get(tenant=entry.tenant, pk=entry.pk)
    _require_pending(entry)
    Approval.objects.create(
        tenant=entry.tenant,
        entry=entry,
        decision=ApprovalDecision.REJECTED,
        recipient_count=entry.recipient_count,
        note=note[:500],
        by=by,
    )
    entry.status = EntryStatus.DRAFT
    entry.status_reason = f"Rejected by {by}: {note}"[:500]
    entry.save(update_fields=["status", "status_reason", "updated_at"])
    return entry


@transaction.atomic
def entry_cancel(*, entry: CalendarEntry, by: User | None, reason: str) -> CalendarEntry:
    """Cancel an entry not gone out yet; the last entry of an enrolment to be settled completes it."""
    # Imported here: enrollment_end builds on this module.
    from .enrollment_end import enrollment_complete_if_done

    if entry.status in (EntryStatus.SENDING, EntryStatus.SENT):
        raise ValidationError("This message has gone out: it cannot be cancelled.")
    if entry.status == EntryStatus.CANCELLED:
        return entry
    if entry.enrollment_id:
        # The enrolment before the entry, the order enrollment_exit locks them in, so the two never deadlock.
        list(
            Enrollment.objects.select_for_update()
            .filter(tenant_id=entry.tenant_id, pk=entry.enrollment_id)
            .values_list("pk")
        )
    entry.status = EntryStatus.CANCELLED
    entry.status_reason = ((reason or "").strip() or f"Cancelled by {by or 'the system'}")[:500]
    entry.save(update_fields=["status", "status_reason", "updated_at"])
    owner_tasks_cancel(entry=entry, reason=f"Cancelled with its calendar entry: {entry.status_reason}")
    if entry.enrollment is not None:
        enrollment_complete_if_done(enrollment=entry.enrollment)
    return entry
