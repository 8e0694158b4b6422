"""The demo's renewals: every Acme account's contracts, replayed through the services with the dates they
happened on, so GRR, NRR and cohorts have a year of history; runways partly worked; forecasts suggested and
some overridden; an expansion pipeline in every stage. Globex gets each account's current contract.

Each account's current contract (as amended) carries the ARR the accounts demo gave it, so health and tiers
stay as they were. The contract before it, when the account is old enough, ended in the last twelve months
with the outcome its story calls for (see renewals_history.py): the churned accounts' last contract churned on
their churn date with a reason from the tenant's list (their journeys' regression reason where they have one).
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django_scopes import scope

from accounts.models import Account, AccountStatus, Segment, TierChange, TierChangeReason
from activities.models import Task
from activities.models.tasks import LIVE
from core import tenant_time
from demo.renewals_history import CHURNED, Facts, History, anniversary_start, plan_account
from demo.renewals_pipeline import seed_overrides, seed_pipeline
from demo.tenancy import DemoPeople
from health.models import HealthSignal, SubscriptionChange
from journeys.models import StageTransition
from renewals import services
from renewals.models import (
    Checkpoint,
    CheckpointStatus,
    Contract,
    ContractStatus,
    ExpansionOpportunity,
    ForecastChange,
    Renewal,
    RenewalStatus,
)
from tenancy.models import Tenant, User

LATE_START_DAYS = 45
# Expansions won during the current term, through the pipeline: (title, opportunity kind, share of ARR).
WON = [
    ("Analytics add-on for the finance team", "cross_sell", "0.12"),
    ("40 more seats for the support organisation", "seats", "0.15"),
    ("Upgrade to the Enterprise plan", "tier_upgrade", "0.2"),
    ("Higher usage tier: more data sources", "usage", "0.08"),
]
SKIP_NOTES = [
    "Customer renewed early: no proposal needed.",
    "Covered in the quarterly business review.",
    "Sponsor on leave; handled by email with the decision maker.",
]


@dataclass
class Replay:
    tenant: Tenant
    today: dt.date
    rng: random.Random
    csms: list[User]
    reasons: dict[str, object]
    completed: dict[int, dt.date] = field(default_factory=dict)  # checkpoint id -> the day it was done
    known: dict[int, dt.date] = field(default_factory=dict)  # contract id -> the day it was entered
    counts: dict[str, int] = field(default_factory=dict)

    def by(self, account: Account) -> User | None:
        # Pooled accounts are worked by whichever CSM of the pool picked them up.
        return account.owner or (self.csms[account.pk % len(self.csms)] if self.csms else None)

    def at(self, day: dt.date, hour: int = 11) -> dt.datetime:
        moment = dt.datetime.combine(day, dt.time(hour, self.rng.randint(0, 59)), tzinfo=self.tenant.zone)
        return min(moment, timezone.now() - dt.timedelta(minutes=5))

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def seed(people: DemoPeople, *, today: dt.date | None = None) -> dict[str, int]:
    tenant = people.tenant
    with scope(tenant=tenant):
        replay = Replay(
            tenant=tenant,
            today=today or tenant_time.today(tenant),
            rng=random.Random(707),
            csms=people.csms,
            reasons={r.label: r for r in services.outcome_reasons(tenant=tenant)},
        )
        histories = _plan(replay)
        for history in histories:
            _replay(replay, history)
        _backdate(replay)
        services.renewals_refresh_forecast(tenant=tenant, today=replay.today)
        seed_overrides(replay, people)
        seed_pipeline(replay, people, [h for h in histories if any(a.won_title for a in h.amendments)])
        counts = _counts(tenant)
    with scope(tenant=people.second_tenant):
        counts["second_tenant_contracts"] = _seed_second_tenant(people.second_tenant, today)
    return counts


def _facts(tenant: Tenant) -> Facts:
    facts = Facts()
    for row in SubscriptionChange.objects.filter(tenant=tenant, kind__in=["seats_added", "seats_removed"]).order_by(
        "effective_on", "pk"
    ):
        facts.seat_changes.setdefault(row.account_id, []).append(row)
    for account_id, kind in HealthSignal.objects.filter(tenant=tenant, status="open").values_list("account_id", "kind"):
        facts.signals.setdefault(account_id, set()).add(kind)
    moves = TierChange.objects.filter(
        tenant=tenant, reason__in=[TierChangeReason.ACV_RULE, TierChangeReason.CONTRACTION]
    ).order_by("changed_at", "pk")
    for move in moves:
        facts.acv_moves[move.account_id] = (move.reason, tenant_time.local(tenant, move.changed_at).date())
    regressions = (
        StageTransition.objects.filter(tenant=tenant, kind="regress", track__account__status=AccountStatus.CHURNED)
        .order_by("at", "pk")
        .values_list("track__account_id", "reason")
    )
    for account_id, reason in regressions:
        facts.regressions[account_id] = reason
    return facts


def _plan(replay: Replay) -> list[History]:
    """Every account's history, drawn before anything is written."""
    tenant, rng, today = replay.tenant, replay.rng, replay.today
    book = list(Account.objects.filter(tenant=tenant).select_related("owner", "tenant").order_by("pk"))
    facts = _facts(tenant)
    # The pipeline's won expansions go to owned, steady mid-sized accounts signed over a year ago.
    winners = [
        a
        for a in book
        if a.status == AccountStatus.ACTIVE
        and a.owner_id
        and a.segment in (Segment.ENTERPRISE, Segment.MID_MARKET)
        and not facts.acv_moves.get(a.pk)
        and not facts.seat_changes.get(a.pk)
        and a.signed_on
        and a.signed_on < today - dt.timedelta(days=420)
    ]
    won = dict(zip([a.pk for a in rng.sample(winners, min(len(WON), len(winners)))], WON, strict=False))
    histories = []
    for account in book:
        title = won.get(account.pk)
        won_plan = (title[0], title[1], Decimal(title[2])) if title else None
        histories.append(plan_account(account, facts, rng, today, won=won_plan))
    _late_start(histories, rng, today)
    return histories


