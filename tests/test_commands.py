import re

import pytest
from celery.signals import before_task_publish
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from communications.models import CalendarImport
from config.celery import app as celery_app
from core import tenant_time
from demo.tenancy import DEMO_PASSWORD
from tenancy.models import Membership, Role, Tenant, User

pytestmark = pytest.mark.django_db


def test_createtenant_bootstraps_tenant_and_admin(capsys):
    call_command("createtenant", "Initech", "--admin-email", "Ops@Initech.example", "--currency", "gbp")
    tenant = Tenant.objects.get(slug="initech")
    assert tenant.currency == "GBP"
    with scope(tenant=tenant):
        membership = Membership.objects.get()
    assert membership.user.email == "ops@initech.example"
    assert membership.role == Role.ADMIN
    out = capsys.readouterr().out
    password = out.split("Password for ops@initech.example: ")[1].strip()
    assert membership.user.check_password(password)


def test_createtenant_refuses_a_taken_slug():
    call_command("createtenant", "Initech", "--admin-email", "a@initech.example", "--admin-password", "x" * 12)
    with pytest.raises(CommandError, match="exists already"):
        call_command("createtenant", "Initech", "--admin-email", "b@initech.example")


# Committed for real, as under `make run`: the tasks its commits queue are sent (or run) then.
@pytest.mark.django_db(transaction=True)
def test_seed_demo_loads_two_tenants_once(capsys, caplog, client):
    # As under `make run`, the app's tasks go to a worker, which is not running yet: the demo runs its own,
    # so that it is whole when the command ends and its emails reach its in-memory mailbox.
    celery_app.conf.task_always_eager = False
    published = []

    def record(sender=None, **kwargs):
        published.append(sender)

    before_task_publish.connect(record, weak=False)
    try:
        # A week of score history and the churners' journeys with 20 more are enough here; `make run` loads all.
        call_command("seed_demo", "--score-days", "8", "--journey-accounts", "20")
    finally:
        before_task_publish.disconnect(record)
    assert published == []
    # The demo prints its own progress and nothing of the tasks it ran or of the broker.
    assert [r.getMessage() for r in caplog.records if r.name.startswith(("celery", "kombu"))] == []
    out = capsys.readouterr().out
    assert "Loaded the demo tenants" in out
    # A line per stage as soon as it is done, before the summary: what it made and how long it took.
    stages = re.findall(r"^  ([a-z ]+): \S.* \(\d+\.\d s\)$", out, re.M)
    assert stages == [
        "people",
        "accounts",
        "usage and signals",
        "health scores",
        "journeys",
        "renewals",
        "tasks and notes",
        "playbooks",
        "communications",
    ]
    assert re.search(r"^  accounts: 500 accounts with [\d,]+ contacts, 25 for Globex \(", out, re.M), out
    assert out.index("  communications: ") < out.index("Loaded the demo tenants")
    # Its retention figures come from the metrics, not from a text (the README quotes none).
    assert re.search(r"^Retention over the last 12 months: GRR \d+\.\d\d%, NRR \d+\.\d\d%\.$", out, re.M), out
    call_command("seed_demo")
    acme = Tenant.objects.get(slug="acme-analytics")
    assert acme.name == "Acme Analytics"
    assert Tenant.objects.count() == 2
    with scope(tenant=acme):
        roles = sorted(Membership.objects.values_list("role", flat=True))
    assert roles.count(Role.CSM) == 3
    assert Role.ADMIN in roles and Role.LEADER in roles
    leader = User.objects.get(email="leader@acme.example")
    assert leader.check_password(DEMO_PASSWORD)
    with scopes_disabled():
        assert Membership.objects.filter(user=leader).count() == 2
    assert "nothing to do" in capsys.readouterr().out
    with scope(tenant=acme):
        _assert_demo_health(acme)
        _assert_demo_journeys(acme)
        _assert_demo_renewals(acme)
        _assert_demo_communications(acme)
        _assert_demo_activities(acme)
        _assert_demo_playbooks(acme)
    client.force_login(User.objects.get(email="admin@acme.example"))
    with scope(tenant=acme):
        busiest, _ = _busiest_account(acme)
    pages = ["journeys:index", "journeys:analytics", ("journeys:account_journey", busiest)]
    # The demo's calendar, approvals, tasks and engagement figures render.
    pages += ["communications:index", "communications:approvals", "communications:tasks", "communications:reports"]
    with scope(tenant=acme):
        campaign = CalendarImport.objects.get(tenant=acme)
    pages += ["communications:imports", ("communications:import_detail", campaign.pk)]
    pages += [("communications:import_rejected_csv", campaign.pk)]
    with scope(tenant=acme):
        from playbooks.models import PlaybookRun

        busiest_playbook = (
            PlaybookRun.objects.filter(tenant=acme, status="done").values_list("playbook", flat=True).first()
        )
        a_run = PlaybookRun.objects.filter(tenant=acme, status="done").values_list("pk", flat=True).first()
    pages += ["activities:inbox", "playbooks:index", ("playbooks:detail", busiest_playbook), ("playbooks:run", a_run)]
    for page in pages:
        url = reverse(page[0], args=page[1:]) if isinstance(page, tuple) else reverse(page)
        assert client.get(url).status_code == 200, url


