"""What playbooks add to a night that raises thousands of signals, against the nightly recompute itself, and
what the task inbox costs for a CSM with 2,000 open tasks.

Data (bench/health_data.py, as for health_recompute.py): one tenant with 10,000 accounts, 200,000 contacts and
20 million events (`--scale` shrinks them), owned by 20 CSMs; snapshots of 30 and 7 days ago and a first run of
today, so the measured run is a steady-state night. Then the open signals of enough accounts are deleted that
the measured run raises about 2,000 signals again, and 20 playbooks are enabled (every signal kind, band
changes, score drops; conditions on segment, ARR and band; actions: tasks, tier upgrades, calendar entries).

Measured, in the same run, one worker (in-process, as in health_recompute.py (b)):

(r) the recompute of every account (`health.services.runs.batch_process` on every batch), whose
    `signals_changed` news is written to the outbox; only playbooks' receivers are left to run on it (the
    other apps' are paused, so the figure is playbooks' own);
(p) playbooks' share: the outbox rows dispatched (the receiver turns signals into occurrences and records
    runs) and every waiting run processed (`playbooks.services.runs.runs_process` in the engine's batches:
    conditions, cool-down, the daily cap, actions). Goal: (p)/(r) under 0.5.
    The queries of one trigger batch are counted for 1 and for all of the night's signals (a test asserts
    it is constant: tests/playbooks/test_engine_triggers.py).
(i) the inbox (GET /tasks/) for a CSM with 2,000 open tasks, 40 requests through the whole stack, p50/p95
    (goal p95 < 150 ms), against the bare SQL count of those tasks.

    .venv/bin/python bench/playbooks.py --scale 0.05   # 500 accounts
    .venv/bin/python bench/playbooks.py                # 10,000 accounts, 20M events
"""

import argparse
import cProfile
import datetime as dt
import math
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_PLAYBOOKS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_playbooks")
# health_recompute.py's helpers read their database from BENCH_DATABASE_URL when imported.
os.environ["BENCH_DATABASE_URL"] = DATABASE_URL
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.pop("REDIS_URL", None)  # the broker is in memory: nothing consumes the tasks; this script runs them
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["HTTPS_ONLY"] = "false"
os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
os.environ.setdefault("LOG_LEVEL", "WARNING")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

from bench import database  # noqa: E402
from bench.database import QueryCount  # noqa: E402
from bench.health_data import generate  # noqa: E402
from bench.health_profile import machine  # noqa: E402
from bench.health_recompute import in_workers, one_worker, plan_run, run_check, vacuum  # noqa: E402

CSMS = 20
TARGET_SIGNALS = 2000
INBOX_TASKS = 2000
INBOX_REQUESTS = 40


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def people(tenant) -> list:
    """20 CSMs, each owning a 20th of the accounts (round robin)."""
    from django.db import connection
    from django_scopes import scope

    from tenancy import services
    from tenancy.models import Membership, Role

    csms = []
    with scope(tenant=tenant):
        for n in range(CSMS):
            user = services.user_create(email=f"csm{n}@bench.example", full_name=f"CSM {n}", password="x")
            Membership.objects.create(tenant=tenant, user=user, role=Role.CSM)
            csms.append(user)
    ids = [user.pk for user in csms]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_account SET owner_id = (%s::bigint[])[1 + (id %% %s)] WHERE tenant_id = %s",
            [ids, len(ids), tenant.pk],
        )
    return csms


