"""What bench/health_recompute.py reports besides its timings: where one batch's time goes (cProfile
and the time of every SQL statement), and the machine it ran on."""

import cProfile
import datetime as dt
import io
import platform
import pstats
import subprocess
import time
from collections import defaultdict
from pathlib import Path

import django

from bench import database


def profile_batch(tenant, day: dt.date, account_ids: list[int]) -> str:
    """cProfile of one batch's scoring, and where its SQL time went (statement shapes by time)."""
    from django.db import connection
    from django_scopes import scope

    from health.services.scores import accounts_score_day

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


def machine(database_url: str) -> str:
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
    connection = database.connect(database_url)
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