def _assert_demo_health(acme):
    """The demo's stories come out as bands, signals and explanations."""
    from accounts.models import Account
    from health.models import HealthScore, HealthSignal

    active = Account.objects.filter(tenant=acme, status="active")
    bands = set(active.values_list("health_band", flat=True))
    assert {"green", "yellow", "red"} <= bands
    assert HealthScore.objects.filter(tenant=acme).values("day").distinct().count() == 9
    kinds = set(HealthSignal.objects.filter(tenant=acme, status="open").values_list("kind", flat=True))
    assert {"power_user_inactive", "expansion", "late_payment", "nps_detractor"} <= kinds
    silent = HealthSignal.objects.filter(tenant=acme, kind="power_user_inactive").select_related("contact").first()
    assert silent.contact.name in silent.message and "inactive" in silent.message
    latest = HealthScore.objects.filter(tenant=acme, account=silent.account).order_by("-day").first()
    assert latest.measures["power_users"]["raw"] >= 21


def _assert_demo_journeys(acme):
    """Tracks in every stage, overlapping ones, regressions, a skip, stalls, churn and success plans."""
    from accounts.models import Account
    from journeys.models import FlagKind, JourneyTrack, Objective, Stage, StageTransition, TrackFlag

    tracks = JourneyTrack.objects.filter(tenant=acme).select_related("account")
    active = tracks.filter(ended_at__isnull=True)
    assert set(active.values_list("stage", flat=True)) == set(Stage.values)
    assert tracks.filter(name="Core platform").count() == Account.objects.filter(tenant=acme).count()
    assert _busiest_account(acme, segment="enterprise")[1] >= 2
    moves = StageTransition.objects.filter(tenant=acme)
    assert moves.filter(kind="regress", reason="champion_left").exists()
    assert moves.filter(kind="regress", reason="budget_cut").exists()
    assert moves.filter(kind="skip").exclude(reason_text="").exists()
    assert moves.filter(kind="reenter").exists()
    assert moves.filter(overridden=True).exclude(override_reason="").exists()
    stalled = set(active.filter(status="stalled").values_list("id", flat=True))
    open_stalled_flags = TrackFlag.objects.filter(tenant=acme, kind=FlagKind.STALLED, status="open")
    assert stalled and set(open_stalled_flags.values_list("track_id", flat=True)) == stalled
    assert TrackFlag.objects.filter(tenant=acme, kind=FlagKind.CHAMPION_LOST, status="open").exists()
    assert active.filter(status="behind").exists() and active.filter(status="on_track").exists()
    churned = tracks.filter(account__status="churned")
    assert churned.exists() and not churned.filter(ended_at__isnull=True).exists()
    for track in churned:
        assert track.ended_at.astimezone(acme.zone).date() == track.account.churned_on
    assert active.filter(stage="onboarding", checks__isnull=False).exists()
    objectives = list(Objective.objects.filter(tenant=acme, measurements__isnull=False).distinct())
    assert any(0 < objective.progress < 1 for objective in objectives)


