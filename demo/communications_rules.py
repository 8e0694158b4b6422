"""The demo's rules at work on the month ahead: a bulk newsletter waiting for approval, an email deferred by
the frequency cap, a promotion during an open P1 ticket, the conflicts the calendar shows; and the onboarding
and renewal cadences."""

import datetime as dt

from django.db import transaction

from accounts.models import AccountStatus, ContactRole
from communications.models import Cadence, CalendarEntry, Enrollment, EnrollmentStatus, EntryStatus, MessageType
from communications.services.cadences import enrollment_enrol
from communications.services.conflicts import entries_conflicts
from core import tenant_time
from demo.communications_plan import Planner, Spec, with_role
from demo.communications_texts import CHECK_INS, HELLO, NEWSLETTER, SIGNED, WEBINARS
from tenancy.models import Team

NEW_ACCOUNT_DAYS = 30
ONBOARDING_ENROLMENTS = 3


@transaction.atomic
def show_the_rules(plan: Planner) -> None:
    _bulk_newsletter(plan)
    _over_the_cap(plan)
    _promotion_during_p1(plan)
    live = CalendarEntry.objects.filter(
        tenant=plan.tenant,
        scheduled_at__gt=plan.now,
        status__in=[EntryStatus.SCHEDULED, EntryStatus.DEFERRED, EntryStatus.PENDING_APPROVAL],
    )
    conflicts = entries_conflicts(tenant=plan.tenant, entries=list(live))
    plan.conflict_count = sum(1 for found in conflicts.values() if found)


def _bulk_newsletter(plan: Planner) -> None:
    """The newsletter to the account with the all-hands list waits for approval; when no newsletter falls
    in the month ahead, marketing plans a special edition for it."""
    account = plan.bulk_account
    plan.bulk_entry = next(
        (e for e in plan.future if e.account_id == account.pk and e.status == EntryStatus.PENDING_APPROVAL), None
    )
    if plan.bulk_entry is None:
        subject, text = NEWSLETTER
        plan.bulk_entry = plan.create(
            plan.marketing(
                account,
                plan.at(plan.today + dt.timedelta(days=9), 8, 30),
                "Special edition: " + subject,
                text,
                MessageType.EDUCATIONAL,
                plan.contacts[account.pk],
            )
        )


def _over_the_cap(plan: Planner) -> None:
    """A CSM adds one more email to a champion who already has two that week: deferred, with the reason."""
    for account in plan.book:
        champion = (with_role(plan.contacts[account.pk], ContactRole.CHAMPION) or plan.contacts[account.pk])[0]
        csm = plan.csm_for(account)
        day = plan.today + dt.timedelta(days=7 - plan.today.weekday() + 1)  # Tuesday next week
        for n, (subject, text) in enumerate(CHECK_INS[:3]):
            entry = plan.create(
                Spec(
                    account,
                    plan.at(day, 13 + n),
                    subject,
                    MessageType.RELATIONSHIP,
                    Team.CUSTOMER_SUCCESS,
                    [champion],
                    csm,
                    csm,
                    body=HELLO + text + SIGNED,
                )
            )
            if entry is not None and entry.status == EntryStatus.DEFERRED:
                plan.deferred_entry = entry
                return


def _promotion_during_p1(plan: Planner) -> None:
    """Marketing invites an account with an open P1 ticket to a webinar: the calendar flags the blackout."""
    account = next((a for a in plan.book if a.pk in plan.p1), None)
    if account is None:
        return
    people = plan.contacts[account.pk]
    subject, text = WEBINARS[1]
    day = plan.today + dt.timedelta(days=5)
    plan.blackout_entry = plan.create(
        plan.marketing(
            account,
            plan.at(day, 15),
            subject,
            text,
            MessageType.PROMOTIONAL,
            with_role(people, ContactRole.POWER_USER) or people[:1],
        )
    )


@transaction.atomic
def enrol_cadences(plan: Planner) -> None:
    """Renewals due in the next 90 days in the renewal cadence, new accounts in onboarding, with the
    anchors the cadences' receivers use, so an enrolment they made already is found, not repeated."""
    from journeys.selectors import track_list
    from renewals.selectors import renewals_upcoming

    cadences = {c.key: c for c in Cadence.objects.filter(tenant=plan.tenant, is_active=True)}
    book = {a.pk: a for a in plan.book}
    enrolled = set(
        Enrollment.objects.filter(tenant=plan.tenant, status=EnrollmentStatus.ACTIVE).values_list(
            "cadence__key", "account_id"
        )
    )
    renewal = cadences.get("renewal")
    if renewal is not None:
        for due in renewals_upcoming(tenant=plan.tenant, today=plan.today, within_days=90):
            account = book.get(due.account_id)
            if account is None or ("renewal", account.pk) in enrolled:
                continue
            enrollment_enrol(cadence=renewal, account=account, anchor_on=due.due_on, anchor_ref=f"renewal:{due.pk}")
    onboarding = cadences.get("onboarding")
    if onboarding is None:
        return
    new = (
        track_list(tenant=plan.tenant)
        .filter(
            stage="onboarding",
            ended_at__isnull=True,
            account__status=AccountStatus.ACTIVE,
            account__signed_on__gte=plan.today - dt.timedelta(days=NEW_ACCOUNT_DAYS),
        )
        .order_by("-account__signed_on", "pk")
    )
    made = 0
    for track in new:
        if made >= ONBOARDING_ENROLMENTS:
            break
        if ("onboarding", track.account_id) in enrolled:
            continue
        enrollment_enrol(
            cadence=onboarding,
            account=track.account,
            anchor_on=tenant_time.day_of(plan.tenant, track.stage_entered_at),
            anchor_ref=f"track:{track.pk}:onboarding",
        )
        enrolled.add(("onboarding", track.account_id))
        made += 1
