"""The demo's past month as it happened: the outbox delivers each day's entries with that day as `now`,
then the contacts open, click, reply, book meetings, read in-app messages and a few unsubscribe, through
the tracking and preference services, at the times they did. The CSMs log most past calls as done.
Last, the notifications a CSM and the leader would have had about the month."""

import contextlib
import datetime as dt
import re

from django.db import transaction
from django.db.models import Count, Max

from activities.models import TaskStatus
from communications.models import (
    CalendarEntry,
    Channel,
    Delivery,
    DeliveryStatus,
    EngagementEvent,
    EngagementKind,
    MessageType,
    NotificationStatus,
    PreferenceChange,
    PreferenceChoice,
)
from communications.selectors.owner_tasks import owner_tasks
from communications.selectors.personalisation import entry_preview
from communications.services import outbox, preferences, tracking
from communications.services.notifications import NotificationNotSent, notification_raise, notification_send
from communications.services.owner_tasks import owner_task_complete
from demo.communications_plan import HISTORY_DAYS
from tenancy.models import Team

# Who opens what (the field's figures: opens 20-25%, clicks 3-5% of sent).
OPEN_RATE = {
    MessageType.RELATIONSHIP: 0.27,
    MessageType.OPERATIONAL: 0.3,
    MessageType.EDUCATIONAL: 0.18,
    MessageType.PROMOTIONAL: 0.16,
    MessageType.TRANSACTIONAL: 0.5,
}
CLICK_GIVEN_OPEN = 0.22
REPLY_GIVEN_OPEN = 0.25
MEETING_GIVEN_REPLY = 0.35
IN_APP_READ = 0.45
MIN_REPLIES = 4
CALL_DONE = 0.85
ONE_CLICK_RATE = 0.006
PREFERENCE_CENTRE_RATE = 0.005
LINK = re.compile(r"https://[^\s\"'<>]+")
REPLIES = [
    "Thanks, all good on our side; the team is using the new dashboards daily.",
    "Can we move our sync to Thursday? Our sprint review clashes.",
    "We would like a session on alerts for two new colleagues.",
    "Replied with questions about the export limits.",
]
CALL_NOTES = [
    "Rollout on track; next step is the finance team.",
    "Champion asked for a training session for new joiners.",
    "Discussed the usage report; no blockers.",
    "Agreed on the QBR agenda.",
]


def deliver_history(plan) -> None:
    """Day by day through the past month: the morning's and the afternoon's sends, then what people did."""
    tenant = plan.tenant
    last_id = Delivery.objects.filter(tenant=tenant).aggregate(top=Max("pk"))["top"] or 0
    latest = plan.now - dt.timedelta(minutes=5)
    for back in range(HISTORY_DAYS, 0, -1):
        day = plan.today - dt.timedelta(days=back)
        for hour in (12, 20):
            now = min(plan.at(day, hour), latest)
            outbox.outbox_send_due(tenant=tenant, now=now)
            new = list(
                Delivery.objects.filter(tenant=tenant, pk__gt=last_id).select_related("entry", "contact").order_by("pk")
            )
            if not new:
                continue
            last_id = new[-1].pk
            with transaction.atomic():
                # The outbox dated them at its `now`: the demo's past day.
                for delivery in new:
                    _engage(plan, delivery, latest)
    with transaction.atomic():
        _log_calls(plan, latest)
        _ensure_replies(plan, latest)
    _ensure_unsubscribes(plan, latest)
    _leave_one_partly_sent(plan)


def _leave_one_partly_sent(plan) -> None:
    """The latest email to several people whose worker stopped while sending, as a killed worker leaves it:
    one recipient's delivery unknown, the entry partly sent, for its owner to send again to that contact."""
    entries = CalendarEntry.objects.filter(tenant=plan.tenant, status="sent", channel=Channel.EMAIL)
    for entry in entries.annotate(reached=Count("deliveries")).filter(reached__gte=2).order_by("-sent_at"):
        unopened = entry.deliveries.filter(status=DeliveryStatus.SENT, opened_at__isnull=True).order_by("-pk").first()
        if unopened is None:
            continue
        Delivery.objects.filter(tenant=plan.tenant, pk=unopened.pk).update(status=DeliveryStatus.SENDING)
        reason, unreached = outbox.send_summary(entry, entry.deliveries.count())
        CalendarEntry.objects.filter(tenant=plan.tenant, pk=entry.pk).update(
            status_reason=reason[:500], unreached_count=unreached
        )
        return


def _later(plan, start: dt.datetime, low_hours: float, high_hours: float, latest: dt.datetime) -> dt.datetime:
    return min(start + dt.timedelta(hours=plan.rng.uniform(low_hours, high_hours)), latest)


