"""Building journeys fixtures through the services the product uses: tracks that entered their stage
some days ago, the tenant's criteria, ticks, the analytics book and its report, success plans' objectives
and their measurements. Each helper enters the tenant's scope itself."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django_scopes import scope

from accounts.services import account_deactivate, tiers_create_defaults
from core import tenant_time
from journeys import services
from journeys.models import CriterionKind, ExitCriterion, JourneyTrack, Objective
from journeys.selectors.analytics import analytics_filters, journey_analytics
from journeys.selectors.criteria import exit_criteria_by_stage, exit_criteria_ensure
from journeys.services import plans

from ..accounts.builders import make_account

__all__ = [
    "DAY",
    "build_book",
    "criteria_of",
    "criterion",
    "data_criteria_off",
    "make_account",
    "measure",
    "objective",
    "reload",
    "reload_objective",
    "report_for",
    "tick_manual",
    "track_at",
]

DAY = dt.date(2026, 9, 1)  # the day measure() records a value on unless told
OVERRIDE = "Agreed with the customer"  # build_book's override reason where exit criteria are not met


def track_at(tenant, account, stage: str = "onboarding", days_ago: int = 0, *, name: str = "Core platform", **kw):
    """A track of `account` that entered `stage` `days_ago` days ago, started as the account page starts one."""
    with scope(tenant=tenant):
        at = timezone.now() - dt.timedelta(days=days_ago)
        return services.track_create(tenant=tenant, account=account, name=name, stage=stage, by=None, at=at, **kw)


def reload(tenant, track: JourneyTrack) -> JourneyTrack:
    with scope(tenant=tenant):
        return JourneyTrack.objects.select_related("account").get(tenant=tenant, pk=track.pk)


def criterion(tenant, stage: str, key: str) -> ExitCriterion:
    """One of the tenant's exit criteria (the seed's defaults, made on first use)."""
    with scope(tenant=tenant):
        exit_criteria_ensure(tenant=tenant)
        return ExitCriterion.objects.get(tenant=tenant, stage=stage, key=key)


def criteria_of(tenant, stage: str, kind: str | None = None) -> list[ExitCriterion]:
    with scope(tenant=tenant):
        found = exit_criteria_by_stage(tenant=tenant).get(stage, [])
    return [c for c in found if kind is None or c.kind == kind]


def tick_manual(tenant, track: JourneyTrack, *, by=None) -> None:
    """Tick every manual criterion of the track's current stage."""
    for item in criteria_of(tenant, track.stage, CriterionKind.MANUAL):
        with scope(tenant=tenant):
            services.criterion_check(track=track, criterion=item, by=by)


def data_criteria_off(tenant, stage: str) -> None:
    """Take the stage's data criteria out of use, as an admin does in the settings."""
    for item in criteria_of(tenant, stage, CriterionKind.DATA):
        with scope(tenant=tenant):
            services.exit_criterion_update(criterion=item, is_active=False)


def t0(tenant) -> dt.datetime:
    # 10:00 UTC: whole days stay whole across the tenant's daylight-saving changes (11:00 or 12:00 in Berlin).
    today = tenant_time.today(tenant)
    return dt.datetime.combine(today - dt.timedelta(days=300), dt.time(10), tzinfo=dt.UTC)


