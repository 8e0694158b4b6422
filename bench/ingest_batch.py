"""What the tracking API sustains over HTTP, against COPY of the same rows into the same table.

Measured: gunicorn on loopback serving POST /v1/batch (100 track events per batch, HTTP Basic
write key) to several concurrent client threads, for a fixed number of events: every request
authenticates, parses, checks each event, resolves contacts and accounts (one query each),
inserts the raw events, upserts the daily rollups (per person and per account), moves the
contacts' last-seen time and counts the events into the catalogue.
Baseline: the identical raw-event rows (read back from the table) COPYed into the same,
emptied, table with its indexes, in one statement (psycopg2 copy_expert), nothing else.

Two tenants' shapes (BENCH_PROFILE): `small`, 1,000 people over 200 accounts of 5 (the first
profile measured), and `large`, 10,000 people over 500 accounts of very different sizes. In both,
a batch holds what one server-side SDK sent in a few seconds: the events of a few dozen people
who are active at the moment (heavy users more often than occasional ones), several each, not a
hundred people drawn from the whole tenant (BENCH_DRAW=uniform draws that way, as the first
measurements did).

It creates its own PostgreSQL database (postsale_bench_ingest, or BENCH_DATABASE_URL),
migrates it, and drops it at the end. Loopback only; stops by itself.

    .venv/bin/python bench/ingest_batch.py        # 100,000 events of today, small profile, 3 workers, 6 clients
    BENCH_PROFILE=large .venv/bin/python bench/ingest_batch.py
    BENCH_ANALYZE=0 BENCH_PROFILE=large .venv/bin/python bench/ingest_batch.py   # before autovacuum's first ANALYZE
    BENCH_DAYS=30 BENCH_EVENTS=20000 BENCH_WORKERS=2 BENCH_CLIENTS=4 .venv/bin/python bench/ingest_batch.py
"""

import base64
import datetime as dt
import http.client
import io
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postsale_bench_ingest")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

from bench import database  # noqa: E402

HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8765"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "100000"))
PER_BATCH = 100
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "6"))
# (accounts, people): small is the first profile measured, 5 product users per account; large has
# accounts of very different sizes (a few hundred people at the largest, a handful at most).
PROFILES = {"small": (200, 1_000), "large": (500, 10_000)}
PROFILE = os.environ.get("BENCH_PROFILE", "small")
# dozens: a batch holds 20-60 people active at the moment; uniform: 100 events from the whole tenant.
DRAW = os.environ.get("BENCH_DRAW", "dozens")
# Live traffic happens today (1); 30 spreads the same events over a month, as a backfill would,
# so nearly every event starts a rollup row of its own instead of adding to one.
DAYS = int(os.environ.get("BENCH_DAYS", "1"))
EVENT_NAMES = [
    ("Logged In", 30),
    ("Dashboard Viewed", 25),
    ("Report Created", 8),
    ("Report Published", 5),
    ("Alert Configured", 3),
    ("Advanced Query Run", 6),
    ("Export Scheduled", 3),
    ("Teammate Invited", 1),
]
COLUMNS = (
    "tenant_id, message_id, kind, name, account_id, contact_id, user_id, anonymous_id, group_id, "
    '"timestamp", received_at, properties, context'
)
# A person: (userId, groupId, how active: the weight of being among a batch's people).
Person = tuple[str, str, float]


