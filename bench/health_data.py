"""The data of bench/health_recompute.py, generated straight into its PostgreSQL database.

One tenant with 10,000 accounts, 200,000 contacts and 20 million track events over the last 120
complete days (`scale` shrinks all three). The generator draws the daily rollups (who used which
feature on which day, how often), then writes exactly the raw events those rollups count, so both
agree row for row. Support tickets, invoices, meetings, NPS answers and subscription changes exist
for most accounts, and the catalogue has core, advanced, locked and upgrade-page events, so every
measure and every signal has something to read.
"""

import datetime as dt
import io
import math
import random
import time

from bench.database import connect

FULL_ACCOUNTS, FULL_CONTACTS, FULL_EVENTS, DAYS = 10_000, 200_000, 20_000_000, 120
TIME_ZONE = "Europe/Berlin"

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


def generate(database_url: str, scale: float, log) -> dict:
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
    connection = connect(database_url)
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
        "health_band, arr_from_contracts",
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
                # No contracts here: ARR is the account's own.
                "f",
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
    # The account rollups, as the migration that added them sums them from the per-person ones.
    cursor.execute(
        """INSERT INTO health_accountrollup (tenant_id, account_id, day, name, count, points)
        SELECT tenant_id, account_id, day, name, sum(count), sum(points) FROM health_eventrollup
        WHERE tenant_id = %s GROUP BY tenant_id, account_id, day, name""",
        (tenant.pk,),
    )
    account_rollups = cursor.rowcount
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
    cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('health_accountrollup'))")
    rollup_size += f"; account rollups {account_rollups:,} rows, {cursor.fetchone()[0]}"
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
        "account_rollups": account_rollups,
        "raw_size": raw_size,
        "rollup_size": rollup_size,
        "records": counts,
        "generate_s": elapsed,
    }


def reused(database_url: str, log) -> dict:
    """What generate() returns, read from the database a --keep run left, after migrating it."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    log(f"migrated: {time.perf_counter() - started:.0f} s")
    connection = connect(database_url)
    with connection.cursor() as cursor:
        # As autovacuum does soon after a migration fills a table: without statistics, the first
        # runs plan their reads of it as if it were empty.
        cursor.execute("VACUUM (ANALYZE) health_accountrollup")
        cursor.execute("SELECT id FROM tenancy_tenant WHERE slug = 'bench'")
        tenant_id = cursor.fetchone()[0]
        counts = {}
        for table in ("accounts_account", "accounts_contact", "health_eventrollup", "health_accountrollup"):
            cursor.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = %s", (tenant_id,))
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT sum(count) FROM health_eventrollup WHERE tenant_id = %s", (tenant_id,))
        events = cursor.fetchone()[0]
        sizes = []
        for table in ("health_rawevent", "health_eventrollup", "health_accountrollup"):
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", (table,))
            sizes.append(cursor.fetchone()[0])
        records = {}
        for table in ("supportticket", "invoice", "meeting", "npsresponse", "subscriptionchange"):
            cursor.execute(f"SELECT count(*) FROM health_{table}")
            records[table] = cursor.fetchone()[0]
    connection.close()
    return {
        "tenant_id": tenant_id,
        "accounts": counts["accounts_account"],
        "contacts": counts["accounts_contact"],
        "events": int(events),
        "rollups": counts["health_eventrollup"],
        "account_rollups": counts["health_accountrollup"],
        "raw_size": sizes[0],
        "rollup_size": f"{sizes[1]}; account rollups {counts['health_accountrollup']:,} rows, {sizes[2]}",
        "records": records,
        "generate_s": 0.0,
    }
