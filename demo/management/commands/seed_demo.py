"""Load the demo: the tenant "Acme Analytics" with its people and data, and a second small tenant.

It lives in the demo app, above every other: each part of the demo (demo/tenancy.py, accounts.py,
health.py, journeys*.py, renewals*.py, communications*.py) loads one app's data through that app's services.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django_scopes import scope

from config.celery import app as celery_app
from core import tenant_time
from core.events import events_paused
from demo import accounts as accounts_demo
from demo import activities as activities_demo
from demo import communications as communications_demo
from demo import health as health_demo
from demo import journeys as journeys_demo
from demo import playbooks as playbooks_demo
from demo import renewals as renewals_demo
from demo import tenancy as tenancy_demo
from renewals.reporting.periods import period_for
from renewals.selectors.metrics import retention
from tenancy.models import Tenant

LOAD_PAGE_CACHE_KIB = 512 * 1024  # an upper bound: SQLite takes the memory only as pages are read or written


@contextmanager
def tasks_in_process() -> Iterator[None]:
    """Run the demo's tasks (its alerts, its sends) here, and say nothing of each.

    `make run` loads the demo before its worker starts, and the demo's emails must reach its in-memory
    mailbox: left for the worker, they would go out later through the real email backend.
    """
    trace = logging.getLogger("celery.app.trace")  # "Task ... succeeded" for every task, at INFO
    eager, level = celery_app.conf.task_always_eager, trace.level
    celery_app.conf.task_always_eager = True
    trace.setLevel(logging.WARNING)
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = eager
        trace.setLevel(level)


@contextmanager
def page_cache_for_the_load() -> Iterator[None]:
    """On SQLite, a page cache that holds what the demo writes (about 300 MB) while it loads, for this
    connection only: with the default 2 MB, its long transaction spills pages to the write-ahead log and
    reads them back there, over and over."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-LOAD_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def last_12_months_retention() -> str:
    """Acme's GRR and NRR as its Retention metrics page shows them for the last 12 months (the README quotes
    none: they come from here)."""
    acme = Tenant.objects.get(slug=tenancy_demo.DEMO_TENANT_SLUG)
    with scope(tenant=acme):
        today = tenant_time.today(acme)
        period = period_for("last_12_months", today)
        (book,) = retention(tenant=acme, start=period.start, end=period.end, today=today)
    return f"GRR {book.grr_pct}%, NRR {book.nrr_pct}%"


