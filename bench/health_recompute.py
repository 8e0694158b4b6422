"""What the nightly health recompute costs, against a bare aggregate over the raw events it summarises.

Data: one tenant with 10,000 accounts, 200,000 contacts and 20 million track events over the last
120 complete days (`--scale` shrinks all three). The generator draws the daily rollups (who used
which feature on which day, how often), then writes exactly the raw events those rollups count, so
both agree row for row. Support tickets, invoices, meetings, NPS answers and subscription changes
exist for most accounts, and the catalogue has core, advanced, locked and upgrade-page events, so
every measure and every signal has something to read.

Measured, in the same run:

(a) the baseline, the bare scan the issue names, warm, median of 3 (BASELINE_SQL below): every raw
    event of the last 90 days, counted and summed per account. Raw events carry no points; their
    points are the catalogue's, so the sum joins the catalogue (10 rows, a hash join). The
    count-only variant (BASELINE_COUNT_SQL, no join) is reported too, as a stricter baseline.
(b) the full recompute of every account, as the nightly run does it: `runs.run_start_manual` plans
    the run and its batches of 250 (tasks go to an in-memory broker nobody consumes), then each
    batch goes through `runs.batch_process` — inputs from the rollups and signal tables, scores,
    explanations, snapshot upserts, contacts' scores, the account's score and band, signals.
    One worker: every batch in turn in one process. Two workers: two OS processes (fresh Django,
    fresh connections) taking batches from a shared queue, as Celery workers would, wall clock.
    Before (b): snapshots for 30 and 7 days ago (scored for real, from the rollups) and a first
    run of today, so (b) runs in steady state: explanations compare with last week, signals exist.
(c) on demand: `account_recompute(account=...)` for 50 random accounts, p50 and p95.

Then one batch is profiled (cProfile, plus the time of every SQL statement).

It creates its own PostgreSQL database (bench_health, or BENCH_DATABASE_URL), migrates it and
drops it at the end (--keep keeps it).

    .venv/bin/python bench/health_recompute.py --scale 0.01   # 100 accounts, 200,000 events
    .venv/bin/python bench/health_recompute.py                # 10,000 accounts, 20,000,000 events
"""

import argparse
import cProfile
import datetime as dt
import io
import math
import multiprocessing as mp
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_health")
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.pop("REDIS_URL", None)  # the broker is in memory: nothing may consume the run's tasks
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["HTTPS_ONLY"] = "false"
os.environ.setdefault("LOG_LEVEL", "WARNING")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402
import psycopg2  # noqa: E402

FULL_ACCOUNTS, FULL_CONTACTS, FULL_EVENTS, DAYS = 10_000, 200_000, 20_000_000, 120
TIME_ZONE = "Europe/Berlin"
ON_DEMAND = 50

# (a): the query. Raw events have no points column: an event's points are its catalogue entry's.
BASELINE_SQL = """
SELECT e.account_id, count(*), sum(d.points)
FROM health_rawevent e
JOIN health_eventdefinition d ON d.tenant_id = e.tenant_id AND d.name = e.name
WHERE e.tenant_id = %(tenant)s AND e."timestamp" >= now() - interval '90 days'
GROUP BY e.account_id
"""
BASELINE_COUNT_SQL = """
SELECT account_id, count(*)
FROM health_rawevent
WHERE tenant_id = %(tenant)s AND "timestamp" >= now() - interval '90 days'
GROUP BY account_id
"""

# name, points, core, advanced, locked, upgrade page, chance on an active day, relative volume
CATALOGUE = [
    ("Logged In", 1, False, False, False, False, 0.95, 1.0),
    ("Dashboard Viewed", 1, True, False, False, False, 0.80, 3.0),
    ("Report Created", 5, True, False, False, False, 0.35, 1.2),
    ("Report Published", 7, True, False, False, False, 0.15, 0.8),
    ("Alert Configured", 4, False, True, False, False, 0.06, 0.6),
    ("Advanced Query Run", 6, False, True, False, False, 0.10, 1.5),
    ("Export Scheduled", 3, False, True, False, False, 0.05, 0.6),
    ("Teammate Invited", 2, False, False, False, False, 0.02, 0.3),
    ("SSO Settings Viewed", 0, False, False, True, False, 0.01, 0.3),
    ("Upgrade Page Viewed", 0, False, False, False, True, 0.01, 0.3),
]


