"""The demo's playbooks: five of the shipped defaults switched on beside two of the admin's own, and four months
of their runs replayed from the stored history (the signals, band changes, stalls and milestones the earlier
stages wrote), each run through the engine as it would have gone that day: conditions, cool-downs, actions.
The tasks those runs made are due when they were due then; the CSMs worked most of them (done with what came
of it, a few skipped), the last two weeks' are open in the inbox. Playbooks switched off keep their held runs:
the comparison group the effectiveness cards read.

Left off: "Seats 80% used" (renewals already opens the opportunity from the same signal) and "Renewal runway
checkpoint" (renewals makes each checkpoint's task itself): switched on, both would double the demo's work.
"""

import datetime as dt
import random

from django.db.models import F, OuterRef, Subquery
from django_scopes import scope

from activities.models import Task, TaskSource, TaskStatus
from activities.services.tasks import task_close
from core import tenant_time
from demo.tenancy import DemoPeople
from playbooks.models import Playbook, PlaybookRun, RunAction, RunStatus
from playbooks.services.history import HISTORY
from playbooks.services.playbooks import playbook_create, playbook_enable
from playbooks.services.runs import runs_process
from playbooks.services.settings import playbook_settings, playbook_settings_update
from playbooks.services.triggers import Occurrence, occurrences_record

REPLAY_DAYS = 120
# Open in the inbox: what the runs of the last two weeks made; older work was done (or skipped) then.
STILL_OPEN_DAYS = 14
ENABLED_DEFAULTS = ("health_drop", "power_user_quiet", "locked_feature", "onboarding_milestone", "champion_left")
OWN = [
    {
        "name": "Red enterprise account: call the sponsor",
        "description": "Health turns red for an enterprise account: the sponsor hears from us within two days.",
        "trigger": "band_changed",
        "trigger_params": {"to": "red"},
        "conditions": [{"field": "segment", "op": "in", "value": ["enterprise"]}],
        "actions": [
            {
                "type": "create_task",
                "title": "Call the sponsor at {{ account.name }}: health is red",
                "details": "Find out what changed; agree a recovery plan and a date to review it.",
                "kind": "call",
                "priority": "high",
                "due_in_days": 2,
                "assignee": "owner",
                "fallback": "role:leader",
            }
        ],
        "cooldown_days": 30,
        "outcome_measure": "health_recovery",
    },
    {
        "name": "Stalled in a stage: unblock the account",
        "description": "When a journey track stays in its stage longer than the segment's expectation.",
        "trigger": "track_stalled",
        "trigger_params": {},
        "conditions": [{"field": "arr", "op": "gte", "value": 10000}],
        "actions": [
            {
                "type": "create_task",
                "title": "Unblock {{ account.name }}: the journey has stalled",
                "details": "Check the exit criteria that are missing and agree the next step with the customer.",
                "kind": "meeting",
                "priority": "normal",
                "due_in_days": 5,
                "assignee": "owner",
                "fallback": "role:leader",
            }
        ],
        "cooldown_days": 45,
        "outcome_measure": "health_recovery",
    },
]
DONE_NOTES = [
    "Reached the sponsor; agreed a recovery plan with a review in three weeks.",
    "Call held: the dip was a reorganisation on their side, usage is coming back.",
    "Walked their admins through the feature they were missing; they will roll it out to two more teams.",
    "Sent the guide and booked a follow-up; the champion confirmed the next steps.",
    "Met the new project lead; she becomes our champion. Updated the contacts.",
]


def _occurrence_key(trigger: str, seen) -> str:
    """The key the live receiver gives the same news, so a later delivery of it finds this run."""
    facts = seen.facts
    for name, prefix in (("signal_id", "signal"), ("track_flag_id", "flag"), ("milestone_id", "milestone")):
        if facts.get(name):
            return f"{prefix}:{facts[name]}"
    return f"replay:{trigger}:{seen.account_id}:{seen.at.isoformat()}"