def _engage(plan, delivery: Delivery, latest: dt.datetime) -> None:
    rng, entry = plan.rng, delivery.entry
    if delivery.channel == Channel.IN_APP:
        if delivery.status == DeliveryStatus.AVAILABLE and rng.random() < IN_APP_READ:
            tracking.delivery_mark_read(delivery=delivery, at=_later(plan, delivery.created_at, 0.5, 72, latest))
        return
    if delivery.channel != Channel.EMAIL or delivery.status != DeliveryStatus.SENT:
        return
    if rng.random() >= OPEN_RATE.get(entry.message_type, 0.2):
        return
    opened = _later(plan, delivery.created_at, 0.2, 30, latest)
    tracking.delivery_record_open(delivery=delivery, at=opened)
    links = LINK.findall(delivery.body)
    if links and rng.random() < CLICK_GIVEN_OPEN:
        tracking.delivery_record_click(delivery=delivery, url=links[0], at=opened + dt.timedelta(seconds=40))
    marketing = entry.team == Team.MARKETING
    if marketing:
        roll = rng.random() / OPEN_RATE.get(entry.message_type, 0.2)  # of the sent, not the opened
        if roll < ONE_CLICK_RATE:
            _unsubscribe(plan, delivery, opened + dt.timedelta(minutes=2), one_click=True)
        elif roll < ONE_CLICK_RATE + PREFERENCE_CENTRE_RATE:
            _unsubscribe(plan, delivery, opened + dt.timedelta(minutes=3), one_click=False)
    elif entry.message_type == MessageType.RELATIONSHIP and rng.random() < REPLY_GIVEN_OPEN:
        replied = _later(plan, opened, 0.1, 6, latest)
        owner = entry.owner
        tracking.engagement_event_log(
            entry=entry,
            kind=EngagementKind.REPLY,
            contact=delivery.contact,
            note=rng.choice(REPLIES),
            by=owner,
            at=replied,
        )
        if rng.random() < MEETING_GIVEN_REPLY:
            tracking.engagement_event_log(
                entry=entry,
                kind=EngagementKind.MEETING,
                contact=delivery.contact,
                note="Booked a 30-minute call from the reply.",
                by=owner,
                at=_later(plan, replied, 0.5, 24, latest),
            )
        plan.replies.append(delivery)


def _unsubscribe(plan, delivery: Delivery, at: dt.datetime, *, one_click: bool) -> None:
    contact, entry = delivery.contact, delivery.entry
    if one_click:
        changed = preferences.unsubscribe_one_click(contact=contact, entry=entry)
    else:
        # From the preference centre: no more promotion, the educational ones as a monthly digest.
        changed = preferences.preference_set(
            contact=contact,
            message_type=MessageType.PROMOTIONAL,
            choice=PreferenceChoice.NONE,
            source=PreferenceChange.Source.PREFERENCE_CENTRE,
            entry=entry,
        )
        preferences.preference_set(
            contact=contact,
            message_type=MessageType.EDUCATIONAL,
            choice=PreferenceChoice.MONTHLY,
            source=PreferenceChange.Source.PREFERENCE_CENTRE,
            entry=entry,
        )
    if not changed:
        return
    # When it happened, not when the demo ran.
    PreferenceChange.objects.filter(tenant_id=contact.tenant_id, contact=contact, entry=entry).update(at=at)
    contact.communication_preferences.update(updated_at=at)
    EngagementEvent.objects.filter(
        tenant_id=contact.tenant_id, contact=contact, entry=entry, kind=EngagementKind.UNSUBSCRIBE
    ).update(at=at)
    plan.unsubscribed[PreferenceChange.Source.ONE_CLICK if one_click else "preference_centre"] += 1


def _ensure_unsubscribes(plan, latest: dt.datetime) -> None:
    """At least two of each kind in the month, whatever the dice said: the report has something to show."""
    for source, one_click in ((PreferenceChange.Source.ONE_CLICK, True), ("preference_centre", False)):
        missing = 2 - plan.unsubscribed[source]
        if missing <= 0:
            continue
        candidates = (
            Delivery.objects.filter(
                tenant=plan.tenant,
                channel=Channel.EMAIL,
                status=DeliveryStatus.SENT,
                entry__team=Team.MARKETING,
                opened_at__isnull=False,
            )
            .exclude(contact__in=PreferenceChange.objects.filter(tenant=plan.tenant).values("contact_id"))
            .select_related("entry", "contact")
            .order_by("opened_at", "pk")
        )
        with transaction.atomic():
            for delivery in list(candidates[:missing]):
                _unsubscribe(
                    plan, delivery, min(delivery.opened_at + dt.timedelta(minutes=2), latest), one_click=one_click
                )