# --- database ------------------------------------------------------------------------------------


def _connect(name: str | None = None):
    url = DATABASE_URL.rsplit("/", 1)[0] + "/" + (name or DATABASE_URL.rsplit("/", 1)[1])
    connection = psycopg2.connect(url)
    connection.autocommit = True
    return connection


def _admin(*statements: str) -> None:
    admin = _connect("postgres")
    try:
        with admin.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        admin.close()


def create_database() -> None:
    name = DATABASE_URL.rsplit("/", 1)[1]
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    _admin(f'DROP DATABASE IF EXISTS "{DATABASE_URL.rsplit("/", 1)[1]}" WITH (FORCE)')


def _copy(cursor, table: str, columns: str, rows) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


def _indexes_drop(cursor, table: str) -> list[str]:
    """Drop the table's secondary indexes and unique constraints (not the primary key); return the DDL
    that recreates them, so a bulk load builds each index once instead of row by row."""
    cursor.execute(
        """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE conrelid = %s::regclass AND contype = 'u'""",
        (table,),
    )
    constraints = cursor.fetchall()
    recreate = [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}' for name, ddl in constraints]
    for name, _ddl in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    cursor.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.tablename = %s AND i.indexname NOT IN (
               SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p')""",
        (table, table),
    )
    for name, ddl in cursor.fetchall():
        recreate.append(ddl)
        cursor.execute(f'DROP INDEX "{name}"')
    return recreate


# --- data ----------------------------------------------------------------------------------------