def seed(people: DemoPeople) -> dict[str, int]:
    tenant = people.tenant
    rng = random.Random(1717)
    today = tenant_time.today(tenant)
    made = {"enabled": 0, "runs": 0, "acted": 0, "skipped": 0, "held": 0, "tasks": 0}
    with scope(tenant=tenant):
        playbooks = list(Playbook.objects.filter(tenant=tenant, default_key__in=ENABLED_DEFAULTS))
        playbooks += [playbook_create(tenant=tenant, by=people.admin, **fields) for fields in OWN]
        for playbook in playbooks:
            playbook_enable(tenant=tenant, playbook=playbook, by=people.admin)
        made["enabled"] = len(playbooks)
        # The replay acts four months of runs today; the tenant's cap is for one day's.
        cap = playbook_settings(tenant=tenant).daily_cap
        playbook_settings_update(tenant=tenant, daily_cap=100_000)
        triggers = sorted({playbook.trigger for playbook in Playbook.objects.filter(tenant=tenant)} & set(HISTORY))
        for back in range(REPLAY_DAYS, -1, -1):
            day = today - dt.timedelta(days=back)
            for trigger in triggers:
                seen = sorted(HISTORY[trigger](tenant, day), key=lambda s: s.at)
                for moment in sorted({s.at for s in seen}):
                    batch = [
                        Occurrence(s.account_id, _occurrence_key(trigger, s), s.facts, fired_at=s.at)
                        for s in seen
                        if s.at == moment
                    ]
                    pending = occurrences_record(tenant=tenant, trigger=trigger, occurrences=batch)
                    if pending:
                        runs_process(tenant=tenant, run_ids=pending, now=moment)
        playbook_settings_update(tenant=tenant, daily_cap=cap)
        runs = PlaybookRun.objects.filter(tenant=tenant)
        # Finished when they fired (the replay ran them all today).
        runs.update(finished_at=F("fired_at"))
        fired = PlaybookRun.objects.filter(tenant=tenant, pk=OuterRef("run_id")).values("fired_at")[:1]
        RunAction.objects.filter(tenant=tenant).update(at=Subquery(fired))
        made["runs"] = runs.count()
        made["acted"] = runs.filter(status__in=[RunStatus.DONE, RunStatus.PARTIAL]).count()
        made["skipped"] = runs.filter(status=RunStatus.SKIPPED).count()
        made["held"] = runs.filter(status=RunStatus.HELD).count()
        made["tasks"] = _tasks_as_then(tenant, people, rng, today)
    return made


def _tasks_as_then(tenant, people: DemoPeople, rng: random.Random, today: dt.date) -> int:
    """The runs' tasks due when they were due then, and worked as a team works them."""
    fired = dict(PlaybookRun.objects.filter(tenant=tenant).values_list("pk", "fired_at"))
    tasks = list(Task.objects.filter(tenant=tenant, source=TaskSource.PLAYBOOK_RUN).select_related("owner"))
    for task in tasks:
        fired_at = fired.get(task.source_id)
        if fired_at is None:
            continue
        made_on = tenant_time.day_of(tenant, fired_at)
        due_on = tenant_time.business_days_after(made_on, max(0, (task.due_on - today).days))
        Task.objects.filter(tenant=tenant, pk=task.pk).update(due_on=due_on, created_at=fired_at)
        task.due_on = due_on
        if (today - made_on).days <= STILL_OPEN_DAYS:
            continue
        worker = task.owner or people.leader
        if rng.random() < 0.1:
            task_close(tenant=tenant, task=task, status=TaskStatus.SKIPPED, by=worker, note="Covered in the QBR.")
        else:
            task_close(tenant=tenant, task=task, status=TaskStatus.DONE, by=worker, note=rng.choice(DONE_NOTES))
        closed_at = tenant_time.at(tenant, due_on, dt.time(10)) + dt.timedelta(
            days=rng.choice([-1, 0, 0, 1, 2, 4]), hours=rng.randint(0, 7)
        )
        Task.objects.filter(tenant=tenant, pk=task.pk).update(closed_at=max(closed_at, fired_at))
        task.notes.update(happened_at=max(closed_at, fired_at))
    return len(tasks)