def _assert_demo_renewals(acme):
    """Every account has its contracts, a year of outcomes that fit the stories, runways, forecasts, a pipeline."""
    import datetime as dt

    from dateutil.relativedelta import relativedelta
    from django.db.models import Sum

    from accounts.models import Account
    from health.models import HealthSignal
    from renewals.models import Checkpoint, Contract, ExpansionOpportunity, Renewal
    from renewals.selectors import metrics

    today = tenant_time.today(acme)
    accounts = Account.objects.filter(tenant=acme)
    assert not accounts.filter(contracts__isnull=True).exists()
    contracts = Contract.objects.filter(tenant=acme)
    current, past = contracts.filter(status="active"), contracts.exclude(status="active")
    assert not current.filter(end_on__lt=today).exists()
    assert not current.filter(end_on__gt=today + relativedelta(months=18)).exists()
    assert current.filter(end_on__gt=today + relativedelta(months=12)).exists()
    assert past.exists() and not past.filter(end_on__lt=today - relativedelta(months=12)).exists()
    assert not past.filter(end_on__gte=today).exists()
    # Today's ARR is the accounts demo's: the sum of each active account's contracts in force.
    totals = dict(current.values("account_id").annotate(total=Sum("current_arr")).values_list("account_id", "total"))
    for account in accounts.filter(status="active"):
        assert totals[account.pk] == account.arr, account
    churned = accounts.filter(status="churned")
    assert churned.count() >= 10
    for account in churned:
        renewal = Renewal.objects.filter(tenant=acme, account=account).order_by("-due_on").first()
        assert renewal.outcome == "churned" and renewal.outcome_reason_id, account
        assert renewal.closed_on == account.churned_on
        assert not current.filter(account=account).exists()
    closed = Renewal.objects.filter(tenant=acme, status="closed")
    assert {"renewed", "expanded", "contracted", "churned"} <= set(closed.values_list("outcome", flat=True))
    assert not closed.filter(outcome="contracted", outcome_reason__isnull=True).exists()
    assert {"multi_year", "bridge"} <= {lever for levers in closed.values_list("levers", flat=True) for lever in levers}
    assert closed.filter(new_contract__isnull=False).count() == closed.exclude(outcome="churned").count()
    open_renewals = Renewal.objects.filter(tenant=acme, status="open")
    assert open_renewals.count() == current.count()
    assert contracts.filter(amendments__kind="seats_added").exists()
    assert contracts.filter(amendments__kind="downgrade").exists()
    # Runways: past checkpoints mostly done, some skipped with a note, a few overdue; a late start, compressed.
    past_due = Checkpoint.objects.filter(tenant=acme, renewal__status="open", task__due_on__lt=today)
    assert past_due.filter(task__status="done").count() > past_due.filter(task__status="open").count() > 0
    assert past_due.filter(task__status="skipped").exclude(task__outcome_note="").exists()
    late = open_renewals.filter(is_late_start=True).first()
    assert late is not None and (late.due_on - late.runway_started_on).days == 45
    assert any(checkpoint.is_compressed for checkpoint in late.checkpoints.select_related("task"))
    assert not late.checkpoints.filter(task__due_on__lt=late.runway_started_on).exists()
    # Forecasts: every open renewal suggested; overrides with reasons, one flagged inside T-60, one acknowledged.
    assert not open_renewals.filter(suggested_at__isnull=True).exists()
    assert set(open_renewals.values_list("forecast", flat=True)) == {"commit", "best_case", "at_risk"}
    overrides = open_renewals.filter(is_override=True)
    assert overrides.count() >= 5 and not overrides.filter(override_reason="").exists()
    flagged = overrides.filter(needs_review=True).first()
    assert flagged and flagged.forecast != flagged.suggested_forecast and flagged.days_left(today) <= 60
    assert overrides.filter(reviewed_by__isnull=False, needs_review=False).exists()
    # The pipeline: one opportunity per expansion signal, manual ones in every stage, won ones amend a contract.
    opportunities = ExpansionOpportunity.objects.filter(tenant=acme)
    signals = HealthSignal.objects.filter(tenant=acme, status="open", kind__in=["expansion", "locked_feature"])
    raised = opportunities.filter(health_signal__isnull=False)
    assert raised.count() == raised.values("health_signal").distinct().count() > 0
    assert set(raised.values_list("health_signal_id", flat=True)) <= set(signals.values_list("id", flat=True))
    for signal in signals:
        source = "seat_saturation" if signal.kind == "expansion" else "locked_feature"
        assert opportunities.filter(account_id=signal.account_id, source=source).exists(), signal
    assert set(opportunities.values_list("stage", flat=True)) == {"identified", "qualified", "proposed", "won", "lost"}
    assert opportunities.filter(handed_to_sales=True).exists()
    assert not opportunities.filter(stage="lost", lost_reason="").exists()
    won = opportunities.filter(stage="won")
    assert won.count() == won.filter(amendment__isnull=False).count() > 0
    # A year of retention with churn, contraction and expansion, in plausible bounds, and by every grouping.
    start, end = today - relativedelta(months=12), today + dt.timedelta(days=1)
    (book,) = metrics.retention(tenant=acme, start=start, end=end)
    assert book.churn > 0 and book.contraction > 0 and book.expansion > 0
    assert 0.85 <= book.grr <= 0.97 and 1.0 <= book.nrr <= 1.15, (book.grr, book.nrr)
    for grouping in ("segment", "tier", "csm", "cohort"):
        rows = metrics.retention(tenant=acme, start=start, end=end, group_by=grouping)
        assert len(rows) >= 2 and all(row.grr is not None for row in rows if row.starting_arr)