def generate(scale: float, log) -> dict:
    """Tenant, catalogue, accounts and contacts (COPY), rollups and raw events (set-based SQL from one
    seeded generator), signal records. Returns what the measurements need."""
    from django.core.management import call_command
    from django.utils import timezone
    from django_scopes import scope

    from bench import synthetic
    from health.models import EventDefinition
    from tenancy import services

    n_accounts = max(1, round(FULL_ACCOUNTS * scale))
    n_contacts = max(n_accounts, round(FULL_CONTACTS * scale))
    n_events = max(1, round(FULL_EVENTS * scale))
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    admin = services.user_create(email="bench@example.com", password="x")
    tenant = services.tenant_create(name="Bench", slug="bench", admin=admin, time_zone=TIME_ZONE)
    today = timezone.localdate(timezone=tenant.zone)
    first_day = today - dt.timedelta(days=DAYS)  # events on first_day .. today - 1 (complete days)
    with scope(tenant=tenant):
        EventDefinition.objects.bulk_create(
            [
                EventDefinition(
                    tenant=tenant,
                    name=name,
                    points=points,
                    is_core=core,
                    is_advanced=advanced,
                    is_locked=locked,
                    is_upgrade_page=upgrade,
                )
                for name, points, core, advanced, locked, upgrade, _q, _w in CATALOGUE
            ]
        )
    rng = random.Random(7)
    connection = _connect()
    cursor = connection.cursor()
    cursor.execute("SET maintenance_work_mem = '1GB'")
    cursor.execute("SET work_mem = '256MB'")
    # Every row below is consistent by construction; skip the per-row foreign-key triggers.
    cursor.execute("SET session_replication_role = replica")

    # Accounts: the synthetic book (segments, log-normal ARR), people weighted by segment.
    accounts = list(synthetic.account_rows(n_accounts, seed=7, today=today))
    weight = {"enterprise": 3.0, "mid_market": 1.3, "smb": 0.6, "product_led": 0.4}
    weights = [weight[a["segment"]] * rng.uniform(0.7, 1.3) for a in accounts]
    total = sum(weights)
    people = [max(1, round(n_contacts * w / total)) for w in weights]
    now = timezone.now().isoformat()
    _copy(
        cursor,
        "accounts_account",
        "tenant_id, external_id, name, domain, segment, arr, acv, seats_purchased, industry, region, "
        "tier_override, is_strategic, signed_on, go_live_on, status, custom_fields, created_at, updated_at, "
        "health_band",
        (
            (
                tenant.pk,
                a["external_id"],
                a["name"],
                a["domain"],
                a["segment"],
                a["arr"],
                a["acv"],
                math.ceil(n * rng.uniform(0.9, 1.6)),
                a["industry"],
                a["region"],
                "",
                "t" if a["segment"] == "enterprise" and rng.random() < 0.2 else "f",
                a["signed_on"],
                a["go_live_on"],
                "active",
                "{}",
                now,
                now,
                "",
            )
            for a, n in zip(accounts, people, strict=True)
        ),
    )
    cursor.execute("SELECT external_id, id FROM accounts_account WHERE tenant_id = %s", (tenant.pk,))
    account_ids = dict(cursor.fetchall())
    # People, with an activity profile each: how often they show up, how much they do, whether they
    # stopped (left, moved on); the account's trend (declining, growing, collapsing) bends every
    # person's activity over the 120 days.
    contact_rows, profiles = [], []
    for a, n in zip(accounts, people, strict=True):
        trend = rng.choices([0.0, -0.6, 0.5, -1.5], weights=[60, 20, 15, 5])[0]
        for c in synthetic.contact_rows(a["external_id"], n, rng=rng, segment=a["segment"]):
            contact_rows.append((a["external_id"], c))
            kind = rng.random()
            # Few heavy users, many occasional ones, a long tail that hardly logs in.
            if ("power_user" in c["roles"] and rng.random() < 0.5) or kind < 0.06:
                p, intensity = rng.uniform(0.2, 0.5), rng.uniform(2.0, 5.0)
            elif kind < 0.36:
                p, intensity = rng.uniform(0.03, 0.12), rng.uniform(0.6, 1.5)
            else:
                p, intensity = rng.uniform(0.0, 0.02), rng.uniform(0.3, 1.0)
            stop = DAYS - rng.randint(1, 45) if rng.random() < 0.06 else DAYS
            profiles.append((p, intensity, trend, stop))
    _copy(
        cursor,
        "accounts_contact",
        "tenant_id, account_id, external_id, name, email, title, roles, is_active, created_at",
        (
            (
                tenant.pk,
                account_ids[ext],
                c["external_id"],
                c["name"],
                c["email"],
                c["title"],
                ",".join(c["roles"]),
                "t",
                now,
            )
            for ext, c in contact_rows
        ),
    )
    cursor.execute("SELECT external_id, id, account_id FROM accounts_contact WHERE tenant_id = %s", (tenant.pk,))
    contact_ids = {ext: (pk, account) for ext, pk, account in cursor.fetchall()}
    cursor.execute(
        "CREATE UNLOGGED TABLE gen_contact (contact_id bigint, account_id bigint, p float8, intensity float8, "
        "trend float8, stop int)"
    )
    _copy(
        cursor,
        "gen_contact",
        "contact_id, account_id, p, intensity, trend, stop",
        ((*contact_ids[c["external_id"]], *profile) for (_ext, c), profile in zip(contact_rows, profiles, strict=True)),
    )
    cursor.execute("CREATE UNLOGGED TABLE gen_name (name text, q float8, w float8)")
    _copy(cursor, "gen_name", "name, q, w", ((name, q, w) for name, *_flags, q, w in CATALOGUE))
    log(f"accounts {len(accounts):,}, contacts {len(contact_rows):,}: {time.perf_counter() - started:.0f} s")

    # Rollups: active person-days, then the features used that day, then how often (scaled so the
    # events add up to the target). Seeded: the same scale gives the same rows.
    cursor.execute("SELECT setseed(0.42)")
    cursor.execute(
        f"""CREATE UNLOGGED TABLE gen_row AS
        SELECT g.account_id, g.contact_id, n.name, g.d, g.intensity * n.w AS mean, random() AS u
        FROM (
            SELECT c.account_id, c.contact_id, c.intensity, d
            FROM gen_contact c CROSS JOIN generate_series(0, {DAYS - 1}) AS d
            WHERE d < c.stop AND random() < c.p * greatest(0.0, 1 + c.trend * (d - {DAYS // 2}) / {DAYS}.0)
        ) g CROSS JOIN gen_name n
        WHERE random() < n.q"""
    )
    # count = max(1, round(k * mean * (0.5 + u))): about k * mean, at least one; k so that they add up.
    cursor.execute("SELECT sum(mean) FROM gen_row")
    k = n_events / float(cursor.fetchone()[0])
    for _ in range(3):
        cursor.execute("SELECT sum(greatest(1, round(%s * mean * (0.5 + u)))) FROM gen_row", (k,))
        k *= n_events / float(cursor.fetchone()[0])
    rollup_indexes = _indexes_drop(cursor, "health_eventrollup")
    cursor.execute(
        """INSERT INTO health_eventrollup (tenant_id, account_id, contact_id, name, day, count, points)
        SELECT %(tenant)s, r.account_id, r.contact_id, r.name, %(first)s::date + r.d, r.n, r.n * e.points
        FROM (SELECT *, greatest(1, round(%(k)s * mean * (0.5 + u)))::int AS n FROM gen_row) r
        JOIN health_eventdefinition e ON e.tenant_id = %(tenant)s AND e.name = r.name""",
        {"tenant": tenant.pk, "first": first_day, "k": k},
    )
    for ddl in rollup_indexes:
        cursor.execute(ddl)
    cursor.execute("SELECT count(*), sum(count) FROM health_eventrollup")
    rollups, events = cursor.fetchone()
    log(f"rollups {rollups:,} for {events:,} events: {time.perf_counter() - started:.0f} s")

    # Raw events: exactly the ones the rollups count, at random moments of their (local) day.
    raw_indexes = _indexes_drop(cursor, "health_rawevent")
    cursor.execute(
        """INSERT INTO health_rawevent (tenant_id, message_id, kind, name, account_id, contact_id, user_id,
            anonymous_id, group_id, "timestamp", received_at, properties, context)
        SELECT r.tenant_id, gen_random_uuid()::text, 'track', r.name, r.account_id, r.contact_id, c.external_id,
            '', a.external_id, e.at, e.at + interval '2 seconds',
            jsonb_build_object('duration_ms', (random() * 4000)::int),
            jsonb_build_object('groupId', a.external_id)
        FROM health_eventrollup r
        JOIN accounts_contact c ON c.id = r.contact_id
        JOIN accounts_account a ON a.id = r.account_id
        CROSS JOIN LATERAL (
            SELECT (r.day + random() * interval '86399 seconds') AT TIME ZONE %(zone)s AS at
            FROM generate_series(1, r.count)
        ) e""",
        {"zone": TIME_ZONE},
    )
    log(f"raw events inserted: {time.perf_counter() - started:.0f} s")
    for ddl in raw_indexes:
        cursor.execute(ddl)
    log(f"raw event indexes: {time.perf_counter() - started:.0f} s")

    # Signal records: tickets, invoices, meetings, NPS, subscription changes.
    params = {"tenant": tenant.pk, "today": today, "zone": TIME_ZONE}
    cursor.execute(
        """INSERT INTO health_supportticket (tenant_id, account_id, external_id, created_at, subject, priority,
            status, opened_at, closed_at, csat, sentiment)
        SELECT a.tenant_id, a.id, '', now(), 'Question ' || n,
            (ARRAY['p1','p2','p3','p3','p4'])[1 + floor(t.r * 5)::int],
            CASE WHEN t.still_open THEN 'open' ELSE 'closed' END,
            t.opened,
            CASE WHEN NOT t.still_open THEN t.opened + t.r * interval '6 days' END,
            CASE WHEN NOT t.still_open AND t.r < 0.6 THEN 1 + floor(t.r * 8)::int %% 5 END, 'neutral'
        FROM accounts_account a
        CROSS JOIN LATERAL generate_series(1, floor(random() * 7)::int + (a.id %% 1)) AS n
        CROSS JOIN LATERAL (
            SELECT o.opened, o.r, o.opened > now() - interval '10 days' AND o.r < 0.6 AS still_open
            FROM (SELECT now() - random() * interval '180 days' + n * interval '0 s' AS opened, random() AS r) o
        ) t
        WHERE a.tenant_id = %(tenant)s""",
        params,
    )
    cursor.execute(
        """INSERT INTO health_invoice (tenant_id, account_id, external_id, created_at, number, amount, issued_on,
            due_on, paid_on, amount_paid)
        SELECT a.tenant_id, a.id, '', now(), 'INV-' || a.id || '-' || q, round(a.arr / 4, 2),
            %(today)s::date - 90 * q, %(today)s::date - 90 * q + 30,
            CASE WHEN q = 0 AND random() < 0.12 THEN NULL
                 ELSE %(today)s::date - 90 * q + 30 + (CASE WHEN random() < 0.15 THEN floor(random() * 40)::int
                                                           ELSE -floor(random() * 10)::int END) END,
            0
        FROM accounts_account a CROSS JOIN generate_series(0, 3) AS q
        WHERE a.tenant_id = %(tenant)s AND %(today)s::date - 90 * q + 30 <= %(today)s::date + 30""",
        params,
    )
    cursor.execute(
        """INSERT INTO health_meeting (tenant_id, account_id, external_id, created_at, kind, title, scheduled_at,
            status, executive_present, notes)
        SELECT a.tenant_id, a.id, '', now(),
            (ARRAY['check_in','qbr','executive','training'])[1 + floor(random() * 4)::int],
            'Meeting ' || n, now() - random() * interval '120 days',
            (ARRAY['held','held','held','no_show','cancelled'])[1 + floor(random() * 5)::int], random() < 0.3, ''
        FROM accounts_account a CROSS JOIN LATERAL generate_series(1, floor(random() * 5)::int + (a.id %% 1)) AS n
        WHERE a.tenant_id = %(tenant)s""",
        params,
    )
    cursor.execute(
        """INSERT INTO health_npsresponse (tenant_id, account_id, contact_id, external_id, created_at, score,
            comment, responded_on)
        SELECT a.tenant_id, a.id, (SELECT min(c.id) FROM accounts_contact c WHERE c.account_id = a.id), '', now(),
            floor(random() * 11)::int, '', %(today)s::date - floor(random() * 200)::int
        FROM accounts_account a WHERE a.tenant_id = %(tenant)s AND random() < 0.4""",
        params,
    )
    cursor.execute(
        """INSERT INTO health_subscriptionchange (tenant_id, account_id, external_id, created_at, kind,
            effective_on, plan_before, plan_after, seats_before, seats_after, note)
        SELECT a.tenant_id, a.id, '', now(), 'seats_removed', %(today)s::date - floor(random() * 80)::int,
            '', '', a.seats_purchased + 5, a.seats_purchased, ''
        FROM accounts_account a WHERE a.tenant_id = %(tenant)s AND random() < 0.05""",
        params,
    )
    cursor.execute("DROP TABLE gen_row, gen_contact, gen_name")
    cursor.execute("SET session_replication_role = DEFAULT")
    # As in a database that has been running: statistics current, pages all-visible, no dirty buffers.
    cursor.execute("VACUUM (ANALYZE)")
    cursor.execute("CHECKPOINT")
    cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('health_rawevent'))")
    raw_size = cursor.fetchone()[0]
    cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('health_eventrollup'))")
    rollup_size = cursor.fetchone()[0]
    counts = {}
    for table in ("supportticket", "invoice", "meeting", "npsresponse", "subscriptionchange"):
        cursor.execute(f"SELECT count(*) FROM health_{table}")
        counts[table] = cursor.fetchone()[0]
    connection.close()
    elapsed = time.perf_counter() - started
    log(f"generated in {elapsed:.0f} s; raw events {raw_size}, rollups {rollup_size}; {counts}")
    return {
        "tenant_id": tenant.pk,
        "accounts": len(accounts),
        "contacts": len(contact_rows),
        "events": int(events),
        "rollups": int(rollups),
        "raw_size": raw_size,
        "rollup_size": rollup_size,
        "records": counts,
        "generate_s": elapsed,
    }