def _late_start(histories: list[History], rng: random.Random, today: dt.date) -> None:
    """A contract entered 45 days before its end: the runway starts late and is compressed."""
    window = [
        h
        for h in histories
        if h.story != CHURNED
        and h.account.segment in (Segment.ENTERPRISE, Segment.MID_MARKET)
        and today + dt.timedelta(days=10) <= h.end_on <= today + dt.timedelta(days=LATE_START_DAYS - 5)
        and not h.amendments
    ]
    window.sort(key=lambda h: (h.prev_start_on is not None, h.account.pk))
    for history in window[:2]:
        # Entered from a spreadsheet of an acquired book: its earlier history was not kept.
        history.prev_start_on, history.prev_arr, history.outcome = None, None, ""
        history.known_on = history.end_on - dt.timedelta(days=LATE_START_DAYS)
        history.is_late_start = True


def _reference(account: Account, start_on: dt.date) -> str:
    return f"{account.external_id.upper().replace('ACCT_', 'AC-')}-{start_on:%Y%m}"


def _replay(replay: Replay, history: History) -> Contract:
    tenant, account, rng = replay.tenant, history.account, replay.rng
    by = replay.by(account)
    if history.story == CHURNED:
        contract = services.contract_create(
            tenant=tenant,
            account=account,
            start_on=history.start_on,
            end_on=account.churned_on,
            arr=history.arr,
            seats=history.seats,
            reference=_reference(account, history.start_on),
            today=history.start_on,
        )
        replay.known[contract.pk] = history.start_on
        if contract.auto_renew:
            notice = max(contract.start_on, contract.notice_on - dt.timedelta(days=rng.randint(0, 20)))
            services.contract_cancel(contract=contract, cancelled_on=notice, note="Cancelled in the billing portal.")
        closed = services.renewal_close(
            renewal=contract.renewal,
            outcome=history.outcome,
            by=by,
            reason=replay.reasons[history.reason],
            note=history.note,
            closed_on=history.closed_on,
        )
        # Worked to the end (marked once closed: a closed renewal's forecast no longer moves).
        _work_runway(replay, closed, until=history.closed_on, by=by, closing=True)
        replay.count("churned")
        return contract
    if history.prev_start_on:
        previous = services.contract_create(
            tenant=tenant,
            account=account,
            start_on=history.prev_start_on,
            arr=history.prev_arr,
            seats=history.prev_seats,
            reference=_reference(account, history.prev_start_on),
            today=history.prev_start_on,
        )
        replay.known[previous.pk] = history.prev_start_on
        renewal = services.renewal_close(
            renewal=previous.renewal,
            outcome=history.outcome,
            by=by,
            new_arr=history.arr,
            term_months=history.term_months,
            new_seats=history.seats,
            reason=replay.reasons.get(history.reason),
            levers=history.levers,
            note=history.note,
            closed_on=history.closed_on,
        )
        _work_runway(replay, renewal, until=history.closed_on, by=by, closing=True)
        contract = services.contract_update(
            contract=renewal.new_contract, by=by, reference=_reference(account, history.start_on)
        )
        replay.known[contract.pk] = history.closed_on
        replay.count(renewal.outcome)
    else:
        known_on = history.known_on or history.start_on
        contract = services.contract_create(
            tenant=tenant,
            account=account,
            start_on=history.start_on,
            term_months=history.term_months,
            arr=history.arr,
            seats=history.seats,
            reference=_reference(account, history.start_on),
            today=known_on,
        )
        replay.known[contract.pk] = known_on
    for amend in history.amendments:
        if amend.won_title:
            continue  # won through the pipeline, later
        services.contract_amend(
            contract=contract,
            kind=amend.kind,
            effective_on=amend.effective_on,
            arr_change=amend.arr_change,
            seats_change=amend.seats_change,
            note=amend.note,
            by=by,
        )
        replay.count("amendments")
    _work_runway(replay, Renewal.objects.get(tenant=tenant, contract=contract), until=replay.today, by=by)
    return contract