def playbooks_enable(tenant, admin) -> int:
    """20 playbooks on the night's triggers, enabled."""
    from django_scopes import scope

    from health.peers import SIGNAL_KINDS
    from playbooks.services.playbooks import playbook_create, playbook_enable

    task = {
        "type": "create_task",
        "title": "Look at {{ account.name }}",
        "kind": "call",
        "priority": "high",
        "due_in_days": 2,
        "assignee": "owner",
        "fallback": "role:admin",
    }
    definitions = []
    for kind, label in SIGNAL_KINDS:
        definitions.append((f"{label}: task", "signal_raised", {"kind": kind}, [], [task]))
        definitions.append(
            (
                f"{label}: enterprise and mid-market",
                "signal_raised",
                {"kind": kind},
                [{"field": "segment", "op": "in", "value": ["enterprise", "mid_market"]}],
                [
                    task,
                    {
                        "type": "calendar_entry",
                        "title": "Check-in",
                        "message_type": "relationship",
                        "channel": "email",
                        "in_days": 3,
                    },
                ],
            )
        )
    for band in ("red", "yellow"):
        definitions.append(
            (
                f"Turned {band}: more touch",
                "band_changed",
                {"to": band},
                [{"field": "arr", "op": "gte", "value": 1000}],
                [task, {"type": "tier_upgrade", "days": 60}],
            )
        )
    definitions.append(("Score drop 10 in 7 days", "score_dropped", {"points": 10, "days": "7"}, [], [task]))
    definitions.append(
        (
            "Score drop 20 in 30 days, red",
            "score_dropped",
            {"points": 20, "days": "30"},
            [{"field": "health_band", "op": "in", "value": ["red"]}],
            [task],
        )
    )
    with scope(tenant=tenant):
        for name, trigger, params, conditions, actions in definitions[:20]:
            playbook = playbook_create(
                tenant=tenant,
                by=admin,
                name=name,
                trigger=trigger,
                trigger_params=params,
                conditions=conditions,
                actions=actions,
                cooldown_days=30,
            )
            playbook_enable(tenant=tenant, playbook=playbook, by=admin)
    return min(len(definitions), 20)


def signals_forget(tenant, target: int) -> int:
    """Delete the open signals of enough accounts that the next run raises about `target` again."""
    from django.db.models import Count
    from django_scopes import scope

    from health.models import HealthSignal

    with scope(tenant=tenant):
        per_account = (
            HealthSignal.objects.filter(tenant=tenant, status="open")
            .values("account_id")
            .annotate(n=Count("id"))
            .order_by("account_id")
        )
        chosen, total = [], 0
        for row in per_account:
            if total >= target:
                break
            chosen.append(row["account_id"])
            total += row["n"]
        HealthSignal.objects.filter(tenant=tenant, account_id__in=chosen).delete()
    return total


def outbox_clear(tenant) -> None:
    from django_scopes import scopes_disabled

    from tenancy.models import OutboxEvent

    with scopes_disabled():
        OutboxEvent.objects.filter(tenant=tenant).delete()