def _ensure_replies(plan, latest: dt.datetime) -> None:
    """A few replies and a meeting in the month, whatever the dice said."""
    missing = MIN_REPLIES - len(plan.replies)
    if missing <= 0:
        return
    opened = (
        Delivery.objects.filter(
            tenant=plan.tenant,
            channel=Channel.EMAIL,
            status=DeliveryStatus.SENT,
            opened_at__isnull=False,
            entry__team=Team.CUSTOMER_SUCCESS,
            entry__message_type=MessageType.RELATIONSHIP,
        )
        .exclude(pk__in=[d.pk for d in plan.replies])
        .select_related("entry", "entry__account", "entry__owner", "contact")
        .order_by("opened_at", "pk")
    )
    for n, delivery in enumerate(opened[:missing]):
        replied = _later(plan, delivery.opened_at, 0.1, 6, latest)
        tracking.engagement_event_log(
            entry=delivery.entry,
            kind=EngagementKind.REPLY,
            contact=delivery.contact,
            note=REPLIES[n % len(REPLIES)],
            by=delivery.entry.owner,
            at=replied,
        )
        if n == 0:
            tracking.engagement_event_log(
                entry=delivery.entry,
                kind=EngagementKind.MEETING,
                contact=delivery.contact,
                note="Booked a 30-minute call from the reply.",
                by=delivery.entry.owner,
                at=_later(plan, replied, 0.5, 24, latest),
            )
        plan.replies.append(delivery)


def _log_calls(plan, latest: dt.datetime) -> None:
    """Past calls: most logged as done by their owner, a few still open (overdue on the tasks page)."""
    tasks = owner_tasks(tenant=plan.tenant, status=TaskStatus.OPEN).filter(due_at__lt=latest)
    for task in tasks.select_related("tenant"):
        if task.owner is None or plan.rng.random() >= CALL_DONE:
            continue
        owner_task_complete(
            task=task, by=task.owner, note=plan.rng.choice(CALL_NOTES), at=_later(plan, task.due_at, 0.5, 3, latest)
        )


def notify(plan) -> None:
    """What the CSMs and the leader were told this month, sent (to the in-memory backend) at once."""
    with transaction.atomic():
        made = _raise_notifications(plan)
    for notification in made:
        notification.refresh_from_db()
        if notification.status != NotificationStatus.SENT:
            # Sent now, to the demo's in-memory mailbox; the queued task then finds nothing to send. A
            # failure is kept on the row with its reason, as the settings page shows.
            with contextlib.suppress(NotificationNotSent):
                notification_send(notification=notification)
    plan.notifications = len(made)


def _raise_notifications(plan) -> list:
    made = []
    if (entry := plan.deferred_entry) is not None:
        made.append(
            notification_raise(
                tenant=plan.tenant,
                account=entry.account,
                recipient=entry.owner,
                text=f"Your email “{_subject(entry)}” to {entry.account} was moved. {entry.status_reason}",
                source_key=f"demo:deferred:{entry.pk}",
            )
        )
    if (entry := plan.bulk_entry) is not None and entry.status == "pending_approval":
        made.append(
            notification_raise(
                tenant=plan.tenant,
                account=entry.account,
                recipient=plan.people.leader,
                text=f"Marketing's newsletter to {entry.recipient_count} contacts at {entry.account} waits for "
                "your approval (more than the bulk threshold).",
                source_key=f"demo:approval:{entry.pk}",
            )
        )
    if (entry := plan.blackout_entry) is not None:
        subjects = plan.p1.get(entry.account_id, [])
        made.append(
            notification_raise(
                tenant=plan.tenant,
                account=entry.account,
                text=f"Marketing plans “{_subject(entry)}” for {entry.account} while it has an open P1 ticket "
                f"({', '.join(subjects[:1])}): it will be held back until the ticket is solved.",
                source_key=f"demo:blackout:{entry.pk}",
            )
        )
    for delivery in plan.replies[-3:]:
        made.append(
            notification_raise(
                tenant=plan.tenant,
                account=delivery.entry.account,
                text=f"{delivery.contact.name} at {delivery.entry.account} replied to “{delivery.subject}”.",
                source_key=f"demo:reply:{delivery.pk}",
            )
        )
    return made


def _subject(entry: CalendarEntry) -> str:
    contact = entry.contacts.first()
    return entry_preview(entry=entry, contact=contact).subject