# --- measurements --------------------------------------------------------------------------------


def baseline(tenant_id: int, sql: str) -> tuple[float, int, str]:
    """Median of 3 warm runs (after one to warm the cache), with the plan's first lines."""
    connection = _connect()
    times = []
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, {"tenant": tenant_id})
        plan = " / ".join(line.strip() for (line,) in cursor.fetchall()[:6])
        for n in range(4):
            start = time.perf_counter()
            cursor.execute(sql, {"tenant": tenant_id})
            rows = cursor.fetchall()
            if n:
                times.append(time.perf_counter() - start)
    connection.close()
    return statistics.median(times), len(rows), plan


def plan_run(tenant):
    """A manual run with its batches, planned by the runs module; its tasks go nowhere."""
    from django_scopes import scope

    from config.celery import app
    from health.models import RecomputeBatch
    from health.scoring import runs

    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    with scope(tenant=tenant):
        run = runs.run_start_manual(tenant=tenant, by=None)
        ids = list(
            RecomputeBatch.objects.filter(tenant=tenant, run=run).order_by("number").values_list("pk", flat=True)
        )
    return run, ids


def run_check(tenant, run) -> None:
    from django_scopes import scope

    from health.models import RunStatus

    with scope(tenant=tenant):
        run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.done_batches == run.total_batches, (run.status, run.done_batches)


