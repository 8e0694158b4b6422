"""The demo's hand-made work: tasks every CSM wrote for themselves (some overdue, some today, most ahead, a
few done with what came of them) and the calls, meetings and emails they logged on their accounts, so the
inbox and the account timelines read like a working team's. Tasks the apps make (renewal checkpoints,
cadence steps, playbook runs) come from those apps' own demo stages."""

import datetime as dt
import random

from django.utils import timezone
from django_scopes import scope

from accounts.models import Account, AccountStatus
from activities.models import NoteKind, Priority, Task, TaskKind, TaskStatus
from activities.services.notes import note_log
from activities.services.tasks import TaskDraft, task_close, task_create
from core import tenant_time
from demo.tenancy import DemoPeople

# (title, kind, priority, due in days from today (negative: overdue), done with this note or "")
TASKS = [
    ("Prepare the QBR deck for {account}", TaskKind.TO_DO, Priority.HIGH, 3, ""),
    ("Call {account}'s sponsor about the budget freeze", TaskKind.CALL, Priority.HIGH, -2, ""),
    ("Send {account} the SSO setup guide", TaskKind.EMAIL, Priority.NORMAL, 0, ""),
    ("Check in with {account}'s new admin", TaskKind.CALL, Priority.NORMAL, 1, ""),
    ("Review {account}'s seat usage before the renewal talk", TaskKind.TO_DO, Priority.NORMAL, 9, ""),
    ("Book the executive business review with {account}", TaskKind.MEETING, Priority.LOW, 16, ""),
    (
        "Follow up on {account}'s support escalation",
        TaskKind.CALL,
        Priority.HIGH,
        -9,
        "Spoke to their IT lead: the export bug is fixed in 4.2, they confirmed it works. Escalation closed.",
    ),
    (
        "Walk {account} through the new reporting module",
        TaskKind.MEETING,
        Priority.NORMAL,
        -5,
        "45-minute session with 6 analysts; they want the scheduled exports next. Sent the recording.",
    ),
]
NOTES = [
    (NoteKind.CALL, "Monthly check-in", "Usage is steady; they plan to add the finance team in Q1. No open issues."),
    (
        NoteKind.MEETING,
        "QBR",
        "Reviewed adoption against their goals: 3 of 4 on track. Agreed on a data-quality workshop.",
    ),
    (
        NoteKind.EMAIL,
        "Renewal timeline",
        "Sent the renewal timeline and asked who signs this year; waiting for an answer.",
    ),
    (
        NoteKind.CALL,
        "Champion change",
        "Our champion moves to another team next month; she will introduce her successor.",
    ),
    (NoteKind.NOTE, "Procurement", "Procurement wants a 3-year option with a price cap; discussed with sales."),
    (NoteKind.MEETING, "Onboarding kick-off", "Kick-off with 4 admins; SSO next week, first dashboards by month end."),
]


def seed(people: DemoPeople) -> dict[str, int]:
    tenant = people.tenant
    rng = random.Random(17)
    today = tenant_time.today(tenant)
    made = {"tasks": 0, "done": 0, "notes": 0}
    with scope(tenant=tenant):
        for csm in people.csms:
            book = list(
                Account.objects.filter(tenant=tenant, owner=csm, status=AccountStatus.ACTIVE).order_by("-arr", "id")[
                    :40
                ]
            )
            if not book:
                continue
            for index, (title, kind, priority, due_in, done_note) in enumerate(TASKS):
                account = book[(index * 3) % len(book)]
                task, _ = task_create(
                    tenant=tenant,
                    draft=TaskDraft(
                        title=title.format(account=account.name),
                        due_on=today + dt.timedelta(days=due_in),
                        owner_id=csm.pk,
                        account_id=account.pk,
                        kind=kind,
                        priority=priority,
                        created_by_id=csm.pk,
                        source_key=f"demo:{csm.pk}:{index}",
                    ),
                )
                made["tasks"] += 1
                if done_note:
                    task_close(tenant=tenant, task=task, status=TaskStatus.DONE, by=csm, note=done_note)
                    # Closed on its due day, as the CSM did it then (the effectiveness figures read these times).
                    closed_at = tenant_time.at(tenant, task.due_on, dt.time(15, 30))
                    Task.objects.filter(tenant=tenant, pk=task.pk).update(closed_at=closed_at)
                    task.notes.update(happened_at=closed_at)
                    made["done"] += 1
            for account in book[:14]:
                for kind, subject, body in rng.sample(NOTES, 2):
                    happened_at = timezone.now() - dt.timedelta(days=rng.randint(2, 75), hours=rng.randint(0, 8))
                    note_log(
                        tenant=tenant,
                        account=account,
                        author=csm,
                        kind=kind,
                        subject=subject,
                        body=body,
                        happened_at=happened_at,
                    )
                    made["notes"] += 1
        # An internal task without an account: the leader's own work.
        task_create(
            tenant=tenant,
            draft=TaskDraft(
                title="Review the team's renewal forecast before the board meeting",
                due_on=today + dt.timedelta(days=2),
                owner_id=people.leader.pk,
                priority=Priority.HIGH,
                created_by_id=people.leader.pk,
                source_key="demo:leader:forecast-review",
            ),
        )
        made["tasks"] += 1
    return made
