"""Did the playbook work? On its page: its runs by status, the tasks they made and how fast those were done,
and the outcome measure the admin chose, for the accounts it acted on beside the accounts that matched the
same trigger while it was off, in cool-down or over the daily cap (its HELD runs: they were recorded but
nothing was done for them). A group of fewer than MIN_GROUP accounts is too small to compare, and the page
says so in words instead of showing a percentage that means nothing.

Every account counts once per group, from its first run in the window (a second run of the same account is
not a second, independent case). Constant queries whatever the number of runs: the runs by status, the
groups' runs, their tasks and one read of the chosen measure's history.
"""

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count

from activities.models import TaskSource, TaskStatus
from activities.selectors.tasks import tasks_of_source
from core import tenant_time
from health import peers as health_peers
from renewals import peers as renewals_peers
from tenancy.models import Tenant

from ..models import HeldReason, OutcomeMeasure, Playbook, PlaybookRun, RunStatus

WINDOW_DAYS = 365
MIN_GROUP = 10
HORIZONS = (30, 60, 90)
# How long after a run an opportunity still counts as its outcome.
EXPANSION_DAYS = 90
ACTED = (RunStatus.DONE, RunStatus.PARTIAL)
# Matched the trigger, but nothing was done: off, in cool-down, over the daily cap.
COMPARED = (HeldReason.DISABLED, HeldReason.COOLDOWN, HeldReason.DAILY_CAP)
RECOVERED = ("yellow", "green")


@dataclass(frozen=True)
class Row:
    """One line of a group's measure: `count` of `of` (a share), or an amount."""

    label: str
    count: int = 0
    of: int = 0
    amount: Decimal | None = None

    @property
    def percent(self) -> int | None:
        return round(100 * self.count / self.of) if self.of else None


@dataclass
class Group:
    label: str
    accounts: int = 0
    rows: list[Row] = field(default_factory=list)

    @property
    def too_small(self) -> bool:
        return self.accounts < MIN_GROUP

    @property
    def sentence(self) -> str:
        if not self.accounts:
            return "No accounts yet."
        if self.too_small:
            return (
                f"Only {self.accounts} account{'s' if self.accounts != 1 else ''}: too few to compare "
                f"(at least {MIN_GROUP} are needed)."
            )
        return ""


@dataclass
class Effectiveness:
    since: dt.date
    runs_total: int
    runs_by_status: list[tuple[str, str, int]]
    tasks_made: int
    tasks_done: int
    tasks_open: int
    median_hours_to_done: float | None
    measure: str
    measure_label: str
    acted: Group
    compared: Group

    @property
    def comparable(self) -> bool:
        return not self.acted.too_small and not self.compared.too_small

    @property
    def groups(self) -> list[Group]:
        return [self.acted, self.compared]

    @property
    def table(self) -> list[tuple[Row, Row]]:
        """The measure's lines, each for both groups (the page's table)."""
        return list(zip(self.acted.rows, self.compared.rows, strict=True))

    @property
    def median_to_done(self) -> str:
        """The median time from a task's creation to its completion, in words."""
        hours = self.median_hours_to_done
        if hours is None:
            return ""
        if hours < 48:
            return f"{hours:.0f} hour{'s' if round(hours) != 1 else ''}"
        return f"{hours / 24:.1f} days"

    @property
    def sentence(self) -> str:
        if self.comparable:
            return "Both groups are large enough to compare."
        return (
            "The groups are too small to compare yet: the figures below describe what happened, not what the "
            "playbook caused."
        )


def _first_per_account(runs: list[tuple[int, dt.date]]) -> dict[int, dt.date]:
    first: dict[int, dt.date] = {}
    for account_id, day in sorted(runs, key=lambda run: run[1]):
        first.setdefault(account_id, day)
    return first


def _band_on(changes: list[tuple[dt.date, str]], day: dt.date) -> str:
    band = ""
    for changed_on, changed_to in changes:
        if changed_on > day:
            break
        band = changed_to
    return band


def _health_recovery(
    tenant: Tenant, groups: list[tuple[Group, dict[int, dt.date]]], start: dt.date, today: dt.date
) -> None:
    ids = {account_id for _group, firsts in groups for account_id in firsts}
    changes = health_peers.accounts_band_changes(tenant=tenant, account_ids=ids, start=start, end=today)
    for group, firsts in groups:
        for horizon in HORIZONS:
            # Only runs at least `horizon` days old have had the time to recover within it.
            old_enough = {a: day for a, day in firsts.items() if day + dt.timedelta(days=horizon) <= today}
            recovered = 0
            for account_id, day in old_enough.items():
                history = changes.get(account_id, [])
                after = day + dt.timedelta(days=1)
                end = day + dt.timedelta(days=horizon)
                if _band_on(history, after) in RECOVERED or any(
                    after < changed_on <= end and band in RECOVERED for changed_on, band in history
                ):
                    recovered += 1
            group.rows.append(Row(f"Yellow or green within {horizon} days", recovered, len(old_enough)))


