"""The outbox: due calendar entries are claimed, checked again, rendered and delivered once.

Claim. `outbox_claim` moves due entries (scheduled or deferred, due now) and abandoned ones (sending, claimed
longer ago than a task may run: their worker died) to `sending` with `claimed_at`; on PostgreSQL under
`select_for_update(skip_locked=True)`, elsewhere by compare-and-set. Two workers never claim the same entry.

Send-time checks. What was true when the entry was scheduled may not be now: the owner may have lost the
right to send it (failed), a blackout may hold (deferred a day), another entry may have filled a cap
(deferred to the next open window), a contact may have unsubscribed (that delivery suppressed).

Exactly once, per (entry, contact). Before an email leaves, its `Delivery` row (key "<entry>:<contact>",
unique per tenant) is committed in its own transaction as a reservation (status sending);
after the backend accepts the message it becomes sent. Whoever finds the key — a retry, a second worker
that took over a stale claim — never sends that message again. The crash windows, honestly:
- a worker dies after the reservation and before or after handing the message over: the row stays
  "sending" and the message is never sent again. We cannot know whether it left, and a missing email is
  the lesser harm than a duplicate; the entry ends partly sent (`unreached_count`, its reason says how
  many were reached of how many), and its owner may send it again to those it did not reach
  (entry_resend_unreached).
- the backend raises: the message did not leave, the reservation is removed and a retry sends it. (SMTP can
  fail after the server accepted the data, e.g. a timeout on QUIT; then the retry duplicates it. That is the
  one window left, and no protocol without provider-side idempotency closes it.)

Retries. A failing backend puts the entry back to scheduled, `attempts` + 1, after a backoff of 1, 5, 30 and
120 minutes; the fifth failure marks it failed with the reason. Recipients reached before are not sent again.

Channels. Email leaves through Django's email backend (SMTP, or any provider through django-anymail);
in-app messages are stored (delivery status available) for the customer's product to fetch; calls,
webinars, community posts and SMS become a task for the entry's owner (we have no SMS provider: the task
says "send this text message" with the text).
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Contact
from core import tenant_time
from core.text import moment
from tenancy.models import Membership, Tenant

from ..composing import email as outgoing
from ..models import CalendarEntry, Channel, Delivery, DeliveryStatus, EntryStatus, MessageType
from ..selectors.personalisation import account_context, entry_render
from .caps import cap_check
from .claims import imported_mark_sent, outbox_claim
from .conflicts import blackout_for
from .enrollment_end import enrollment_complete_if_done
from .entries import cap_reason, entry_recipients
from .owner_tasks import owner_task_note, owner_task_open
from .preferences import list_unsubscribe_headers, preference_link, suppression_reason
from .settings import communication_settings, may_send, send_denial
from .tracking import tracked_body

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF = (dt.timedelta(minutes=1), dt.timedelta(minutes=5), dt.timedelta(minutes=30), dt.timedelta(hours=2))
BATCH_SIZE = 20
TASK_CHANNELS = (Channel.CALL, Channel.WEBINAR, Channel.COMMUNITY, Channel.SMS)
# Where an entry ends in the outbox: its enrolment may have nothing left to do.
SETTLED = (EntryStatus.SENT, EntryStatus.FAILED)


@dataclass
class DeliveryResult:
    entry_id: int
    # The entry's status afterwards; "" when there was nothing of ours to deliver.
    status: str
    reason: str = ""
    sent: int = 0
    available: int = 0
    suppressed: int = 0
    failed: int = 0
    # Recipients whose delivery existed before this run: never sent again.
    already: int = 0


class _BackendFailed(Exception):
    """The email backend refused a message: it did not leave."""


def _error_text(error: BaseException) -> str:
    return (f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)[:300]


# --- Claiming ----------------------------------------------------------------------------


def outbox_send_due(*, tenant: Tenant, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Claim and deliver the tenant's due entries in small batches until none is left; returns how many
    this call delivered (or moved on). Small batches keep a claim short-lived and let other workers share."""
    now = now or timezone.now()
    imported_mark_sent(tenant=tenant, now=now)
    done = 0
    while ids := outbox_claim(tenant=tenant, now=now, limit=batch_size):
        for entry_id in ids:
            try:
                entry_deliver(tenant=tenant, entry_id=entry_id, now=now)
            except Exception:
                # One broken entry must not hold back the tenant's others: it stays claimed, is taken over
                # once its claim's lease ends as a new attempt and ends failed after MAX_ATTEMPTS.
                logger.exception("Delivering calendar entry %s of tenant %s failed", entry_id, tenant.pk)
            done += 1
    return done


# --- Delivering one entry --------------------------------------------------------------