def _work(item, tenant) -> None:
    from django_scopes import scope

    from health.scoring import runs, services

    with scope(tenant=tenant):
        if item[0] == "batch":
            assert runs.batch_process(tenant=tenant, batch_id=item[1])
        else:  # ("score", day, ids): a past day's snapshots, as that night's run would have written them
            services.accounts_score_day(
                tenant=tenant, day=dt.date.fromisoformat(item[1]), account_ids=item[2], detect=False
            )


def _worker(tenant_id: int, items, ready, go, done) -> None:
    django.setup()
    from django.db import connection, transaction
    from django_scopes import scope

    from accounts.models import Account
    from health.scoring import services
    from tenancy.models import Tenant

    tenant = Tenant.objects.get(pk=tenant_id)
    with scope(tenant=tenant), transaction.atomic():
        # A warm worker, as a long-lived Celery worker is: connection open, code paths run once
        # (one account scored and signals synced, then rolled back: nothing stays).
        account = Account.objects.filter(tenant=tenant).order_by("pk").first()
        services.accounts_score_day(tenant=tenant, day=dt.date.today(), account_ids=[account.pk], detect=True)
        transaction.set_rollback(True)
    ready.put(os.getpid())
    go.wait()
    n = 0
    while True:
        item = items.get()
        if item is None:
            break
        _work(item, tenant)
        n += 1
    connection.close()
    done.put(n)