def account_sizes(accounts: int, people: int, rng: random.Random, *, even: bool) -> list[int]:
    """People per account, adding up to `people`: all equal, or log-normal (most accounts small, a few big)."""
    if even:
        return [people // accounts + (1 if a < people % accounts else 0) for a in range(accounts)]
    weights = [rng.lognormvariate(0, 1.1) for _ in range(accounts)]
    total = sum(weights)
    sizes = [max(1, int(people * w / total)) for w in weights]
    for a in rng.sample(range(accounts), k=accounts)[: max(0, people - sum(sizes))]:
        sizes[a] += 1
    while sum(sizes) > people:
        biggest = max(range(accounts), key=sizes.__getitem__)
        sizes[biggest] -= 1
    return sizes


def prepare(tenant, *, accounts: int, people: int, even: bool, seed: int = 7) -> list[Person]:
    """The tenant's accounts (through the service, as an import would) and product users (in bulk)."""
    from django_scopes import scope

    from accounts import services as account_services
    from accounts.models import Contact

    rng = random.Random(seed)
    sizes = account_sizes(accounts, people, rng, even=even)
    persons: list[Person] = []
    with scope(tenant=tenant):
        for a, size in enumerate(sizes):
            account = account_services.account_create(
                tenant=tenant, by=None, external_id=f"acct-{a:03d}", name=f"Account {a}", segment="mid_market"
            )
            contacts = [
                Contact(tenant=tenant, account=account, external_id=f"user-{a:03d}-{c}", name=f"Person {a}-{c}")
                for c in range(size)
            ]
            Contact.objects.bulk_create(contacts)
            # A few heavy users, many occasional ones (Pareto weights).
            persons += [(c.external_id, account.external_id, rng.paretovariate(1.2)) for c in contacts]
    return persons


def batches(people: list[Person], *, events: int, days: int = 1, draw: str = "dozens", seed: int = 7) -> list[bytes]:
    """Track calls as analytics-python sends them, spread over the last `days` days, serialised up front."""
    rng = random.Random(seed)
    names, weights = zip(*EVENT_NAMES, strict=True)
    activity = [weight for _user, _group, weight in people]
    now = dt.datetime.now(dt.UTC)
    bodies = []
    for _ in range(max(1, events // PER_BATCH)):
        if draw == "uniform":
            senders = [rng.choice(people) for _ in range(PER_BATCH)]
        else:
            # The people active in these few seconds, each sending several events.
            active = rng.choices(people, weights=activity, k=min(len(people), rng.randint(20, 60)))
            senders = [rng.choice(active) for _ in range(PER_BATCH)]
        calls = []
        for user_id, group_id, _weight in senders:
            moment = now - dt.timedelta(seconds=rng.randint(0, days * 86400))
            calls.append(
                {
                    "type": "track",
                    "event": rng.choices(names, weights)[0],
                    "userId": user_id,
                    "messageId": str(uuid.UUID(int=rng.getrandbits(128))),
                    "timestamp": moment.isoformat(timespec="milliseconds"),
                    "properties": {"plan": "growth", "workspace": group_id, "duration_ms": rng.randint(20, 4000)},
                    "context": {
                        "groupId": group_id,
                        "library": {"name": "analytics-python", "version": "2.3.3"},
                        "ip": "203.0.113.7",
                    },
                    "integrations": {},
                }
            )
        bodies.append(json.dumps({"batch": calls, "sentAt": now.isoformat()}).encode())
    return bodies


def tenant_with_key():
    """A tenant (in Berlin: days are local) and its write key's secret."""
    from django_scopes import scope

    from tenancy import services
    from tenancy.models import ApiKeyKind

    admin = services.user_create(email="bench@example.com", password="x")
    tenant = services.tenant_create(name="Bench", slug="bench", admin=admin, time_zone="Europe/Berlin")
    with scope(tenant=tenant):
        _key, secret = services.api_key_create(tenant=tenant, kind=ApiKeyKind.WRITE_KEY, name="bench", by=admin)
    return tenant, secret


def start_server() -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "HTTPS_ONLY": "false",
        "DEBUG": "false",
        "ALLOWED_HOSTS": HOST,
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        # No collected static files here, and no page is served: WhiteNoise's warning is noise.
        "PYTHONWARNINGS": "ignore::UserWarning",
    }
    server = subprocess.Popen(
        [
            *(str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "--bind", f"{HOST}:{PORT}"),
            *("--workers", str(WORKERS), "--log-level", "warning", "--timeout", "60"),
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            probe = http.client.HTTPConnection(HOST, PORT, timeout=2)
            probe.request("GET", "/healthz")
            if probe.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def send_all(bodies: list[bytes], secret: str) -> float:
    auth = "Basic " + base64.b64encode(f"{secret}:".encode()).decode()
    headers = {"Content-Type": "application/json", "Authorization": auth}
    queue = list(enumerate(bodies))
    lock, failures = threading.Lock(), []

    def client():
        connection = http.client.HTTPConnection(HOST, PORT, timeout=60)
        while True:
            with lock:
                if not queue:
                    return
                _n, body = queue.pop()
            connection.request("POST", "/v1/batch", body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            if response.status != 200:
                failures.append((response.status, payload[:200]))
            if response.getheader("Connection", "").lower() == "close":
                connection.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return elapsed


def check_and_copy() -> tuple[int, int, float]:
    """Counts after ingestion; then the baseline: the same rows COPYed into the emptied table."""
    connection = database.connect(DATABASE_URL)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM health_rawevent WHERE account_id IS NOT NULL")
        stored = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(sum(count), 0) FROM health_eventrollup")
        rolled_up = cursor.fetchone()[0]
        rows = io.BytesIO()
        cursor.copy_expert(f"COPY (SELECT {COLUMNS} FROM health_rawevent) TO STDOUT", rows)
        cursor.execute("TRUNCATE health_rawevent")
        cursor.execute("CHECKPOINT")
        rows.seek(0)
        connection.autocommit = False
        start = time.perf_counter()
        cursor.copy_expert(f"COPY health_rawevent ({COLUMNS}) FROM STDIN", rows)
        connection.commit()
        elapsed = time.perf_counter() - start
    connection.close()
    return stored, rolled_up, elapsed


def profiler(pid: int) -> subprocess.Popen | None:
    """With BENCH_PYSPY=<file>, py-spy samples the gunicorn workers while they are measured
    (collapsed stacks, for flame graphs; py-spy is not a project dependency: BENCH_PYSPY_BIN names it)."""
    output = os.environ.get("BENCH_PYSPY")
    if not output:
        return None
    binary = os.environ.get("BENCH_PYSPY_BIN", "py-spy")
    command = [binary, "record", "--pid", str(pid), "--subprocesses", "--format", "raw", "--output", output]
    return subprocess.Popen([*command, "--rate", "200", "--nonblocking"], stdout=subprocess.DEVNULL)


def analyse() -> None:
    """Table statistics for the tenant just loaded, as autovacuum gathers them within a minute of a bulk load
    (or a real tenant has had for long). Without them the planner takes the new tenant's 10,000 contacts
    for 2 and scans them all for each batch's people: the large profile measured that, not ingestion."""
    connection = database.connect(DATABASE_URL)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()


def contact_updates() -> int:
    """Rows of the contact table updated so far (the last-seen moves), from PostgreSQL's statistics."""
    connection = database.connect(DATABASE_URL)
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'accounts_contact'")
        updated = cursor.fetchone()[0]
    connection.close()
    return updated


def main() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["HTTPS_ONLY"] = "false"
    accounts, people_count = PROFILES[PROFILE]
    database.create_database(DATABASE_URL)
    server = None
    try:
        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        tenant, secret = tenant_with_key()
        people = prepare(tenant, accounts=accounts, people=people_count, even=PROFILE == "small")
        bodies = batches(people, events=EVENTS, days=DAYS, draw=DRAW)
        if os.environ.get("BENCH_ANALYZE", "1") != "0":
            analyse()
        spans = [len({call["userId"] for call in json.loads(body)["batch"]}) for body in bodies]
        connections.close_all()
        server = start_server()
        send_all(bodies[:5], secret)  # warm the workers (imports, connections); not counted
        warm = 5 * PER_BATCH
        load_before = os.getloadavg()
        sampler = profiler(server.pid)
        measured = send_all(bodies[5:], secret)
        load_after = os.getloadavg()
        if sampler is not None:
            sampler.send_signal(signal.SIGINT)
            sampler.wait(timeout=60)
        # Its connections' statistics reach PostgreSQL when they close.
        server.terminate()
        server.wait(timeout=30)
        server, moved = None, contact_updates()
        stored, rolled_up, copy_elapsed = check_and_copy()
        events = len(bodies) * PER_BATCH
        assert stored == rolled_up == events, (stored, rolled_up, events)
        http_rate = (events - warm) / measured
        copy_rate = events / copy_elapsed
        print(f"PostgreSQL {DATABASE_URL.rsplit('@', 1)[-1]}; gunicorn {WORKERS} workers, {CLIENTS} clients")
        print(
            f"{events:,} track events in batches of {PER_BATCH} over {DAYS} day(s); profile {PROFILE}: "
            f"{people_count:,} people over {accounts} accounts; people per batch {min(spans)}-{max(spans)} "
            f"(mean {sum(spans) / len(spans):.0f}, draw {DRAW})"
        )
        print(f"POST /v1/batch:  {measured:7.2f} s  {http_rate:9,.0f} events/s")
        print(f"COPY baseline:   {copy_elapsed:7.2f} s  {copy_rate:9,.0f} events/s")
        print(f"ratio:           {http_rate / copy_rate:7.1%} of COPY")
        print(f"last-seen moves: {moved:,} contact rows updated in {len(bodies):,} batches")
        print(
            f"load average:    {load_before[0]:.2f} before, {load_after[0]:.2f} after (1 min; {os.cpu_count()} cores)"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        database.drop_database(DATABASE_URL)


if __name__ == "__main__":
    main()
