"""Cadences: the seed's defaults, enrolment (one entry per step still to come, at its local hour, through
the calendar's rules), duplicates, exit, and the peers' events that enrol and exit accounts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope

from communications.models import (
    Cadence,
    CadenceAnchor,
    CalendarEntry,
    Enrollment,
    EnrollmentStatus,
    EntrySource,
    EntryStatus,
)
from communications.services import cadences, enrollment_end, outbox
from core.text import day
from health.models import HealthSignal, Severity, SignalKind
from health.services import detection
from journeys import services as journey_services
from journeys.models import JourneyTrack
from renewals import services as renewal_services
from renewals.models import Renewal

from .builders import contact_of, custom_cadence, enrol, entries_of, make_account, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def jane(tenant_a, account):
    return contact_of(tenant_a, account, 1, name="Jane Roe", roles=("champion",))


@pytest.fixture
def sam(tenant_a, account):
    return contact_of(tenant_a, account, 2, name="Sam Sponsor", roles=("executive_sponsor",))


def local(tenant, day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tenant.zone)


# Defaults


def test_the_seeds_cadences_are_made_once(tenant_a):
    with scope(tenant=tenant_a):
        made = cadences.cadences_ensure_defaults(tenant=tenant_a)
        again = cadences.cadences_ensure_defaults(tenant=tenant_a)
        found = {c.key: c for c in Cadence.objects.filter(tenant=tenant_a)}
        renewal_days = list(found["renewal"].steps.order_by("offset_days").values_list("offset_days", flat=True))
        onboarding = list(found["onboarding"].steps.order_by("offset_days", "position"))

    assert {c.key for c in made} == {"onboarding", "adoption", "retention", "renewal", "expansion", "advocacy"}
    assert again == []
    assert renewal_days == [-90, -60, -30, -14, -7]
    assert found["renewal"].anchor == CadenceAnchor.RENEWAL_DATE
    assert found["retention"].health_bands == ["green"] and found["retention"].trigger == "retention"
    assert (found["expansion"].anchor, found["expansion"].trigger) == (CadenceAnchor.SIGNAL_RAISED, "expansion")
    # Daily in week one, 2-3 a week in weeks 2-4, weekly until day 90, one check-in call at day 14.
    days = [s.offset_days for s in onboarding]
    assert days[:7] == [0, 1, 2, 3, 4, 5, 6]
    assert all(2 <= len([d for d in days if 7 * w <= d < 7 * w + 7]) <= 3 for w in (1, 2, 3))
    assert [d for d in days if d >= 28] == [28, 35, 42, 49, 56, 63, 70, 77, 84, 90]
    assert [(s.offset_days, s.team) for s in onboarding if s.channel == "call"] == [(14, "customer_success")]


def test_the_renewal_escalation_comes_from_leadership(tenant_a):
    with scope(tenant=tenant_a):
        cadences.cadences_ensure_defaults(tenant=tenant_a)
        step = Cadence.objects.get(tenant=tenant_a, key="renewal").steps.get(offset_days=-7)
    assert (step.team, step.audience_role) == ("leadership", "executive_sponsor")


def test_onboarding_keeps_under_the_email_cap_whatever_the_weekday(tenant_a, account, jane):
    with scope(tenant=tenant_a):
        cadences.cadences_ensure_defaults(tenant=tenant_a)
        onboarding = Cadence.objects.get(tenant=tenant_a, key="onboarding")
    for shift in range(7):
        enrollment = enrol(tenant_a, onboarding, account, today(tenant_a) + dt.timedelta(days=shift + 1), f"t:{shift}")
        statuses = {e.status for e in entries_of(tenant_a, enrollment)}
        assert statuses == {EntryStatus.SCHEDULED}, shift
        with scope(tenant=tenant_a):
            enrollment_end.enrollment_exit(enrollment=enrollment, reason="Next weekday")


# Enrolment


def test_enrolment_plans_each_step_to_come_at_its_local_hour(tenant_a, account, jane):
    cadence = custom_cadence(tenant_a, [(-5, 9, {}), (0, 9, {}), (3, 14, {}), (10, 8, {"channel": "in_app"})])
    anchor = today(tenant_a) + dt.timedelta(days=2)

    enrollment = enrol(tenant_a, cadence, account, anchor, "manual")
    entries = entries_of(tenant_a, enrollment)

    # Day -5 fell three days ago: skipped.
    assert [e.scheduled_at for e in entries] == [
        local(tenant_a, anchor, 9),
        local(tenant_a, anchor + dt.timedelta(days=3), 14),
        local(tenant_a, anchor + dt.timedelta(days=10), 8),
    ]
    assert {(e.source, e.status, e.owner_id) for e in entries} == {
        (EntrySource.CADENCE, EntryStatus.SCHEDULED, account.owner_id)
    }
    assert [e.channel for e in entries] == ["email", "email", "in_app"]
    assert all(e.cadence_step_id and [c.pk for c in e.contacts.all()] == [jane.pk] for e in entries)
    assert enrollment.status == EnrollmentStatus.ACTIVE and enrollment.anchor_on == anchor


def test_a_step_due_earlier_today_goes_out_now_and_one_of_yesterday_is_skipped(tenant_a, account, jane):
    cadence = custom_cadence(tenant_a, [(-1, 0, {}), (0, 0, {}), (1, 0, {})])
    before = timezone.now()

    entries = entries_of(tenant_a, enrol(tenant_a, cadence, account, today(tenant_a)))

    assert len(entries) == 2
    assert before <= entries[0].scheduled_at <= timezone.now()
    assert entries[1].scheduled_at == local(tenant_a, today(tenant_a) + dt.timedelta(days=1), 0)


def test_every_step_past_completes_the_enrolment_at_once(tenant_a, account, jane):
    cadence = custom_cadence(tenant_a, [(0, 9, {}), (5, 9, {})])

    enrollment = enrol(tenant_a, cadence, account, today(tenant_a) - dt.timedelta(days=30))

    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert entries_of(tenant_a, enrollment) == []
    assert "already past" in enrollment.exit_reason


def test_the_audience_is_the_steps_role_else_champions_else_everyone(tenant_a, account, jane, sam):
    cadence = custom_cadence(
        tenant_a,
        [(1, 9, {"audience_role": "executive_sponsor"}), (2, 9, {"audience_role": "decision_maker"}), (3, 9, {})],
    )

    by_role, nobody_with_role, plain = entries_of(tenant_a, enrol(tenant_a, cadence, account, today(tenant_a)))

    assert (by_role.audience_role, list(by_role.contacts.all())) == ("executive_sponsor", [])
    assert by_role.recipient_count == 1
    # No decision maker at the account: the champion, by name.
    assert (nobody_with_role.audience_role, [c.pk for c in nobody_with_role.contacts.all()]) == ("", [jane.pk])
    assert [c.pk for c in plain.contacts.all()] == [jane.pk]

    other = make_account(tenant_a, 2)
    a, b = contact_of(tenant_a, other, 3, roles=("end_user",)), contact_of(tenant_a, other, 4, roles=())
    (entry, *_rest) = entries_of(tenant_a, enrol(tenant_a, cadence, other, today(tenant_a)))
    assert {c.pk for c in entries_of(tenant_a, entry.enrollment)[2].contacts.all()} == {a.pk, b.pk}


def test_a_step_the_rules_block_is_kept_as_a_draft_with_the_reason(tenant_a, account, jane):
    cadence = custom_cadence(tenant_a, [(1, 9, {"subject": "Renewal on {{ renewal.date }}"})])

    (entry,) = entries_of(tenant_a, enrol(tenant_a, cadence, account, today(tenant_a)))

    assert entry.status == EntryStatus.DRAFT
    assert entry.status_reason == "Not scheduled: renewal.date is empty for Account 001; give a fallback."


def test_a_second_enrolment_on_the_same_anchor_returns_the_first(tenant_a, account, jane):
    cadence = custom_cadence(tenant_a, [(1, 9, {}), (2, 9, {})])
    first = enrol(tenant_a, cadence, account, today(tenant_a), "renewal:1")

    second = enrol(tenant_a, cadence, account, today(tenant_a) + dt.timedelta(days=5), "renewal:1")
    other_anchor = enrol(tenant_a, cadence, account, today(tenant_a), "renewal:2")

    assert second.pk == first.pk and second.anchor_on == today(tenant_a)
    assert other_anchor.pk != first.pk
    with scope(tenant=tenant_a):
        assert CalendarEntry.objects.filter(enrollment=first).count() == 2
        assert Enrollment.objects.filter(tenant=tenant_a, status="active").count() == 2


def test_a_switched_off_cadence_enrols_nobody(tenant_a, account, jane):
    cadence = custom_cadence(tenant_a, [(1, 9, {})], is_active=False)

    with pytest.raises(ValidationError, match="switched off"):
        enrol(tenant_a, cadence, account, today(tenant_a))


def test_steps_accept_only_merge_fields(tenant_a):
    cadence = custom_cadence(tenant_a, [])
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as error:
        cadences.cadence_step_save(
            cadence=cadence, offset_days=1, message_type="educational", subject="Hi {{ account.owner.email }}"
        )
    assert "{{ account.owner.email }}: not a merge field" in str(error.value)


# Exit


def test_exit_cancels_what_is_not_sent_and_keeps_what_was(tenant_a, account, jane, alice):
    cadence = custom_cadence(tenant_a, [(0, 0, {}), (3, 9, {}), (6, 9, {})])
    enrollment = enrol(tenant_a, cadence, account, today(tenant_a))
    with scope(tenant=tenant_a):
        assert outbox.outbox_send_due(tenant=tenant_a, now=timezone.now() + dt.timedelta(minutes=1)) == 1

        exited = enrollment_end.enrollment_exit(enrollment=enrollment, reason="Customer asked for a pause", by=alice)
    sent, *cancelled = entries_of(tenant_a, enrollment)

    assert sent.status == EntryStatus.SENT
    assert [e.status for e in cancelled] == [EntryStatus.CANCELLED, EntryStatus.CANCELLED]
    reason = "Alice Admin ended the enrolment in Check-ins: Customer asked for a pause"
    assert {e.status_reason for e in cancelled} == {reason}
    assert (exited.status, exited.exit_reason) == (EnrollmentStatus.EXITED, reason) and exited.ended_at
    with scope(tenant=tenant_a), pytest.raises(ValidationError, match="already exited"):
        enrollment_end.enrollment_exit(enrollment=exited, reason="Again")


def test_exit_needs_a_reason(tenant_a, account, jane):
    enrollment = enrol(tenant_a, custom_cadence(tenant_a, [(1, 9, {})]), account, today(tenant_a))
    with scope(tenant=tenant_a), pytest.raises(ValidationError, match="Say why"):
        enrollment_end.enrollment_exit(enrollment=enrollment, reason="  ")


# The peers' events


def test_a_journey_transition_exits_the_stage_left_and_enrols_the_stage_entered(
    tenant_a, account, jane, alice, django_capture_on_commit_callbacks
):
    with scope(tenant=tenant_a):
        cadences.cadences_ensure_defaults(tenant=tenant_a)
        with django_capture_on_commit_callbacks(execute=True):
            track = journey_services.track_create(tenant=tenant_a, account=account, name="Core platform", by=alice)
        onboarding = Enrollment.objects.get(tenant=tenant_a, cadence__key="onboarding")
        assert onboarding.anchor_ref == f"track:{track.pk}:onboarding"
        assert onboarding.entries.filter(status=EntryStatus.SCHEDULED).count() > 20

        with django_capture_on_commit_callbacks(execute=True):
            journey_services.track_transition(
                track=JourneyTrack.objects.get(pk=track.pk),
                to_stage="adoption",
                by=alice,
                override_reason="Live in production early",
            )
        onboarding.refresh_from_db()
        adoption = Enrollment.objects.get(tenant=tenant_a, cadence__key="adoption")
        left = set(onboarding.entries.values_list("status", flat=True))
        reasons = set(onboarding.entries.values_list("status_reason", flat=True))

    assert onboarding.status == EnrollmentStatus.EXITED
    assert left == {EntryStatus.CANCELLED}
    assert reasons == {"Track “Core platform” moved to adoption: the rest of its onboarding cadence is cancelled."}
    assert (adoption.anchor_ref, adoption.status) == (f"track:{track.pk}:adoption", EnrollmentStatus.ACTIVE)
    assert adoption.anchor_on == today(tenant_a)


def test_retention_enrols_only_green_accounts(tenant_a, account, jane, alice, django_capture_on_commit_callbacks):
    with scope(tenant=tenant_a):
        cadences.cadences_ensure_defaults(tenant=tenant_a)
        with django_capture_on_commit_callbacks(execute=True):
            track = journey_services.track_create(
                tenant=tenant_a, account=account, name="Core platform", by=alice, stage="retention"
            )
        # Health is not scored yet: no band, so not green.
        assert not Enrollment.objects.filter(tenant=tenant_a, cadence__key="retention").exists()
        assert track.stage == "retention"


def test_a_new_contract_enrols_the_renewal_cadence_and_signing_exits_it(
    tenant_a, account, jane, alice, django_capture_on_commit_callbacks
):
    contact_of(tenant_a, account, 5, name="Dana Decides", roles=("decision_maker", "executive_sponsor"))
    start = today(tenant_a) - dt.timedelta(days=250)
    with scope(tenant=tenant_a):
        with django_capture_on_commit_callbacks(execute=True):
            contract = renewal_services.contract_create(
                tenant=tenant_a, account=account, start_on=start, arr=Decimal(50_000), by=alice, today=today(tenant_a)
            )
        renewal = Renewal.objects.get(tenant=tenant_a, contract=contract)
        enrollment = Enrollment.objects.get(tenant=tenant_a, anchor_ref=f"renewal:{renewal.pk}")
        planned = list(enrollment.entries.order_by("scheduled_at"))

    # 250 days into a year: T-90 (day 275) and later are still to come, each at 10:00 local.
    assert enrollment.cadence.key == "renewal" and enrollment.anchor_on == renewal.due_on
    assert [e.scheduled_at for e in planned] == [
        local(tenant_a, renewal.due_on - dt.timedelta(days=d), 10) for d in (90, 60, 30, 14, 7)
    ]
    assert {e.status for e in planned} == {EntryStatus.SCHEDULED}
    assert planned[-1].team == "leadership"
    assert day(renewal.due_on) not in planned[0].subject  # rendered at send time, not stored

    with scope(tenant=tenant_a):
        with django_capture_on_commit_callbacks(execute=True):
            renewal_services.renewal_close(renewal=renewal, outcome="renewed", by=alice, new_arr=Decimal(50_000))
        enrollment.refresh_from_db()
        after = set(enrollment.entries.values_list("status", "status_reason"))

    assert enrollment.status == EnrollmentStatus.EXITED
    assert after == {(EntryStatus.CANCELLED, "Renewal signed: the rest of the renewal cadence is cancelled.")}


def test_an_expansion_signal_enrols_the_expansion_ask(tenant_a, account, jane, django_capture_on_commit_callbacks):
    contact_of(tenant_a, account, 5, name="Dana Decides", roles=("decision_maker",))
    wanted = [
        detection.Wanted(account.pk, SignalKind.EXPANSION, "account", Severity.OPPORTUNITY, "Uses 92% of its seats."),
        detection.Wanted(account.pk, SignalKind.SCORE_DROP, "account", Severity.HIGH, "Health fell 20 points."),
    ]
    with scope(tenant=tenant_a):
        with django_capture_on_commit_callbacks(execute=True):
            detection.signals_sync(
                tenant=tenant_a, account_ids=[account.pk], wanted=wanted, today=today(tenant_a), cooldown_days={}
            )
        signal = HealthSignal.objects.get(tenant=tenant_a, account=account, kind=SignalKind.EXPANSION)
        (enrollment,) = Enrollment.objects.filter(tenant=tenant_a)
        planned = list(enrollment.entries.order_by("scheduled_at"))

    # Only the expansion signal has a cadence; the score drop enrols nothing.
    assert (enrollment.cadence.key, enrollment.anchor_ref) == ("expansion", f"signal:{signal.pk}")
    assert [(e.channel, e.team, e.scheduled_at) for e in planned] == [
        ("email", "sales", local(tenant_a, today(tenant_a) + dt.timedelta(days=1), 10)),
        ("call", "sales", local(tenant_a, today(tenant_a) + dt.timedelta(days=8), 10)),
    ]


def test_a_resolved_signal_exits_the_cadence_it_started(tenant_a, account, jane, django_capture_on_commit_callbacks):
    expansion = detection.Wanted(account.pk, SignalKind.EXPANSION, "account", Severity.OPPORTUNITY, "92% of seats.")

    def sync(wanted):
        with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
            detection.signals_sync(
                tenant=tenant_a, account_ids=[account.pk], wanted=wanted, today=today(tenant_a), cooldown_days={}
            )

    sync([expansion])
    # The next day's scores no longer show it: the signal resolves.
    sync([])
    with scope(tenant=tenant_a):
        signal = HealthSignal.objects.get(tenant=tenant_a, account=account, kind=SignalKind.EXPANSION)
        (enrollment,) = Enrollment.objects.filter(tenant=tenant_a)
        after = set(enrollment.entries.values_list("status", "status_reason"))

    reason = "Expansion signal (CSQL) cleared: the rest of the cadence it started is cancelled."
    assert signal.status == "resolved" and enrollment.anchor_ref == f"signal:{signal.pk}"
    assert (enrollment.status, enrollment.exit_reason) == (EnrollmentStatus.EXITED, reason)
    assert enrollment.ended_at is not None
    assert after == {(EntryStatus.CANCELLED, reason)}


def test_a_signal_resolved_while_paused_leaves_its_cadence(tenant_a, account, jane, django_capture_on_commit_callbacks):
    from core.events import events_paused

    expansion = detection.Wanted(account.pk, SignalKind.EXPANSION, "account", Severity.OPPORTUNITY, "92% of seats.")
    with scope(tenant=tenant_a):
        with django_capture_on_commit_callbacks(execute=True):
            detection.signals_sync(
                tenant=tenant_a, account_ids=[account.pk], wanted=[expansion], today=today(tenant_a), cooldown_days={}
            )
        with events_paused(), django_capture_on_commit_callbacks(execute=True):
            detection.signals_sync(
                tenant=tenant_a, account_ids=[account.pk], wanted=[], today=today(tenant_a), cooldown_days={}
            )
        (enrollment,) = Enrollment.objects.filter(tenant=tenant_a)

    assert enrollment.status == EnrollmentStatus.ACTIVE


def test_paused_receivers_let_a_bulk_load_pass_without_enrolling(
    tenant_a, account, jane, alice, django_capture_on_commit_callbacks
):
    from core.events import events_paused

    start = today(tenant_a) - dt.timedelta(days=250)
    with scope(tenant=tenant_a):
        with events_paused(), django_capture_on_commit_callbacks(execute=True):
            paused = renewal_services.contract_create(
                tenant=tenant_a, account=account, start_on=start, arr=Decimal(50_000), by=alice, today=today(tenant_a)
            )
        with django_capture_on_commit_callbacks(execute=True):
            live = renewal_services.contract_create(
                tenant=tenant_a, account=account, start_on=start, arr=Decimal(9_000), by=alice, today=today(tenant_a)
            )
        enrolled = set(Enrollment.objects.filter(tenant=tenant_a).values_list("anchor_ref", flat=True))

    assert enrolled == {f"renewal:{live.renewal.pk}"}
    assert f"renewal:{paused.renewal.pk}" not in enrolled
