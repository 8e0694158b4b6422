"""The engine at night scale: a batch of runs costs the same queries for one acting run or sixty (their
tasks made in one insert, their marks and statuses written in bulk), still once per run and position; and a
playbook whose cadence is gone is marked broken before it acts, not left to fail its actions."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from activities.models import Task, TaskSource
from communications.models import Cadence
from communications.services.cadences import cadences_ensure_defaults
from playbooks.models import ActionStatus, HeldReason, PlaybookRun, RunAction, RunStatus
from playbooks.services.runs import runs_process
from playbooks.services.triggers import Occurrence, occurrences_record

from ..accounts.builders import make_account
from .builders import CALL_TASK, playbook_make

pytestmark = pytest.mark.django_db

NOTE_TASK = {**CALL_TASK, "title": "Note for {{ account.name }}", "kind": "todo", "priority": "normal"}


def fired(tenant, accounts, *, n: int) -> list[int]:
    with scope(tenant=tenant):
        return occurrences_record(
            tenant=tenant,
            trigger="signal_raised",
            occurrences=[Occurrence(a.pk, f"signal:{n}:{a.pk}", {"kind": "expansion"}) for a in accounts],
        )


def processed_queries(tenant, ids) -> int:
    with scope(tenant=tenant), CaptureQueriesContext(connection) as captured:
        result = runs_process(tenant=tenant, run_ids=ids)
    assert result.done == len(ids)
    return len(captured.captured_queries)


def tasks_playbook(tenant, name="Expansion calls", **fields):
    fields.setdefault("actions", [CALL_TASK, NOTE_TASK])
    return playbook_make(
        tenant,
        name=name,
        trigger="signal_raised",
        trigger_params={"kind": "expansion"},
        conditions=[{"field": "segment", "op": "in", "value": ["enterprise", "mid_market", "smb"]}],
        enabled=True,
        **fields,
    )


def test_processing_costs_the_same_queries_for_one_acting_run_and_for_sixty(tenant_a, bob, alice, db_vendor):
    accounts = [make_account(tenant_a, n, owner=bob if n % 2 else alice) for n in range(1, 62)]
    pb = tasks_playbook(tenant_a)
    with scope(tenant=tenant_a):
        from playbooks.services.settings import playbook_settings_update

        playbook_settings_update(tenant=tenant_a, daily_cap=1000)
    one = processed_queries(tenant_a, fired(tenant_a, accounts[:1], n=1))
    sixty_ids = fired(tenant_a, accounts[1:], n=2)
    assert len(sixty_ids) == 60
    sixty = processed_queries(tenant_a, sixty_ids)
    if db_vendor == "postgresql":
        assert sixty == one
    else:
        # SQLite has no SKIP LOCKED: core.work.claim takes its rows one at a time; and it caps the values of
        # one statement, so a bulk insert of 120 tasks goes in a few.
        assert sixty <= one + 59 + 4
    with scope(tenant=tenant_a):
        tasks = list(Task.objects.filter(tenant=tenant_a, source=TaskSource.PLAYBOOK_RUN).order_by("pk"))
        runs = {run.pk: run for run in PlaybookRun.objects.filter(tenant=tenant_a, playbook=pb)}
        marks = list(RunAction.objects.filter(tenant=tenant_a, run__playbook=pb))
    # Two tasks per run, each once, for the account's owner, titled with its merge fields.
    assert len(tasks) == 2 * 61 and len({t.source_key for t in tasks}) == 2 * 61
    by_key = {t.source_key: t for t in tasks}
    for run in runs.values():
        account = next(a for a in accounts if a.pk == run.account_id)
        call, note = by_key[f"playbook_run:{run.pk}:0"], by_key[f"playbook_run:{run.pk}:1"]
        assert (call.title, call.owner_id, call.kind) == (f"Call {account.name}", account.owner_id, "call")
        assert (note.title, note.kind) == (f"Note for {account.name}", "todo")
        assert (run.status, run.finished_at is not None) == (RunStatus.DONE, True)
    # Each mark links to its task and says what was done.
    assert all(m.status == ActionStatus.DONE and m.object_kind == "task" for m in marks)
    assert {m.object_id for m in marks} == {t.pk for t in tasks}
    assert all(m.result.startswith("Task “") for m in marks)


def test_a_redelivered_batch_makes_no_task_twice(tenant_a, bob):
    accounts = [make_account(tenant_a, n, owner=bob) for n in range(1, 6)]
    tasks_playbook(tenant_a)
    ids = fired(tenant_a, accounts, n=1)
    with scope(tenant=tenant_a):
        runs_process(tenant=tenant_a, run_ids=ids)
        made = set(Task.objects.filter(tenant=tenant_a).values_list("pk", flat=True))
        # A worker died after the batch's tasks committed, before its runs were finished: claimed long ago,
        # its first run's second mark never written (as if that action had not been reached).
        long_ago = timezone.now() - dt.timedelta(days=1)
        PlaybookRun.objects.filter(tenant=tenant_a, pk__in=ids).update(status=RunStatus.RUNNING, claimed_at=long_ago)
        RunAction.objects.filter(tenant=tenant_a, run_id=ids[0], position=1).update(status=ActionStatus.PENDING)
        again = runs_process(tenant=tenant_a, run_ids=ids)
        assert again.done == 5
        # The task of the mark left pending already existed (its source key): found, not made again.
        assert set(Task.objects.filter(tenant=tenant_a).values_list("pk", flat=True)) == made
        assert RunAction.objects.get(tenant=tenant_a, run_id=ids[0], position=1).status == ActionStatus.DONE


def test_a_deleted_cadence_marks_the_playbook_broken_and_its_run_held(tenant_a, alice, bob, db_vendor):
    accounts = [make_account(tenant_a, n, owner=bob) for n in range(1, 4)]
    with scope(tenant=tenant_a):
        cadences_ensure_defaults(tenant=tenant_a)
        adoption = Cadence.objects.get(tenant=tenant_a, key="adoption")
    pb = tasks_playbook(tenant_a, name="Enrol", actions=[CALL_TASK, {"type": "enrol_cadence", "cadence": adoption.pk}])
    other = tasks_playbook(tenant_a, name="Calls only", actions=[CALL_TASK])
    with scope(tenant=tenant_a):
        # Gone since the playbook was saved (a cadence has no delete in the product yet; its row goes).
        Cadence.objects.filter(tenant=tenant_a, pk=adoption.pk).delete()
    ids = fired(tenant_a, accounts, n=1)
    assert len(ids) == 6
    with scope(tenant=tenant_a):
        result = runs_process(tenant=tenant_a, run_ids=ids)
        assert (result.held, result.done, result.failed) == (3, 3, 0)
        held = list(PlaybookRun.objects.filter(tenant=tenant_a, playbook=pb))
        assert {(r.status, r.held_reason) for r in held} == {(RunStatus.HELD, HeldReason.BROKEN)}
        # The broken playbook's runs made nothing; the other playbook acted as usual.
        assert not Task.objects.filter(tenant=tenant_a, source_id__in=[r.pk for r in held]).exists()
        assert Task.objects.filter(tenant=tenant_a, source=TaskSource.PLAYBOOK_RUN).count() == 3
        pb.refresh_from_db()
        other.refresh_from_db()
        assert pb.is_broken and not pb.is_enabled and "cadence" in pb.broken_reason.lower()
        assert other.is_enabled and not other.is_broken
        # An admin has it in their inbox, once.
        [task] = Task.objects.filter(tenant=tenant_a, source_key=f"playbook_broken:{pb.pk}:{pb.version}")
        assert task.owner_id == alice.pk
        # The next occurrence is recorded held (the playbook is off now), nothing fails.
        later = fired(tenant_a, accounts[:1], n=2)
        runs_process(tenant=tenant_a, run_ids=later)
        assert Task.objects.filter(tenant=tenant_a, source_key__startswith="playbook_broken:").count() == 1
