"""One record as one timeline item: when, what, in a sentence, and whether it is good or bad news."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils.text import Truncator

from core import tenant_time
from core.text import day, day_of, money, plural
from tenancy.models import Tenant

from ..models import (
    Invoice,
    Meeting,
    MeetingStatus,
    NpsResponse,
    SubscriptionChange,
    SubscriptionChangeKind,
    SupportTicket,
    TicketPriority,
    TicketSentiment,
)
from ..models.records import Record

GOOD, NEUTRAL, BAD = "good", "neutral", "bad"
DETAIL_CHARS = 240


def timeline_item(record: Record, *, tenant: Tenant) -> dict:
    for model, build in BUILDERS.items():
        if isinstance(record, model):
            return build(record, tenant)
    raise TypeError(f"No timeline item for {type(record).__name__}.")


def _item(kind: str, when: dt.datetime | dt.date, title: str, detail: str, tone: str, tenant: Tenant) -> dict:
    all_day = not isinstance(when, dt.datetime)
    if all_day:
        # A day begins at midnight where the tenant is, so a date sorts with the moments of that day.
        when = tenant_time.at(tenant, when)
    return {
        "when": when,
        "all_day": all_day,
        "kind": kind,
        "title": title,
        "detail": Truncator(detail).chars(DETAIL_CHARS),
        "tone": tone,
    }


def _ticket(ticket: SupportTicket, tenant: Tenant) -> dict:
    facts = [ticket.get_status_display()]
    if ticket.closed_at:
        facts.append(f"closed {day_of(ticket.closed_at, tenant)}")
    if ticket.csat is not None:
        facts.append(f"CSAT {ticket.csat}/5")
    if ticket.sentiment:
        facts.append(f"{ticket.get_sentiment_display().lower()} sentiment")
    if ticket.contact is not None:
        facts.append(f"from {ticket.contact.name}")
    if ticket.priority == TicketPriority.P1 or ticket.sentiment == TicketSentiment.NEGATIVE:
        tone = BAD
    elif ticket.csat is not None:
        tone = BAD if ticket.csat <= 2 else GOOD if ticket.csat >= 4 else NEUTRAL
    else:
        tone = NEUTRAL
    title = f"{ticket.priority.upper()} ticket: {ticket.subject}"
    return _item("ticket", ticket.opened_at, title, " · ".join(facts), tone, tenant)


def _invoice(invoice: Invoice, tenant: Tenant) -> dict:
    today = tenant_time.today(tenant)
    name = f"Invoice {invoice.number}" if invoice.number else "Invoice"
    late = invoice.days_late(today)
    if invoice.paid_on and late:
        title, tone = f"{name} paid {plural(late, 'day')} late", BAD
    elif late:
        title, tone = f"{name} unpaid, {plural(late, 'day')} overdue", BAD
    elif invoice.paid_on:
        title, tone = f"{name} paid on time", GOOD
    else:
        title, tone = f"{name} due {day(invoice.due_on)}", NEUTRAL
    detail = f"{money(invoice.amount, tenant)}, issued {day(invoice.issued_on)}, due {day(invoice.due_on)}"
    if invoice.paid_on:
        detail += f", paid {day(invoice.paid_on)}"
        if invoice.amount_paid < invoice.amount:
            detail += f" ({money(invoice.amount_paid, tenant)} of it)"
    return _item("invoice", invoice.due_on, title, detail, tone, tenant)


def _subscription_change(change: SubscriptionChange, tenant: Tenant) -> dict:
    title = change.get_kind_display()
    if change.kind in (SubscriptionChangeKind.UPGRADE, SubscriptionChangeKind.DOWNGRADE):
        if change.plan_before or change.plan_after:
            title += f": {change.plan_before or '?'} → {change.plan_after or '?'}"
    elif change.seats_before is not None or change.seats_after is not None:
        before = "?" if change.seats_before is None else change.seats_before
        after = "?" if change.seats_after is None else change.seats_after
        title += f": {before} → {after} seats"
    facts = []
    if change.arr_before is not None or change.arr_after is not None:
        before, after = ("—" if arr is None else money(arr, tenant) for arr in (change.arr_before, change.arr_after))
        facts.append(f"ARR {before} → {after}")
    if change.note:
        facts.append(change.note)
    worse = change.kind in (SubscriptionChangeKind.DOWNGRADE, SubscriptionChangeKind.SEATS_REMOVED)
    return _item("subscription_change", change.effective_on, title, " · ".join(facts), BAD if worse else GOOD, tenant)


MEETING_OUTCOMES: dict[str, str] = {
    MeetingStatus.SCHEDULED: "scheduled",
    MeetingStatus.HELD: "held",
    MeetingStatus.NO_SHOW: "no-show",
    MeetingStatus.CANCELLED: "cancelled",
}


def _meeting(meeting: Meeting, tenant: Tenant) -> dict:
    title = f"{meeting.get_kind_display()} {MEETING_OUTCOMES.get(meeting.status, meeting.status)}"
    if meeting.title:
        title += f": {meeting.title}"
    facts = ["Executive present"] if meeting.executive_present else []
    if meeting.notes:
        facts.append(meeting.notes)
    if meeting.status == MeetingStatus.NO_SHOW:
        tone = BAD
    elif meeting.status == MeetingStatus.HELD and meeting.executive_present:
        # Executive engagement is what the relationship family of the health score rewards.
        tone = GOOD
    else:
        tone = NEUTRAL
    return _item("meeting", meeting.scheduled_at, title, " · ".join(facts), tone, tenant)


def _nps(response: NpsResponse, tenant: Tenant) -> dict:
    category = response.category
    title = f"NPS {response.score} ({category})"
    if response.contact is not None:
        title += f" from {response.contact.name}"
    tone = {"detractor": BAD, "promoter": GOOD}.get(category, NEUTRAL)
    return _item("nps", response.responded_on, title, response.comment, tone, tenant)


def note_item(note, *, tenant: Tenant) -> dict:
    """A note a CSM logged (activities.Note): a call, a meeting, an email or a note, by its author."""
    author = (note.author.full_name or note.author.email) if note.author else "Someone"
    title = f"{note.get_kind_display()} logged by {author}"
    if note.subject:
        title += f": {note.subject}"
    return _item("note", note.happened_at, title, note.body, NEUTRAL, tenant)


# Each builder takes its own kind of record (the Any): timeline_item picks it by the record's type.
BUILDERS: dict[type[Record], Callable[[Any, Tenant], dict]] = {
    SupportTicket: _ticket,
    Invoice: _invoice,
    SubscriptionChange: _subscription_change,
    Meeting: _meeting,
    NpsResponse: _nps,
}