class _Claimed:
    """An entry this worker holds; every final write is conditional on still holding it."""

    def __init__(self, entry: CalendarEntry, now: dt.datetime):
        self.entry, self.now, self.token = entry, now, entry.claimed_at

    def write(self, **fields) -> bool:
        fields.setdefault("claimed_at", None)
        won = bool(
            CalendarEntry.objects.filter(
                tenant_id=self.entry.tenant_id, pk=self.entry.pk, status=EntryStatus.SENDING, claimed_at=self.token
            ).update(updated_at=timezone.now(), **fields)
        )
        if won and fields.get("status") in SETTLED and self.entry.enrollment is not None:
            # Committed first (the outbox runs outside a transaction), so a worker settling the
            # enrolment's other last entry sees this one done.
            enrollment_complete_if_done(enrollment=self.entry.enrollment)
        return won

    def result(self, status: str, reason: str, **counts) -> DeliveryResult:
        return DeliveryResult(entry_id=self.entry.pk, status=status, reason=reason, **counts)

    def fail(self, reason: str, **counts) -> DeliveryResult:
        self.write(status=EntryStatus.FAILED, status_reason=reason[:500])
        return self.result(EntryStatus.FAILED, reason, **counts)

    def move(self, status: str, at: dt.datetime, reason: str, **counts) -> DeliveryResult:
        entry = self.entry
        self.write(
            status=status,
            scheduled_at=at,
            planned_at=entry.planned_at or entry.scheduled_at,
            status_reason=reason[:500],
        )
        return self.result(status, reason, **counts)

    def sent(self, reason: str, unreached_count: int = 0, **counts) -> DeliveryResult:
        self.write(
            status=EntryStatus.SENT, sent_at=self.now, status_reason=reason[:500], unreached_count=unreached_count
        )
        return self.result(EntryStatus.SENT, reason, **counts)


def _sender_denial(entry: CalendarEntry) -> str | None:
    """Why the entry's owner may no longer send it, or None. Entries the system planned (cadences: no
    `created_by`) and entries without an owner were allowed as the system's when scheduled, and still are."""
    if entry.owner_id is None or entry.created_by_id is None:
        return None
    membership = Membership.objects.filter(tenant_id=entry.tenant_id, user_id=entry.owner_id).first()
    if may_send(tenant=entry.tenant, membership=membership, message_type=entry.message_type, channel=entry.channel):
        return None
    if membership is None or not membership.is_active:
        return f"Not sent: {entry.owner} is no longer a member of {entry.tenant}."
    return f"Not sent: {entry.owner} may no longer send it. " + send_denial(
        membership=membership, message_type=entry.message_type, channel=entry.channel
    )


def _next_day_at_send_hour(tenant: Tenant, now: dt.datetime) -> dt.datetime:
    day = tenant_time.day_of(tenant, now) + dt.timedelta(days=1)
    hour = communication_settings(tenant=tenant).send_hour
    return tenant_time.at(tenant, day, dt.time(hour)).astimezone(dt.UTC)


def _backoff(attempts: int) -> dt.timedelta:
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def entry_deliver(*, tenant: Tenant, entry_id: int, now: dt.datetime) -> DeliveryResult:
    """Deliver one claimed entry to each of its recipients once (see the module's docstring)."""
    entry = (
        CalendarEntry.objects.select_related("tenant", "account", "account__owner", "owner", "enrollment")
        .filter(tenant=tenant, pk=entry_id)
        .first()
    )
    if entry is None or entry.status != EntryStatus.SENDING:
        return DeliveryResult(entry_id=entry_id, status="", reason="Not claimed for sending.")
    claim = _Claimed(entry, now)
    if entry.attempts >= MAX_ATTEMPTS:
        return claim.fail(f"Gave up after {entry.attempts} attempts: {entry.status_reason}")
    if denial := _sender_denial(entry):
        return claim.fail(denial)
    if blackout := blackout_for(entry=entry, at=now):
        at = _next_day_at_send_hour(tenant, now)
        return claim.move(EntryStatus.DEFERRED, at, f"Deferred to {moment(at, tenant)}: {blackout}")
    recipients = entry_recipients(entry)
    if not recipients:
        return claim.fail("Not sent: nobody to reach (no active contact named or holding the audience role).")
    done = set(Delivery.objects.filter(tenant=tenant, entry=entry).values_list("contact_id", flat=True))
    todo = [contact for contact in recipients if contact.pk not in done]
    if todo and not entry.is_exempt_from_caps:
        check = cap_check(tenant=tenant, contacts=todo, channel=entry.channel, at=now, exclude_entry_id=entry.pk)
        if check.over and check.next_open_at is not None:
            reason = cap_reason(check.over, entry.channel, check.next_open_at, tenant)
            return claim.move(EntryStatus.DEFERRED, check.next_open_at, reason)
        if check.over:
            return claim.fail("Not sent: its recipients stay at their frequency caps for more than a year.")
    if entry.channel in TASK_CHANNELS:
        return _hand_to_owner(claim, todo, already=len(recipients) - len(todo))
    return _deliver_messages(claim, todo, already=len(recipients) - len(todo))


