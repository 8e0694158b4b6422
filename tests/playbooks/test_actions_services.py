"""Each action a run takes, through the owning app's own service, with what it made recorded on the run; and
each action as a sentence for the pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scope

from accounts import services as account_services
from accounts.models import Account, TierOverride
from accounts.services.tiers import tiers_create_defaults
from communications.models import Cadence, CalendarEntry, Enrollment, EntryStatus, Notification
from communications.services.cadences import cadence_save, cadences_ensure_defaults
from core import tenant_time
from journeys.models import Objective
from playbooks.models import ActionStatus, PlaybookRun, RunAction, RunStatus
from playbooks.services.actions import action_describe
from playbooks.services.runs import runs_process
from playbooks.services.triggers import Occurrence, occurrences_record
from renewals.models import ExpansionOpportunity, OpportunitySource

from ..accounts.builders import make_account
from .builders import playbook_make

pytestmark = pytest.mark.django_db


def acted(tenant, account, *actions, n=1, before=None) -> list[RunAction]:
    """A playbook of these actions fired once for the account and processed; its actions' marks. `before`
    runs between saving the playbook and the firing (what changed since it was saved)."""
    pb = playbook_make(
        tenant,
        name=f"Acts {n}",
        trigger="signal_raised",
        trigger_params={"kind": "expansion"},
        conditions=[],
        actions=list(actions),
        enabled=True,
    )
    with scope(tenant=tenant):
        if before is not None:
            before()
        ids = occurrences_record(
            tenant=tenant,
            trigger="signal_raised",
            occurrences=[Occurrence(account.pk, f"signal:{n}", {"kind": "expansion"})],
        )
        runs_process(tenant=tenant, run_ids=ids)
        run = PlaybookRun.objects.get(tenant=tenant, playbook=pb)
        return list(RunAction.objects.filter(tenant=tenant, run=run).order_by("position"))


def test_enrol_cadence_enrols_the_account_once_per_run(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    with scope(tenant=tenant_a):
        cadences_ensure_defaults(tenant=tenant_a)
        adoption = Cadence.objects.get(tenant=tenant_a, key="adoption")
    [mark] = acted(tenant_a, account, {"type": "enrol_cadence", "cadence": adoption.pk})
    assert (mark.status, mark.object_kind) == (ActionStatus.DONE, "enrollment")
    with scope(tenant=tenant_a):
        enrollment = Enrollment.objects.get(tenant=tenant_a, pk=mark.object_id)
    assert (enrollment.cadence_id, enrollment.account_id) == (adoption.pk, account.pk)
    assert enrollment.anchor_ref == f"playbook_run:{mark.run_id}"


def test_enrolling_in_a_cadence_that_does_not_take_the_account_fails_with_why(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    with scope(tenant=tenant_a):
        cadences_ensure_defaults(tenant=tenant_a)
        adoption = Cadence.objects.get(tenant=tenant_a, key="adoption")

    def for_green_only():
        # Still a valid definition (a switched-off or deleted cadence marks the playbook broken instead:
        # tests/playbooks/test_engine_broken.py), but this account is not in the cadence's bands.
        cadence_save(tenant=tenant_a, cadence=adoption, health_bands=["green"])

    task = {"type": "create_task", "title": "Still made", "assignee": "owner"}
    marks = acted(tenant_a, account, {"type": "enrol_cadence", "cadence": adoption.pk}, task, before=for_green_only)
    assert [m.status for m in marks] == [ActionStatus.FAILED, ActionStatus.DONE]
    assert marks[0].error == "The cadence Adoption nurture does not take accounts in this health band."
    with scope(tenant=tenant_a):
        assert PlaybookRun.objects.get(pk=marks[0].run_id).status == RunStatus.PARTIAL


def test_notify_alerts_the_owner_once_with_merge_fields_filled(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    [mark] = acted(
        tenant_a, account, {"type": "notify", "message": "{{ account.name }} is ready", "recipient": "owner"}
    )
    with scope(tenant=tenant_a):
        notification = Notification.objects.get(tenant=tenant_a, pk=mark.object_id)
    assert (notification.recipient_id, notification.text) == (bob.pk, "Account 001 is ready")
    assert notification.source_key == f"playbook_run:{mark.run_id}:0"


def test_tier_upgrade_holds_the_account_a_tier_higher_for_the_days_given(tenant_a, bob):
    with scope(tenant=tenant_a):
        tiers_create_defaults(tenant=tenant_a)
    account = make_account(tenant_a, 1, owner=bob, acv=40_000)
    [mark] = acted(tenant_a, account, {"type": "tier_upgrade", "days": 60})
    assert mark.status == ActionStatus.DONE, mark.error
    with scope(tenant=tenant_a):
        account = Account.objects.select_related("service_tier").get(pk=account.pk)
    assert account.tier_override == TierOverride.AT_RISK_UPGRADE
    assert account.tier_override_until == tenant_time.today(tenant_a) + dt.timedelta(days=60)
    assert account.service_tier.name == "High touch"


def test_open_opportunity_adds_one_to_the_pipeline_from_the_playbook(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    [mark] = acted(
        tenant_a, account, {"type": "open_opportunity", "title": "Seats for {{ account.name }}", "amount": 12000}
    )
    with scope(tenant=tenant_a):
        opportunity = ExpansionOpportunity.objects.get(tenant=tenant_a, pk=mark.object_id)
    assert (opportunity.title, opportunity.value, opportunity.source) == (
        "Seats for Account 001",
        Decimal(12000),
        OpportunitySource.PLAYBOOK,
    )
    assert opportunity.owner_id == bob.pk


def test_add_objective_writes_a_success_plan_objective(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    action = {
        "type": "add_objective",
        "title": "Cut onboarding time",
        "metric": "Days to first report",
        "baseline": 30,
        "target": 10,
        "due_in_days": 90,
    }
    [mark] = acted(tenant_a, account, action)
    with scope(tenant=tenant_a):
        objective = Objective.objects.get(tenant=tenant_a, pk=mark.object_id)
    assert (objective.account_id, objective.baseline, objective.target) == (account.pk, 30, 10)
    assert objective.due_on == tenant_time.today(tenant_a) + dt.timedelta(days=90)
    # A target equal to its baseline is journeys' rule to refuse: the action fails and says why.
    [refused] = acted(tenant_a, account, {**action, "target": 30}, n=2)
    assert refused.status == ActionStatus.FAILED and "target must differ" in refused.error


def test_calendar_entry_plans_a_touchpoint_and_keeps_a_draft_when_nobody_can_receive_it(tenant_a, bob):
    account = make_account(tenant_a, 1, owner=bob)
    entry_action = {
        "type": "calendar_entry",
        "title": "Tips for {{ account.name }}",
        "message_type": "educational",
        "channel": "email",
        "in_days": 3,
    }
    [draft_mark] = acted(tenant_a, account, entry_action)
    with scope(tenant=tenant_a):
        draft = CalendarEntry.objects.get(tenant=tenant_a, pk=draft_mark.object_id)
        assert draft.status == EntryStatus.DRAFT and draft.status_reason.startswith("Not scheduled:")
        account_services.contact_create(
            tenant=tenant_a, account=account, name="Jane Roe", email="jane@acme.example", roles=["champion"]
        )
    [mark] = acted(tenant_a, account, entry_action, n=2)
    with scope(tenant=tenant_a):
        entry = CalendarEntry.objects.get(tenant=tenant_a, pk=mark.object_id)
    assert entry.status == EntryStatus.SCHEDULED, entry.status_reason
    assert entry.scheduled_at.astimezone(tenant_a.zone).date() == tenant_time.today(tenant_a) + dt.timedelta(days=3)
    assert (entry.owner_id, entry.subject) == (bob.pk, "Tips for {{ account.name }}")


def test_each_action_reads_as_a_sentence(tenant_a, bob):
    with scope(tenant=tenant_a):
        cadences_ensure_defaults(tenant=tenant_a)
        adoption = Cadence.objects.get(tenant=tenant_a, key="adoption")

        def said(action):
            return action_describe(action=action, tenant=tenant_a)

        task = {"type": "create_task", "title": "Call", "due_in_days": 2, "assignee": f"user:{bob.pk}"}
        assert said(task) == "Create a task “Call” for Bob Csm, due in 2 business days"
        assert said({**task, "assignee": "role:leader"}).startswith("Create a task “Call” for the first CS leader")
        assert said({"type": "enrol_cadence", "cadence": adoption.pk}) == "Enrol in the cadence Adoption nurture"
        assert said({"type": "enrol_cadence", "cadence": 0}) == "Enrol in a cadence that no longer exists"
        assert said({"type": "tier_upgrade", "days": 30}) == "Give the account more touch for 30 days"
        assert said({"type": "set_forecast", "category": "at_risk", "reason": "x"}).startswith("Set the open renewal")
        assert said({"type": "nonsense"}) == "Unknown action 'nonsense'"