def _assert_demo_communications(acme):
    """A month sent and a month planned across every team, the rules at work, and engagement to report."""
    import datetime as dt

    from django.db.models import Count
    from django.utils import timezone

    from activities.models import Task
    from communications import services
    from communications.models import (
        Approval,
        CalendarEntry,
        Delivery,
        EngagementEvent,
        Enrollment,
        Notification,
        PreferenceChange,
    )
    from communications.selectors.reports import engagement_report
    from tenancy.models import Team

    now, today = timezone.now(), tenant_time.today(acme)
    month = dt.timedelta(days=31)
    entries = CalendarEntry.objects.filter(tenant=acme)
    sent = entries.filter(status="sent", sent_at__gte=now - month, sent_at__lt=now)
    assert sent.count() >= 50
    assert set(sent.values_list("team", flat=True)) == set(Team.values)
    # Delivered by the outbox at the time they were due, not when the demo ran.
    deliveries = Delivery.objects.filter(tenant=acme, entry__in=sent)
    assert (
        deliveries.count() >= sent.count()
        and not deliveries.filter(created_at__gte=now - dt.timedelta(hours=1)).exists()
    )
    assert deliveries.filter(channel="in_app", status="read").exists()
    # One send a worker stopped in the middle of: partly sent, its unknown recipient named for a resend.
    (partly,) = list(sent.filter(unreached_count__gt=0))
    assert partly.is_partly_sent and "not reached: a worker stopped" in partly.status_reason
    assert deliveries.filter(entry=partly, status="sending").count() == partly.unreached_count == 1
    assert Task.objects.filter(
        tenant=acme, source="cadence_step", kind="call", status="done", closed_at__lt=now
    ).exists()
    live = ["scheduled", "deferred", "pending_approval"]
    planned = entries.filter(status__in=live, scheduled_at__gt=now, scheduled_at__lte=now + month)
    assert planned.count() >= 50
    assert set(planned.values_list("team", flat=True)) == set(Team.values)
    assert set(planned.values_list("channel", flat=True)) >= {"email", "in_app", "call"}
    # The rules: a send over the cap moved with its reason, a bulk newsletter waiting, the conflicts shown.
    deferred = planned.filter(status="deferred", planned_at__isnull=False, status_reason__startswith="Deferred to")
    assert deferred.filter(status_reason__contains="(cap 2)").exists()
    threshold = services.communication_settings(tenant=acme).bulk_threshold
    waiting = planned.filter(status="pending_approval", team="marketing", recipient_count__gt=threshold)
    assert waiting.exists()
    assert Approval.objects.filter(tenant=acme, entry__in=waiting, decision="requested").exists()
    conflicts = services.entries_conflicts(tenant=acme, entries=list(planned))
    kinds = {conflict.kind for found in conflicts.values() for conflict in found}
    assert {"same_day", "teams_same_week", "blackout"} <= kinds
    assert any("open P1 ticket" in c.message for found in conflicts.values() for c in found if c.kind == "blackout")
    # Engagement over the month, as the reports page figures it.
    report = engagement_report(tenant=acme, start=today - dt.timedelta(days=30), end=today)
    assert report.total.sent >= 100
    assert 10 <= report.total.open_rate <= 40, report.total.open_rate
    assert 0 < report.total.clicked < report.total.opened
    assert report.total.unsubscribed >= 2
    sources = set(
        PreferenceChange.objects.filter(tenant=acme, to_choice="none", at__lt=now).values_list("source", flat=True)
    )
    assert {"one_click", "preference_centre"} <= sources
    assert EngagementEvent.objects.filter(tenant=acme, kind="reply", at__lt=now).exists()
    assert EngagementEvent.objects.filter(tenant=acme, kind="meeting").exists()
    # Cadences: new accounts onboarding, renewals due soon, on the anchors the cadences' receivers use (so a
    # renewal signed later exits its cadence, and a receiver finds the enrolment instead of repeating it).
    active = Enrollment.objects.filter(tenant=acme, status="active")
    assert {"onboarding", "renewal"} <= set(active.values_list("cadence__key", flat=True))
    renewal = active.filter(cadence__key="renewal")
    assert not renewal.exclude(anchor_ref__regex=r"^renewal:[0-9]+$").exists()
    assert not renewal.values("account").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert not active.filter(cadence__key="onboarding").exclude(anchor_ref__regex=r"^track:[0-9]+:onboarding$").exists()
    assert entries.filter(source="cadence", status__in=live).exists()
    assert Notification.objects.filter(tenant=acme, status="sent").exists()
    # A campaign file imported: its good rows on the calendar, two bad ones skipped with why, as a file to fix.
    (campaign,) = list(CalendarImport.objects.filter(tenant=acme))
    assert (campaign.status, campaign.rejected_count) == ("done", 2) and campaign.rejected_file
    assert [e["column"] for e in campaign.errors] == ["account", "scheduled at"]
    assert entries.filter(calendar_import=campaign, source="campaign_import").count() == campaign.created_count == 6