def night_playbooks(tenant) -> dict:
    """(p): dispatch the night's news to playbooks and process every waiting run, as the workers would."""
    from django.db import connection
    from django_scopes import scope, scopes_disabled

    from core.events import event_dispatch
    from playbooks.models import PlaybookRun, RunStatus
    from playbooks.services.runs import runs_process
    from playbooks.services.triggers import RUN_BATCH
    from tenancy.models import OutboxEvent

    with scopes_disabled():
        rows = list(
            OutboxEvent.objects.filter(tenant=tenant, name="health.signals_changed")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    started = time.perf_counter()
    with QueryCount(connection) as dispatched:
        for event_id in rows:
            assert event_dispatch(tenant=tenant, event_id=event_id)
    dispatch = time.perf_counter() - started
    with scope(tenant=tenant):
        pending = list(
            PlaybookRun.objects.filter(tenant=tenant, status=RunStatus.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    profiler = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    started = time.perf_counter()
    with scope(tenant=tenant), QueryCount(connection) as processed:
        if profiler:
            profiler.enable()
        for start in range(0, len(pending), RUN_BATCH):
            runs_process(tenant=tenant, run_ids=pending[start : start + RUN_BATCH])
        if profiler:
            profiler.disable()
    process = time.perf_counter() - started
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    with scope(tenant=tenant):
        runs = PlaybookRun.objects.filter(tenant=tenant)
        statuses = {status: runs.filter(status=status).count() for status in RunStatus.values}
    return {
        "events": len(rows),
        "dispatch": dispatch,
        "dispatch_queries": dispatched.count,
        "process": process,
        "process_queries": processed.count,
        "pending": len(pending),
        "statuses": statuses,
    }


def trigger_batch_queries(tenant) -> tuple[int, int]:
    """Queries of recording one trigger batch of 1 occurrence and of 500 (rolled back)."""
    from django.db import connection, transaction
    from django_scopes import scope

    from accounts.models import Account
    from playbooks.services.triggers import Occurrence, occurrences_record

    counts = []
    with scope(tenant=tenant):
        ids = list(Account.objects.filter(tenant=tenant).order_by("pk").values_list("pk", flat=True)[:500])
        for size in (1, len(ids)):
            with transaction.atomic(), QueryCount(connection) as captured:
                occurrences = [Occurrence(pk, f"bench:{size}:{pk}", {"kind": "expansion"}) for pk in ids[:size]]
                occurrences_record(tenant=tenant, trigger="signal_raised", occurrences=occurrences)
                transaction.set_rollback(True)
            counts.append(captured.count)
    return counts[0], counts[1]


def inbox(tenant, csm) -> tuple[float, float, float, int]:
    """(i): the CSM's inbox with INBOX_TASKS open tasks, through the whole stack."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django_scopes import scope

    from activities.models import Task
    from activities.services.tasks import TaskDraft, tasks_create
    from core import tenant_time

    today = tenant_time.today(tenant)
    with scope(tenant=tenant):
        have = Task.objects.filter(tenant=tenant, owner=csm, status="open").count()
        tasks_create(
            tenant=tenant,
            drafts=[
                TaskDraft(title=f"Bench task {n}", due_on=today + dt.timedelta(days=(n % 60) - 20), owner_id=csm.pk)
                for n in range(max(0, INBOX_TASKS - have))
            ],
        )
        total = Task.objects.filter(tenant=tenant, owner=csm, status="open").count()
    client = Client()
    client.force_login(csm)
    # Pages name static files; without collectstatic's manifest, the plain storage names them.
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override = override_settings(STORAGES=storages)
    override.enable()
    assert client.get("/tasks/").status_code == 200  # warm
    if os.environ.get("BENCH_PROFILE_INBOX"):
        # One request under cProfile: where the inbox's time goes (BENCH_PROFILE is the runs').
        profiler = cProfile.Profile()
        profiler.enable()
        client.get("/tasks/")
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    samples = []
    for _ in range(INBOX_REQUESTS):
        started = time.perf_counter()
        response = client.get("/tasks/")
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    bare = []
    for _ in range(INBOX_REQUESTS):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM activities_task WHERE tenant_id = %s AND owner_id = %s AND status = 'open'",
                [tenant.pk, csm.pk],
            )
            cursor.fetchone()
        bare.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), p95(samples), statistics.median(bare), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 10,000 accounts, 20M events")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--workers", type=int, default=2, help="for the history and the first run only")
    parser.add_argument(
        "--daily-cap", type=int, default=None, help="the tenant's daily cap of acting runs (default: the shipped 500)"
    )
    args = parser.parse_args()
    began = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - began:6.0f} s] {message}", flush=True)

    database.create_database(DATABASE_URL, force=True)
    try:
        django.setup()
        from django.db import connections
        from django.utils import timezone
        from django_scopes import scope

        from accounts.models import Account
        from core.events import events_paused
        from health.models import HealthSignal
        from health.services import runs
        from tenancy.models import Tenant

        data = generate(DATABASE_URL, args.scale, log)
        tenant = Tenant.objects.get(pk=data["tenant_id"])
        from tenancy.models import Membership

        with scope(tenant=tenant):
            admin = Membership.objects.get(tenant=tenant, role="admin").user
        csms = people(tenant)
        today = timezone.localdate(timezone=tenant.zone)
        with scope(tenant=tenant):
            all_ids = list(Account.objects.filter(tenant=tenant).order_by("pk").values_list("pk", flat=True))
        chunks = [all_ids[i : i + runs.BATCH_SIZE] for i in range(0, len(all_ids), runs.BATCH_SIZE)]
        connections.close_all()
        history = in_workers(
            tenant.pk,
            [("score", (today - dt.timedelta(days=back)).isoformat(), ids) for back in (30, 7) for ids in chunks],
            args.workers,
        )
        log(f"history (2 past days): {history:.1f} s")
        run, batch_ids = plan_run(tenant)
        connections.close_all()
        first = in_workers(tenant.pk, [("batch", b) for b in batch_ids], args.workers)
        run_check(tenant, run)
        log(f"first run of today: {first:.1f} s")

        forgotten = signals_forget(tenant, TARGET_SIGNALS)
        outbox_clear(tenant)
        enabled = playbooks_enable(tenant, admin)
        vacuum()
        log(f"{forgotten} open signals deleted; {enabled} playbooks enabled")

        if args.daily_cap is not None:
            from playbooks.services.settings import playbook_settings_update

            with scope(tenant=tenant):
                playbook_settings_update(tenant=tenant, daily_cap=args.daily_cap)
        # (r): the recompute; only playbooks' receivers stay due on its news.
        measured_from = timezone.now()
        run, batch_ids = plan_run(tenant)
        with events_paused("renewals", "journeys", "communications"):
            r = one_worker(tenant, batch_ids)
        run_check(tenant, run)
        with scope(tenant=tenant):
            # Raised by this run (the first run of today raised the others).
            raised = HealthSignal.objects.filter(tenant=tenant, status="open", raised_at__gte=measured_from).count()
        log(f"(r) recompute, one worker: {r:.2f} s; {raised} signals raised by it")
        p = night_playbooks(tenant)
        playbooks_s = p["dispatch"] + p["process"]
        log(f"(p) playbooks: {playbooks_s:.2f} s (dispatch {p['dispatch']:.2f} s, runs {p['process']:.2f} s)")
        one, many = trigger_batch_queries(tenant)
        with scope(tenant=tenant):
            from activities.models import Task

            tasks_made = Task.objects.filter(tenant=tenant, source="playbook_run").count()
        i50, i95, bare, inbox_tasks = inbox(tenant, csms[0])
        log(f"(i) inbox p50 {i50:.0f} ms, p95 {i95:.0f} ms")
        ratio = playbooks_s / r
        verdict = "met" if ratio < 0.5 else "missed"
        inbox_verdict = "met" if i95 < 150 else "missed"
        dispatch_line = f"{p['dispatch']:.2f} s, {p['dispatch_queries']:,} queries"
        summary = f"""
== playbooks.py, {dt.date.today().isoformat()}, scale {args.scale:g} ==
machine: {machine(DATABASE_URL)}
data: {data["accounts"]:,} accounts owned by {CSMS} CSMs, {data["contacts"]:,} contacts, {data["events"]:,} raw events;
      {enabled} playbooks enabled; {forgotten:,} open signals deleted before the measured run;
      daily cap of acting runs: {args.daily_cap if args.daily_cap is not None else "the shipped default (500)"}
history (2 past days, {args.workers} workers): {history:.1f} s; first run of today: {first:.1f} s
(r) recompute of every account, {len(batch_ids)} batches, one worker: {r:.2f} s; {raised:,} signals raised
(p) playbooks on the night's news: {playbooks_s:.2f} s -> (p)/(r) = {ratio:.2f} (goal < 0.5: {verdict})
    dispatch of {p["events"]} signals_changed rows (receivers record the runs): {dispatch_line}
    {p["pending"]:,} waiting runs processed in batches: {p["process"]:.2f} s, {p["process_queries"]:,} queries
    runs by status: {", ".join(f"{k} {v:,}" for k, v in p["statuses"].items() if v)}; {tasks_made:,} tasks made
    queries to record one trigger batch: {one} for 1 occurrence, {many} for 500
(i) inbox of a CSM with {inbox_tasks:,} open tasks, {INBOX_REQUESTS} requests: p50 {i50:.0f} ms, p95 {i95:.0f} ms \
(goal p95 < 150 ms: {inbox_verdict})
    bare SQL count of those tasks {bare:.2f} ms -> p50 ratio {i50 / max(bare, 0.001):.0f}x
total wall time {time.perf_counter() - began:.0f} s
"""
        print(summary)
        out = ROOT / "var" / f"bench_playbooks_{args.scale:g}.txt"
        out.parent.mkdir(exist_ok=True)
        out.write_text(summary)
        print(f"(written to {out})")
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            database.drop_database(DATABASE_URL)


if __name__ == "__main__":
    main()