def build_book(tenant, *, alice, bob, prefix: str = "", first: int = 1) -> dict:
    """Seven tracks of four accounts in two segments, through the services; `first` numbers the accounts (to
    build it twice). Day numbers are days after T0 (10:00 UTC, 300 days ago). The stays:

        A1 smb, signed 2026-01-15, bob
          t1   onboarding 0-20 advance (20d) · adoption 20-50 advance (30d) · retention 50-
          t1b  onboarding 10-25 advance (15d) · adoption 25-35 regress budget cut (10d) · onboarding 35-
        A2 smb, signed 2026-02-10, alice, churned
          t2   onboarding 0-40 skip (40d) · retention 40-50 regress champion left (10d) · adoption 50-
        A3 mid-market, signed 2026-04-01, bob
          t3   onboarding 0-45 advance (45d) · adoption 45-55 regress other "Reorg at customer" (10d) · onboarding 55-
          t3b  adoption 10-30 regress other "reorg at customer" (20d) · onboarding 30-90 advance (60d) · adoption 90-
        A4 mid-market, no signing date, no owner, churned
          t4   onboarding 5-
          t5   adoption 0-30 advance (30d) · retention 30-40 ended (10d)
    """
    start = t0(tenant)

    def day(n):
        return start + dt.timedelta(days=n)

    with scope(tenant=tenant):
        tiers_create_defaults(tenant=tenant)  # tech touch below 10k ACV, low touch to 100k, high touch above
    a1 = make_account(tenant, first, acv=5_000, segment="smb", owner=bob, signed_on=dt.date(2026, 1, 15))
    a2 = make_account(tenant, first + 1, acv=5_000, segment="smb", owner=alice, signed_on=dt.date(2026, 2, 10))
    a3 = make_account(tenant, first + 2, acv=150_000, segment="mid_market", owner=bob, signed_on=dt.date(2026, 4, 1))
    a4 = make_account(tenant, first + 3, acv=40_000, segment="mid_market")
    with scope(tenant=tenant):

        def track(account, name, stage, at):
            return services.track_create(
                tenant=tenant, account=account, name=prefix + name, stage=stage, by=None, at=day(at)
            )

        def move(tr, stage, at, **why):
            if "reason" not in why:
                why.setdefault("override_reason", OVERRIDE)
            services.track_transition(track=tr, to_stage=stage, by=None, at=day(at), **why)

        t1 = track(a1, "Core platform", "onboarding", 0)
        move(t1, "adoption", 20)
        move(t1, "retention", 50)
        t1b = track(a1, "Finance", "onboarding", 10)
        move(t1b, "adoption", 25)
        move(t1b, "onboarding", 35, reason="budget_cut")
        t2 = track(a2, "Core platform", "onboarding", 0)
        move(t2, "retention", 40, reason_text="Fast SMB, live in a month", override_reason=OVERRIDE)
        move(t2, "adoption", 50, reason="champion_left")
        t3 = track(a3, "Core platform", "onboarding", 0)
        move(t3, "adoption", 45)
        move(t3, "onboarding", 55, reason="other", reason_text="Reorg at customer")
        t3b = track(a3, "Finance", "adoption", 10)
        move(t3b, "onboarding", 30, reason="other", reason_text="reorg at customer ")
        move(t3b, "adoption", 90)
        track(a4, "Core platform", "onboarding", 5)
        t5 = track(a4, "Support desk", "adoption", 0)
        move(t5, "retention", 30)
        services.track_end(track=t5, by=None, reason_text="Support moved to another tool", at=day(40))
        account_deactivate(account=a2, by=None)
        account_deactivate(account=a4, by=None)
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "start": start}


def report_for(tenant, **filters):
    with scope(tenant=tenant):
        return journey_analytics(tenant=tenant, filters=analytics_filters(tenant=tenant, **filters))


def objective(tenant, account, *, baseline=48, target=12, **fields) -> Objective:
    """Invoice processing time, 48 hours down to 12 unless told otherwise."""
    defaults = {
        "title": "Close the books faster",
        "metric": "Invoice processing time",
        "unit": "hours",
        "source": "ERP export",
        "calculation": "median hours from receipt to approval",
    }
    with scope(tenant=tenant):
        return plans.objective_create(
            tenant=tenant, account=account, baseline=Decimal(baseline), target=Decimal(target), **(defaults | fields)
        )


def measure(tenant, target: Objective, value, on: dt.date = DAY, by=None):
    with scope(tenant=tenant):
        return plans.measurement_record(objective=target, value=Decimal(value), measured_on=on, by=by)


def reload_objective(tenant, row: Objective) -> Objective:
    with scope(tenant=tenant):
        return Objective.objects.get(tenant=tenant, pk=row.pk)
