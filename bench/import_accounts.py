"""What importing 100,000 accounts costs over the bare insert of the same rows.

Baseline: the rows inserted straight into the account table, in one transaction
(executemany on SQLite, COPY on PostgreSQL), with no checking, matching or tiers.
Measured: the whole import of the same rows as a CSV file: upload (sniff, decode,
header checks, pandas), then the run (every row checked, matched by external id,
written in batches of 2,000 with progress, tier rule applied and its history kept).
"""

import csv
import io
import os
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

ROWS = 100_000
SEGMENTS = ["smb", "mid_market", "enterprise", "product_led"]


def rows(count: int = ROWS) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Account ID": [f"ACC-{i:06d}" for i in range(count)],
            "Company": [f"Company {i}" for i in range(count)],
            "Segment": [SEGMENTS[i % 4] for i in range(count)],
            "ARR": [str(1000 + i) for i in range(count)],
            "ACV": [str((i % 200) * 1000) for i in range(count)],
            "Seats": [str(i % 500) for i in range(count)],
            "Industry": ["Software"] * count,
            "Region": [("EMEA", "AMER", "APAC", "EMEA")[i % 4] for i in range(count)],
        }
    )


def bare_insert(tenant_id: int, frame: pd.DataFrame) -> float:
    """The same rows written with no Python per row beyond building the tuple."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Account

    now = timezone.now()
    columns = (
        "tenant_id, external_id, name, domain, segment, arr, acv, seats_purchased, industry, region, "
        "tier_override, is_strategic, status, custom_fields, created_at, updated_at, arr_from_contracts, health_band"
    )
    values = [
        (tenant_id, ext, name, "", seg, arr, acv, int(seats), ind, reg, "", False, "active", "{}", now, now, False, "")
        for ext, name, seg, arr, acv, seats, ind, reg in frame.itertuples(index=False, name=None)
    ]
    table = Account._meta.db_table
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            # Quoted, so that an empty text is empty, not NULL, to COPY.
            csv.writer(buffer, quoting=csv.QUOTE_ALL).writerows(values)
            buffer.seek(0)
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
        else:
            marks = ", ".join(["%s"] * len(values[0]))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)
    return time.perf_counter() - start


class ReceiverClock:
    """Time spent delivering the import's announcements (core.events) in this process. Here the dispatch runs
    eagerly inside the import's run; on a worker it runs after each batch commits, beside the import."""

    def __init__(self):
        self.seconds = 0.0
        self._started: dict[str, float] = {}

    def connect(self) -> None:
        from celery.signals import task_postrun, task_prerun

        task_prerun.connect(self._start, weak=False)
        task_postrun.connect(self._stop, weak=False)

    def _start(self, task_id=None, task=None, **kwargs):
        if task.name == "core.tasks.events_dispatch":
            self._started[task_id] = time.perf_counter()

    def _stop(self, task_id=None, task=None, **kwargs):
        if task_id in self._started:
            self.seconds += time.perf_counter() - self._started.pop(task_id)


def full_import(tenant, admin, data: bytes, *, expected: int = ROWS) -> tuple[float, float]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_scopes import scope

    from accounts.models import ImportKind, ImportMode, ImportStatus
    from accounts.services import imports

    with scope(tenant=tenant):
        start = time.perf_counter()
        job = imports.import_job_create(
            tenant=tenant, kind=ImportKind.ACCOUNTS, uploaded_file=SimpleUploadedFile("bench.csv", data), by=admin
        )
        uploaded = time.perf_counter() - start
        # Outside a transaction the task is sent as configure commits, and runs right here (eager).
        start = time.perf_counter()
        imports.import_job_configure(job=job, mapping=job.mapping, mode=ImportMode.ALL_OR_NOTHING, by=admin)
        ran = time.perf_counter() - start
        job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_count == expected, job.message
    return uploaded, ran


def main() -> None:
    from django.db import connection
    from django.test.utils import setup_test_environment
    from django_scopes import scope

    from accounts import services as account_services
    from config.celery import app as celery_app
    from tenancy import services

    # The run happens in this process, never on a worker that may use another database.
    celery_app.conf.task_always_eager = True
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        admin = services.user_create(email="bench-admin@example.com", password="x")
        tenant = services.tenant_create(name="Bench", slug="bench", admin=admin)
        baseline_tenant = services.tenant_create(name="Baseline", slug="baseline", admin=admin)
        with scope(tenant=tenant):
            account_services.tiers_create_defaults(tenant=tenant)
        frame = rows()
        data = frame.to_csv(index=False).encode()
        baseline = bare_insert(baseline_tenant.pk, frame)
        receivers = ReceiverClock()
        receivers.connect()
        uploaded, ran = full_import(tenant, admin, data)
        ran -= receivers.seconds
        measured = uploaded + ran
        print(f"database: {connection.vendor}; {ROWS:,} accounts, {len(data) / 1e6:.1f} MB of CSV")
        print(f"bare insert (baseline):     {baseline:8.2f} s")
        print(f"import: upload and checks:  {uploaded:8.2f} s")
        print(f"import: run (check, write): {ran:8.2f} s")
        # journeys starts an onboarding track for each new account (accounts_created): work of the workers.
        print(f"(and the receivers of its announcements, run here in-process: {receivers.seconds:.2f} s)")
        print(f"import: total:              {measured:8.2f} s")
        print(f"ratio:                      {measured / baseline:8.1f}x")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    import django

    django.setup()
    main()