# --- Messages: email and in-app --------------------------------------------------------------


def _key(entry: CalendarEntry, contact: Contact) -> str:
    return f"{entry.pk}:{contact.pk}"


def _record(entry: CalendarEntry, contact: Contact, **fields) -> Delivery | None:
    """Write the contact's delivery in its own committed transaction; None if it existed already (another
    worker or an earlier attempt had it: it is theirs, and nothing is sent again)."""
    try:
        with transaction.atomic(durable=True):
            return Delivery.objects.create(
                tenant_id=entry.tenant_id, entry=entry, contact=contact, key=_key(entry, contact), **fields
            )
    except IntegrityError:
        return None


def _deliver_messages(claim: _Claimed, todo: list[Contact], already: int) -> DeliveryResult:
    entry, now = claim.entry, claim.now
    counts = {"sent": 0, "available": 0, "suppressed": 0, "failed": 0, "already": already}
    base = account_context(
        tenant=entry.tenant,
        account=entry.account,
        owner=entry.account.owner,
        today=tenant_time.day_of(entry.tenant, now),
    )
    backend = get_connection() if entry.channel == Channel.EMAIL and todo else None
    try:
        if backend is not None:
            try:
                backend.open()
            except Exception as error:
                raise _BackendFailed(_error_text(error)) from error
        for contact in todo:
            outcome = _deliver_one(entry, contact, base, backend, now)
            counts[outcome] += 1
    except _BackendFailed as failure:
        return _retry_or_fail(claim, str(failure), counts)
    finally:
        if backend is not None:
            try:
                backend.close()
            except Exception:  # the messages are out; a failing QUIT changes nothing
                logger.warning("Closing the email connection failed", exc_info=True)
    reason, unreached = send_summary(entry, len(todo) + already)
    return claim.sent(reason, unreached_count=unreached, **counts)


def _deliver_one(entry: CalendarEntry, contact: Contact, base: dict, backend, now: dt.datetime) -> str:
    """Deliver to one contact; returns the counter it adds to. Raises _BackendFailed."""
    # Dated by the outbox's clock, so a delivery counts on the day it was made (reports, caps).
    common = {
        "channel": entry.channel,
        "to_address": contact.email if entry.channel == Channel.EMAIL else "",
        "created_at": now,
    }
    subject, body = entry_render(entry=entry, contact=contact, base=base)
    if reason := suppression_reason(contact=contact, message_type=entry.message_type):
        # Held back, but rendered: a digest carries it later (services.digests).
        held = {"subject": subject.text[:200], "body": body.text}
        return (
            "suppressed"
            if _record(entry, contact, status=DeliveryStatus.SUPPRESSED, error=reason, **common, **held)
            else "already"
        )
    problems = list(dict.fromkeys([*subject.missing, *subject.unknown, *body.missing, *body.unknown]))
    if problems:
        error = f"Not sent to {contact.name}: {', '.join(problems)} could not be filled in."
        return (
            "failed"
            if _record(entry, contact, status=DeliveryStatus.FAILED, error=error[:500], **common)
            else "already"
        )
    rendered = {"subject": subject.text[:200], "body": body.text}
    if entry.channel == Channel.IN_APP:
        made = _record(entry, contact, status=DeliveryStatus.AVAILABLE, **common, **rendered)
        return "available" if made else "already"
    if not contact.email:
        made = _record(entry, contact, status=DeliveryStatus.SUPPRESSED, error="no email address", **common)
        return "suppressed" if made else "already"
    # The reservation: committed before the message leaves, so nobody sends it again.
    delivery = _record(entry, contact, status=DeliveryStatus.SENDING, **common, **rendered)
    if delivery is None:
        return "already"
    message_id = outgoing.new_message_id()
    message = _email_for(entry, contact, delivery, subject.text, body.text, message_id)
    message.connection = backend
    try:
        message.send()
    except Exception as error:
        # The backend refused it, so it did not leave: free the key for the retry.
        Delivery.objects.filter(tenant_id=entry.tenant_id, pk=delivery.pk, status=DeliveryStatus.SENDING).delete()
        raise _BackendFailed(f"{_error_text(error)} (sending to {contact.email})") from error
    Delivery.objects.filter(tenant_id=entry.tenant_id, pk=delivery.pk).update(
        status=DeliveryStatus.SENT, error="", message_id=outgoing.sent_message_id(message, message_id)
    )
    return "sent"