def in_workers(tenant_id: int, items: list, workers: int) -> float:
    """Wall clock for `workers` processes to work through the items from a shared queue."""
    context = mp.get_context("spawn")
    queue_, ready, done, go = context.Queue(), context.Queue(), context.Queue(), context.Event()
    for item in [*items, *[None] * workers]:
        queue_.put(item)
    processes = [context.Process(target=_worker, args=(tenant_id, queue_, ready, go, done)) for _ in range(workers)]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get(timeout=120)
    start = time.perf_counter()
    go.set()
    handled = sum(done.get() for _ in processes)
    elapsed = time.perf_counter() - start
    for process in processes:
        process.join()
        assert process.exitcode == 0, process.exitcode
    assert handled == len(items), (handled, len(items))
    return elapsed


def one_worker(tenant, batch_ids: list[int]) -> float:
    start = time.perf_counter()
    for batch_id in batch_ids:
        _work(("batch", batch_id), tenant)
    return time.perf_counter() - start


def on_demand(tenant, count: int) -> tuple[float, float, float]:
    from django_scopes import scope

    from accounts.models import Account
    from health.scoring.services import account_recompute

    rng = random.Random(11)
    times = []
    with scope(tenant=tenant):
        ids = list(Account.objects.filter(tenant=tenant).values_list("pk", flat=True))
        for account_id in rng.sample(ids, min(count, len(ids))):
            account = Account.objects.select_related("tenant").get(tenant=tenant, pk=account_id)
            start = time.perf_counter()
            account_recompute(account=account)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    return statistics.median(times), p95, max(times)