class Command(BaseCommand):
    help = "Create the demo tenants with realistic data (does nothing if they exist)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")
        parser.add_argument(
            "--score-days",
            type=int,
            default=health_demo.SCORE_HISTORY_DAYS,
            help="Days of daily health scores to compute (fewer loads faster).",
        )
        parser.add_argument(
            "--journey-accounts",
            type=int,
            default=None,
            help="Replay the journeys of the churned accounts and this many more, every story among them "
            "(fewer loads faster); the others start in onboarding. All by default.",
        )

    @contextmanager
    def stage(self, name: str) -> Iterator[list[str]]:
        """Say what a stage made and how long it took as soon as it is done, so a newcomer waiting in
        `make run` sees the demo is loading, not hanging. The body appends what it made."""
        started, made = time.monotonic(), []
        yield made
        if self.verbosity >= 1:
            self.stdout.write(f"  {name}: {', '.join(made)} ({time.monotonic() - started:.1f} s)")
            self.stdout.flush()

    def handle(self, *args, quiet_logins: bool, score_days: int, journey_accounts: int | None, **options):
        self.verbosity = options["verbosity"]
        if Tenant.objects.filter(slug=tenancy_demo.DEMO_TENANT_SLUG).exists():
            self.stdout.write("The demo tenant exists already; nothing to do.")
        else:
            started = time.monotonic()
            if self.verbosity >= 1:
                self.stdout.write("Loading the demo tenants, a line per stage:")
                self.stdout.flush()
            # The demo replays years of journeys and contracts; communications plans its own enrolments and
            # alerts below, and playbooks replays its runs from the stored history, rather than reacting to every
            # replayed event when this block commits.
            paused = events_paused("communications", "playbooks")
            with page_cache_for_the_load(), tasks_in_process(), paused, transaction.atomic():
                with self.stage("people") as made:
                    people = tenancy_demo.seed_people()
                    made.append(f"2 tenants, {len(tenancy_demo.demo_logins())} demo logins")
                with self.stage("accounts") as made:
                    book = accounts_demo.seed(people)
                    second = accounts_demo.seed_second_tenant(people)
                    made.append(f"{book['accounts']:,} accounts with {book['contacts']:,} contacts")
                    made.append(f"{second} for Globex")
                with self.stage("usage and signals") as made:
                    usage = health_demo.seed(people)
                    made.append(f"{usage['events']:,} usage events over {health_demo.USAGE_DAYS} days")
                    made.append("tickets, invoices, meetings and NPS")
                with self.stage("health scores") as made:
                    scores = health_demo.seed_scores(people, days=score_days)
                    made.append(f"{scores:,} daily scores over {score_days} days")
                # After the scores: exit criteria read health, and each move keeps them as they stood.
                with self.stage("journeys") as made:
                    journeys = journeys_demo.seed(people, accounts=journey_accounts)
                    made.append(f"{journeys['tracks']:,} tracks replayed")
                # After health: the forecasts read scores and signals, the pipeline the expansion signals.
                with self.stage("renewals") as made:
                    renewals = renewals_demo.seed(people)
                    made.append(f"{renewals['contracts']:,} contracts, {renewals['renewals']:,} renewals")
                with self.stage("tasks and notes") as made:
                    activities = activities_demo.seed(people)
                    made.append(f"{activities['tasks']} tasks by hand ({activities['done']} done)")
                    made.append(f"{activities['notes']} notes on accounts")
                # After every app's history: the playbooks replay their runs from it.
                with self.stage("playbooks") as made:
                    playbooks = playbooks_demo.seed(people)
                    made.append(f"{playbooks['enabled']} playbooks on, {playbooks['runs']:,} runs over 4 months")
                    made.append(
                        f"{playbooks['acted']:,} acted, {playbooks['skipped']:,} turned away by conditions, "
                        f"{playbooks['held']:,} held back, {playbooks['tasks']:,} tasks"
                    )
            # After the commit: the outbox reserves each delivery in a durable transaction of its own (sent
            # once), which cannot nest in the one above.
            with page_cache_for_the_load(), tasks_in_process(), self.stage("communications") as made:
                communications = communications_demo.seed(people)
                made.append(f"{communications['entries']:,} calendar entries, {communications['emails']:,} emails")
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the demo tenants Acme Analytics ({accounts_demo.DEMO_ACCOUNTS} accounts) "
                    "and Globex Support."
                )
            )
            self.stdout.write(
                f"Ingested {usage['events']:,} usage events over {health_demo.USAGE_DAYS} days through /v1 ingestion."
            )
            self.stdout.write(
                f"Scored every active account for each of the last {score_days} days ({scores:,} daily health scores)."
            )
            self.stdout.write(
                f"Journeys: {journeys['tracks']:,} tracks ({journeys.get('regress', 0)} regressions, "
                f"{journeys.get('skip', 0)} skips) and {journeys.get('objectives', 0)} success-plan objectives."
            )
            self.stdout.write(
                f"Renewals: {renewals['contracts']:,} contracts, {renewals['renewals']:,} renewals "
                f"({renewals['closed']} closed, {renewals['churned']} churned, {renewals['flagged']} flagged for "
                f"review) and {renewals['opportunities']} expansion opportunities."
            )
            self.stdout.write(f"Retention over the last 12 months: {last_12_months_retention()}.")
            self.stdout.write(
                f"Communications: {communications['entries']:,} calendar entries ({communications['sent']:,} sent "
                f"in the last month, {communications['planned']:,} planned, {communications['deferred']} deferred, "
                f"{communications['pending_approval']} waiting for approval), {communications['emails']:,} emails "
                f"opened {communications['open_rate']}% (to an in-memory mailbox), "
                f"{communications['unsubscribes']} unsubscribes and {communications['enrollments']} cadence "
                f"enrolments; {communications['imported']} webinar invitations imported from a campaign file, 2 of "
                "its rows skipped (Communications -> Imports)."
            )
            # Shown once, like every new key: point a Segment SDK at this server with it.
            self.stdout.write(f"Acme's ingestion write key: {people.write_key_secret}")
            self.stdout.write(f"The demo loaded in {time.monotonic() - started:.0f} s.")
        if not quiet_logins:
            self.stdout.write(f"Demo logins (password: {tenancy_demo.DEMO_PASSWORD}):")
            for email, role in tenancy_demo.demo_logins():
                self.stdout.write(f"  {email:<28} {role}")