def _assert_demo_activities(acme):
    """Every CSM has open work in every section of the inbox and done tasks with notes; accounts have notes."""
    import datetime as dt

    from activities.models import Note, Task

    today = tenant_time.today(acme)
    for csm in Membership.objects.filter(tenant=acme, role=Role.CSM).select_related("user"):
        mine = Task.objects.filter(tenant=acme, owner=csm.user)
        live = mine.filter(status="open")
        assert live.filter(due_on__lt=today).exists() and live.filter(due_on=today).exists(), csm.user
        assert live.filter(due_on__gt=today + dt.timedelta(days=7)).exists(), csm.user
        done = mine.filter(status="done", source="manual")
        assert done.exists() and not done.filter(outcome_note="").exists()
        assert done.filter(closed_at__date__lt=today).exists()
        assert Note.objects.filter(tenant=acme, author=csm.user).values("account").distinct().count() >= 10
    # A note written when closing a task is on the account's timeline too.
    assert Note.objects.filter(tenant=acme, task__isnull=False).exists()


def _assert_demo_playbooks(acme):
    """Playbooks on with months of runs: acted, skipped and held ones, their tasks done and open."""
    import datetime as dt

    from django.db.models import F
    from django.utils import timezone

    from activities.models import Task
    from playbooks.models import Playbook, PlaybookRun, RunAction

    enabled = Playbook.objects.filter(tenant=acme, is_enabled=True)
    assert enabled.count() >= 6
    runs = PlaybookRun.objects.filter(tenant=acme)
    assert runs.filter(fired_at__lt=timezone.now() - dt.timedelta(days=60)).exists()
    # (The test's demo scores 8 days: too few band changes for the conditions to turn any away.)
    assert {"done", "held"} <= set(runs.values_list("status", flat=True))
    assert runs.filter(status="held", held_reason="disabled").exists()
    acted = runs.filter(status="done")
    assert acted.values("playbook").distinct().count() >= 3
    assert not RunAction.objects.filter(tenant=acme, run__in=acted).exclude(status="done").exists()
    made = Task.objects.filter(tenant=acme, source="playbook_run")
    assert made.filter(status="done").exclude(outcome_note="").exists() and made.filter(status="open").exists()
    assert not made.filter(closed_at__lt=F("created_at")).exists()


def _busiest_account(acme, segment: str = "") -> tuple[int, int]:
    """The account with the most active tracks, and how many it has."""
    from django.db.models import Count

    from journeys.models import JourneyTrack

    active = JourneyTrack.objects.filter(tenant=acme, ended_at__isnull=True)
    if segment:
        active = active.filter(account__segment=segment)
    busiest = active.values("account_id").annotate(n=Count("id")).order_by("-n", "account_id").first()
    return busiest["account_id"], busiest["n"]


def test_createtenant_explains_a_bad_currency():
    with pytest.raises(CommandError, match="is not a currency code"):
        call_command("createtenant", "Initech", "--admin-email", "a@initech.example", "--currency", "euros")
    assert not Tenant.objects.filter(slug="initech").exists()
    assert not User.objects.filter(email="a@initech.example").exists()