def profile_batch(tenant, day: dt.date, account_ids: list[int]) -> str:
    """cProfile of one batch's scoring, and where its SQL time went (statement shapes by time)."""
    from django.db import connection
    from django_scopes import scope

    from health.scoring.services import accounts_score_day

    sql_time: dict[str, list] = defaultdict(lambda: [0, 0.0])

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            shape = " ".join(sql.split())[:90]
            sql_time[shape][0] += 1
            sql_time[shape][1] += time.perf_counter() - start

    profiler = cProfile.Profile()
    with scope(tenant=tenant), connection.execute_wrapper(timed):
        start = time.perf_counter()
        profiler.enable()
        accounts_score_day(tenant=tenant, day=day, account_ids=account_ids, detect=True)
        profiler.disable()
        total = time.perf_counter() - start
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"(health|accounts|django/db/models/query)", 28)
    stats.sort_stats("tottime").print_stats(14)
    in_sql = sum(t for _n, t in sql_time.values())
    lines = [
        f"one batch of {len(account_ids)} accounts: {total * 1000:.0f} ms under the profiler, "
        f"SQL {in_sql * 1000:.0f} ms in {sum(n for n, _t in sql_time.values())} statements",
        "SQL by statement (ms, count):",
    ]
    for shape, (n, t) in sorted(sql_time.items(), key=lambda kv: -kv[1][1])[:12]:
        lines.append(f"  {t * 1000:8.1f} ms  x{n:<4} {shape}")
    return "\n".join(lines) + "\n" + out.getvalue()


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    connection = _connect()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
        cursor.execute("SHOW max_parallel_workers_per_gather")
        parallel = cursor.fetchone()[0]
    connection.close()
    import pandas

    return (
        f"{cores} cores ({cpu}), {mem_kb / 1024 / 1024:.0f} GiB, Python {platform.python_version()}, "
        f"Django {django.get_version()}, pandas {pandas.__version__}, PostgreSQL {server.split()[0]} on the same host "
        f"(shared_buffers {buffers}, max_parallel_workers_per_gather {parallel})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 10,000 accounts, 20M events")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    began = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - began:6.0f} s] {message}", flush=True)

    create_database()
    try:
        django.setup()
        from django.db import connections
        from django.utils import timezone
        from django_scopes import scope

        from accounts.models import Account
        from tenancy.models import Tenant

        data = generate(args.scale, log)
        tenant = Tenant.objects.get(pk=data["tenant_id"])
        today = timezone.localdate(timezone=tenant.zone)
        with scope(tenant=tenant):
            all_ids = list(Account.objects.filter(tenant=tenant).order_by("pk").values_list("pk", flat=True))
        chunks = [all_ids[i : i + 250] for i in range(0, len(all_ids), 250)]
        connections.close_all()

        # History: the snapshots of 30 and 7 days ago, so explanations and deltas have something to compare.
        history = in_workers(
            tenant.pk,
            [("score", (today - dt.timedelta(days=back)).isoformat(), ids) for back in (30, 7) for ids in chunks],
            args.workers,
        )
        log(f"history (2 past days, {args.workers} workers): {history:.1f} s")
        run, batch_ids = plan_run(tenant)
        connections.close_all()
        first = in_workers(tenant.pk, [("batch", b) for b in batch_ids], args.workers)
        run_check(tenant, run)
        log(f"first run of today ({args.workers} workers, writes every signal): {first:.1f} s")

        (a, a_rows, a_plan), (a_count, _rows, a_count_plan) = (
            baseline(tenant.pk, BASELINE_SQL),
            baseline(tenant.pk, BASELINE_COUNT_SQL),
        )
        log(f"(a) baseline {a:.2f} s ({a_rows} accounts); count-only {a_count:.2f} s")

        run, batch_ids = plan_run(tenant)
        one = one_worker(tenant, batch_ids)
        run_check(tenant, run)
        log(f"(b) one worker: {one:.2f} s for {len(batch_ids)} batches")
        run, batch_ids = plan_run(tenant)
        connections.close_all()
        two = in_workers(tenant.pk, [("batch", b) for b in batch_ids], args.workers)
        run_check(tenant, run)
        log(f"(b) {args.workers} workers: {two:.2f} s")

        p50, p95, worst = on_demand(tenant, ON_DEMAND)
        log(f"(c) on demand: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
        profile = profile_batch(tenant, today, chunks[len(chunks) // 2])
        with scope(tenant=tenant):
            from health.models import ContactHealth, HealthScore, HealthSignal

            written = (
                HealthScore.objects.filter(tenant=tenant).count(),
                ContactHealth.objects.filter(tenant=tenant).count(),
                HealthSignal.objects.filter(tenant=tenant, status="open").count(),
            )
        ratio = one / a
        summary = f"""
== health_recompute.py, {dt.date.today().isoformat()}, scale {args.scale:g} ==
machine: {machine()}
data: {data["accounts"]:,} accounts, {data["contacts"]:,} contacts, {data["events"]:,} raw events over {DAYS} days
      ({data["raw_size"]} with indexes), {data["rollups"]:,} rollup rows ({data["rollup_size"]}),
      {data["events"] / max(data["rollups"], 1):.1f} events per rollup row; records {data["records"]};
      generated in {data["generate_s"]:.0f} s
after the runs: {written[0]:,} snapshots, {written[1]:,} contact scores, {written[2]:,} open signals
history (2 past days scored, {args.workers} workers): {history:.1f} s
first run of today ({args.workers} workers): {first:.1f} s
(a) bare scan, median of 3 warm: {a:.2f} s   [{a_plan}]
    count-only variant: {a_count:.2f} s   [{a_count_plan}]
(b) full recompute, {len(batch_ids)} batches of 250, one worker: {one:.2f} s  -> (b)/(a) = {ratio:.2f} \
(goal <= 0.30: {"met" if ratio <= 0.3 else "missed"}); against count-only: {one / a_count:.2f}
    {args.workers} workers: {two:.2f} s  -> speed-up {one / two:.2f}x, (b)/(a) = {two / a:.2f}
(c) on demand, {ON_DEMAND} accounts: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {worst:.0f} ms \
(goal p95 < 200 ms: {"met" if p95 < 200 else "missed"})
total wall time {time.perf_counter() - began:.0f} s
"""
        print(summary)
        print(profile)
        out = ROOT / "var" / f"bench_health_recompute_{args.scale:g}.txt"
        out.parent.mkdir(exist_ok=True)
        out.write_text(summary + "\n" + profile)
        print(f"(written to {out})")
    finally:
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    main()