def _email_for(entry: CalendarEntry, contact: Contact, delivery: Delivery, subject: str, body: str, message_id: str):
    marketing = entry.message_type != MessageType.TRANSACTIONAL
    preferences = preference_link(contact=contact, entry=entry) if marketing else None
    html = tracked_body(delivery=delivery, html=outgoing.html_body(body, preferences_url=preferences))
    return outgoing.message_build(
        to=contact.email,
        subject=subject,
        text=outgoing.text_body(body, preferences_url=preferences),
        html=html,
        message_id=message_id,
        headers=list_unsubscribe_headers(contact=contact, entry=entry) if marketing else None,
        reply_to=entry.owner.email if entry.owner is not None and entry.owner.email else None,
    )


def _retry_or_fail(claim: _Claimed, error: str, counts: dict) -> DeliveryResult:
    entry = claim.entry
    attempts = entry.attempts + 1
    reached = counts["sent"] + counts["available"] + counts["already"]
    if attempts >= MAX_ATTEMPTS:
        reason = f"Gave up after {attempts} attempts: {error}. {reached} recipient(s) were reached before that."
        claim.write(status=EntryStatus.FAILED, attempts=attempts, status_reason=reason[:500])
        return claim.result(EntryStatus.FAILED, reason, **counts)
    at = claim.now + _backoff(attempts)
    reason = (
        f"Sending failed (attempt {attempts} of {MAX_ATTEMPTS}): {error}. "
        f"Trying again at {moment(at, entry.tenant)}; recipients already reached are not sent it again."
    )
    claim.write(
        status=EntryStatus.SCHEDULED,
        attempts=attempts,
        scheduled_at=at,
        planned_at=entry.planned_at or entry.scheduled_at,
        status_reason=reason[:500],
    )
    return claim.result(EntryStatus.SCHEDULED, reason, **counts)


def send_summary(entry: CalendarEntry, total: int) -> tuple[str, int]:
    """What happened to every recipient, from the deliveries themselves (this and earlier attempts), and how
    many a worker stopped while sending to (unreached: whether it left is unknown)."""
    rows = Delivery.objects.filter(tenant_id=entry.tenant_id, entry=entry).order_by().values("status", "error")
    by = dict.fromkeys(("sent", "held", "failed", "unknown"), 0)
    for row in rows.annotate(n=Count("id")):
        if row["status"] in (DeliveryStatus.SENT, DeliveryStatus.AVAILABLE, DeliveryStatus.READ):
            by["sent"] += row["n"]
        elif row["status"] == DeliveryStatus.SUPPRESSED:
            by["held"] += row["n"]
        elif row["status"] == DeliveryStatus.SENDING:
            by["unknown"] += row["n"]
        else:
            by["failed"] += row["n"]
    if by["sent"] == total:
        return "", 0
    parts = [f"{'Sent' if entry.channel == Channel.EMAIL else 'Delivered'} to {by['sent']} of {total}"]
    if by["held"]:
        parts.append(f"{by['held']} held back by their preferences or without an email address")
    if by["failed"]:
        parts.append(f"{by['failed']} could not be personalised")
    if by["unknown"]:
        parts.append(
            f"{by['unknown']} not reached: a worker stopped while sending to them, and whether it left is unknown "
            "(send it again to them from this entry)"
        )
    return "; ".join(parts) + ".", by["unknown"]


# --- Tasks for the owner: calls, webinars, community posts, SMS -----------------------------------


def _hand_to_owner(claim: _Claimed, todo: list[Contact], already: int) -> DeliveryResult:
    """One task for the entry's owner, due when the entry is. Contacts whose preferences hold the entry
    back are left out of it (and named); we have no SMS provider, so an SMS is a task with its text."""
    entry = claim.entry
    reachable: list[Contact] = []
    held: list[Contact] = []
    for contact in todo:
        (held if suppression_reason(contact=contact, message_type=entry.message_type) else reachable).append(contact)
    if not reachable:
        return claim.sent(
            f"Nobody to reach: {', '.join(c.name for c in held)} chose not to get these.", suppressed=len(held)
        )
    task = owner_task_open(entry=entry, note=owner_task_note(entry=entry, reachable=reachable, held=held))
    who = str(entry.owner) if entry.owner_id else "the team (no owner)"
    # The task is due at the entry's time (a cadence step's task always has its moment).
    reason = f"Handed to {who} as a task due {moment(task.due_at or entry.scheduled_at, entry.tenant)}."
    return claim.sent(reason, suppressed=len(held), already=already)
