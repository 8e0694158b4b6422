"""The demo's master calendar: a month of history and the next month planned, for the CSMs' book.

Every team writes to the same customers (the seed's story): CS check-ins, calls and QBR invitations,
marketing's newsletter and webinar invitations, support's maintenance notices, product updates in-app,
sales' expansion calls with the CSM, and a leadership update to executive sponsors. Everything goes through
the services: past entries are created with their dates and then delivered by the outbox day by day with a
past `now` (so deliveries, caps, preferences and tasks are real), and engagement is recorded through the
tracking services with the times it happened. On top: a message deferred by the frequency cap, a bulk
newsletter waiting for approval, conflicts (two teams the same week, a promotion during an open P1 ticket),
onboarding and renewal cadence enrolments, owner tasks for calls, in-app messages and notifications.

It runs after the rest of the demo has committed: the outbox reserves each delivery in a durable
transaction of its own (exactly once), which cannot nest inside the demo's. By then the cadences'
receivers have enrolled what the journeys and renewals demos announced; we enrol only what is missing.

Emails go to Django's in-memory backend while the demo runs (never to the console or a real server).
"""

import datetime as dt
import random

from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django_scopes import scope

from communications.models import (
    Approval,
    CalendarEntry,
    Delivery,
    EngagementEvent,
    Enrollment,
    PreferenceChange,
)
from communications.selectors.owner_tasks import owner_tasks
from core import tenant_time
from demo import communications_history, communications_imports, communications_plan, communications_rules
from demo.tenancy import DemoPeople

# Sends in the demo never leave the process.
DEMO_EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def seed(people: DemoPeople, *, today: dt.date | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    tenant = people.tenant
    now = now or timezone.now()
    today = today or tenant_time.day_of(tenant, now)
    kept = len(getattr(mail, "outbox", []))
    with override_settings(EMAIL_BACKEND=DEMO_EMAIL_BACKEND), scope(tenant=tenant):
        plan = communications_plan.Planner(people=people, today=today, now=now, rng=random.Random(808))
        plan.prepare()
        plan.plan_history()
        communications_history.deliver_history(plan)
        plan.plan_future()
        communications_rules.enrol_cadences(plan)
        communications_rules.show_the_rules(plan)
        communications_history.notify(plan)
        imported = communications_imports.import_webinar_invitations(plan)
        counts = _counts(plan)
        counts["imported"] = imported.created_count + imported.updated_count
    # The in-memory outbox is a list on the mail module: drop what the demo put there.
    if hasattr(mail, "outbox"):
        del mail.outbox[kept:]
    return counts


def _counts(plan: "communications_plan.Planner") -> dict[str, int]:
    tenant, now = plan.tenant, plan.now
    entries = CalendarEntry.objects.filter(tenant=tenant)
    emails = Delivery.objects.filter(tenant=tenant, channel="email", status="sent")
    sent = emails.count()
    return {
        "entries": entries.count(),
        "sent": entries.filter(status="sent").count(),
        "planned": entries.filter(scheduled_at__gt=now).exclude(status__in=["cancelled", "draft"]).count(),
        "deferred": entries.filter(status="deferred").count(),
        "pending_approval": entries.filter(status="pending_approval").count(),
        "approvals": Approval.objects.filter(tenant=tenant).count(),
        "deliveries": Delivery.objects.filter(tenant=tenant).count(),
        "emails": sent,
        "opened": emails.filter(opened_at__isnull=False).count(),
        "clicked": emails.filter(clicked_at__isnull=False).count(),
        "open_rate": round(100 * emails.filter(opened_at__isnull=False).count() / sent) if sent else 0,
        "replies": EngagementEvent.objects.filter(tenant=tenant, kind__in=["reply", "meeting"]).count(),
        "unsubscribes": PreferenceChange.objects.filter(tenant=tenant, to_choice="none")
        .values("contact_id")
        .distinct()
        .count(),
        "in_app": Delivery.objects.filter(tenant=tenant, channel="in_app").count(),
        "tasks": owner_tasks(tenant=tenant, status=None).count(),
        "enrollments": Enrollment.objects.filter(tenant=tenant, status="active").count(),
        "conflicts": plan.conflict_count,
        "notifications": plan.notifications,
    }