def _renewal_outcome(
    tenant: Tenant, groups: list[tuple[Group, dict[int, dt.date]]], start: dt.date, today: dt.date
) -> None:
    ids = {account_id for _group, firsts in groups for account_id in firsts}
    decided: dict[int, list[renewals_peers.RenewalDecided]] = defaultdict(list)
    for renewal in renewals_peers.renewals_decided_between(tenant=tenant, start=start, end=today, account_ids=ids):
        decided[renewal.account_id].append(renewal)
    for group, firsts in groups:
        outcomes: dict[str, int] = defaultdict(int)
        for account_id, day in firsts.items():
            after = [r for r in decided.get(account_id, []) if r.closed_on >= day]
            if after:
                outcomes[after[0].outcome] += 1
        total = sum(outcomes.values())
        group.rows.append(Row("Renewal decided since the run", total, len(firsts)))
        group.rows.append(Row("Renewed or expanded", outcomes["renewed"] + outcomes["expanded"], total))
        group.rows.append(Row("Contracted", outcomes["contracted"], total))
        group.rows.append(Row("Churned", outcomes["churned"], total))


def _expansion(tenant: Tenant, groups: list[tuple[Group, dict[int, dt.date]]], start: dt.date, today: dt.date) -> None:
    ids = {account_id for _group, firsts in groups for account_id in firsts}
    opportunities: dict[int, list[renewals_peers.OpportunitySeen]] = defaultdict(list)
    for seen in renewals_peers.opportunities_identified_between(tenant=tenant, account_ids=ids, start=start, end=today):
        opportunities[seen.account_id].append(seen)
    for group, firsts in groups:
        opened = won = 0
        won_arr = Decimal(0)
        for account_id, day in firsts.items():
            end = day + dt.timedelta(days=EXPANSION_DAYS)
            found = [o for o in opportunities.get(account_id, []) if day <= o.identified_on <= end]
            opened += bool(found)
            won += any(o.is_won for o in found)
            won_arr += sum((o.value for o in found if o.is_won), Decimal(0))
        group.rows.append(Row(f"Opportunity opened within {EXPANSION_DAYS} days", opened, len(firsts)))
        group.rows.append(Row("Opportunity won", won, len(firsts)))
        group.rows.append(Row("ARR won", amount=won_arr))


MEASURES = {
    OutcomeMeasure.HEALTH_RECOVERY: _health_recovery,
    OutcomeMeasure.RENEWAL_OUTCOME: _renewal_outcome,
    OutcomeMeasure.EXPANSION: _expansion,
}


def playbook_effectiveness(*, tenant: Tenant, playbook: Playbook, today: dt.date) -> Effectiveness:
    """The playbook's runs of the last year and what came of them, beside the comparison group."""
    since = today - dt.timedelta(days=WINDOW_DAYS)
    runs = PlaybookRun.objects.filter(tenant=tenant, playbook=playbook, fired_at__gte=tenant_time.at(tenant, since))
    counts = dict(runs.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))
    by_status = [(status, label, counts[status]) for status, label in RunStatus.choices if counts.get(status)]

    tasks = tasks_of_source(tenant=tenant, source=TaskSource.PLAYBOOK_RUN, source_ids=runs.values_list("pk", flat=True))
    made = done = live = 0
    hours: list[float] = []
    for status, created_at, closed_at in tasks.values_list("status", "created_at", "closed_at"):
        made += 1
        if status == TaskStatus.DONE:
            done += 1
            if closed_at is not None:
                hours.append(max(0.0, (closed_at - created_at).total_seconds() / 3600))
        elif status in (TaskStatus.OPEN, TaskStatus.SNOOZED):
            live += 1

    acted_runs: list[tuple[int, dt.date]] = []
    compared_runs: list[tuple[int, dt.date]] = []
    rows = runs.filter(account__isnull=False, status__in=[*ACTED, RunStatus.HELD]).values_list(
        "account_id", "fired_at", "status", "held_reason"
    )
    for account_id, fired_at, status, held_reason in rows:
        day = tenant_time.day_of(tenant, fired_at)
        if status in ACTED:
            acted_runs.append((account_id, day))
        elif held_reason in COMPARED:
            compared_runs.append((account_id, day))
    acted_first, compared_first = _first_per_account(acted_runs), _first_per_account(compared_runs)
    acted = Group("With the playbook", accounts=len(acted_first))
    compared = Group("Matched while it was off, in cool-down or capped", accounts=len(compared_first))
    groups = [(acted, acted_first), (compared, compared_first)]
    if acted_first or compared_first:
        start = min([*acted_first.values(), *compared_first.values()])
        MEASURES[OutcomeMeasure(playbook.outcome_measure)](tenant, groups, start, today)
    return Effectiveness(
        since=since,
        runs_total=sum(counts.values()),
        runs_by_status=by_status,
        tasks_made=made,
        tasks_done=done,
        tasks_open=live,
        median_hours_to_done=statistics.median(hours) if hours else None,
        measure=playbook.outcome_measure,
        measure_label=OutcomeMeasure(playbook.outcome_measure).label,
        acted=acted,
        compared=compared,
    )