def _work_runway(replay: Replay, renewal: Renewal, *, until: dt.date, by: User | None, closing: bool = False) -> None:
    """The checkpoints due before `until`: mostly done, some skipped with a note; on an open renewal a
    few are left open (overdue). A closed renewal's runway was worked to the end."""
    rng = replay.rng
    checkpoints = Checkpoint.objects.filter(tenant=replay.tenant, renewal=renewal).select_related("task")
    for checkpoint in checkpoints.order_by("position"):
        if not closing and checkpoint.due_on >= until:
            break
        checkpoint.renewal = renewal
        roll = rng.random()
        if closing or roll < 0.82:
            skip = roll > 0.9
            status = CheckpointStatus.SKIPPED if skip else CheckpointStatus.DONE
            note = rng.choice(SKIP_NOTES) if skip else ""
        elif roll < 0.9:
            status, note = CheckpointStatus.SKIPPED, rng.choice(SKIP_NOTES)
        else:
            continue  # overdue
        services.checkpoint_complete(checkpoint=checkpoint, by=by, status=status, note=note)
        replay.completed[checkpoint.pk] = min(checkpoint.due_on + dt.timedelta(days=rng.randint(0, 3)), until)


def _backdate(replay: Replay) -> None:
    """What was done in the past carries its day: checkpoints, contracts, renewals and their first forecast."""
    # A checkpoint's completion is its task's close.
    tasks = []
    for checkpoint in Checkpoint.objects.filter(tenant=replay.tenant, pk__in=list(replay.completed)).select_related(
        "task"
    ):
        checkpoint.task.closed_at = replay.at(replay.completed[checkpoint.pk], 15)
        tasks.append(checkpoint.task)
    Task.objects.bulk_update(tasks, ["closed_at"], batch_size=500)
    contracts = list(Contract.objects.filter(tenant=replay.tenant, pk__in=list(replay.known)))
    for contract in contracts:
        contract.created_at = replay.at(replay.known[contract.pk], 9)
    Contract.objects.bulk_update(contracts, ["created_at"], batch_size=500)
    renewals = list(Renewal.objects.filter(tenant=replay.tenant))
    for renewal in renewals:
        renewal.created_at = replay.at(renewal.runway_started_on, 9)
    Renewal.objects.bulk_update(renewals, ["created_at"], batch_size=500)
    # The history before today's suggestion: each renewal's first suggestion, the day its runway started.
    opened = {r.pk: r.created_at for r in renewals}
    changes = list(ForecastChange.objects.filter(tenant=replay.tenant, by__isnull=True, from_category=""))
    for change in changes:
        change.changed_at = opened[change.renewal_id]
    ForecastChange.objects.bulk_update(changes, ["changed_at"], batch_size=500)


def _seed_second_tenant(tenant: Tenant, today: dt.date | None) -> int:
    """Globex: each account's current contract, on its signing anniversary."""
    today = today or tenant_time.today(tenant)
    accounts = Account.objects.filter(tenant=tenant, status=AccountStatus.ACTIVE).select_related("tenant")
    made = 0
    for account in accounts.order_by("pk"):
        start_on, _ = anniversary_start(account.signed_on or today - relativedelta(months=3), today)
        services.contract_create(
            tenant=tenant,
            account=account,
            start_on=start_on,
            arr=account.arr,
            seats=account.seats_purchased,
            reference=f"GX-{account.pk:04d}",
            today=start_on,
        )
        made += 1
    services.renewals_refresh_forecast(tenant=tenant, today=today)
    return made


def _counts(tenant: Tenant) -> dict[str, int]:
    renewals = Renewal.objects.filter(tenant=tenant)
    return {
        "contracts": Contract.objects.filter(tenant=tenant).count(),
        "active_contracts": Contract.objects.filter(tenant=tenant, status=ContractStatus.ACTIVE).count(),
        "renewals": renewals.count(),
        "closed": renewals.filter(status=RenewalStatus.CLOSED).count(),
        "churned": renewals.filter(outcome="churned").count(),
        "late_starts": renewals.filter(is_late_start=True, status=RenewalStatus.OPEN).count(),
        "overdue_checkpoints": Checkpoint.objects.filter(
            tenant=tenant,
            task__due_on__lt=tenant_time.today(tenant),
            task__status__in=LIVE,
            renewal__status=RenewalStatus.OPEN,
        ).count(),
        "opportunities": ExpansionOpportunity.objects.filter(tenant=tenant).count(),
        "flagged": renewals.filter(needs_review=True).count(),
    }
