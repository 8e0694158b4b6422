"""The demo's journeys: every account's tracks, with a history as long as the account is old.

Histories are replayed through the services with `at=` in the past, so every move meets the rules a
person would (criteria ticked or an override given, a reason for each regression and skip). The
stories: enterprise accounts take months to onboard and run overlapping tracks, SMBs take weeks and
product-led accounts days; some finish onboarding late; some regress (a champion leaves, a budget cut,
a new release); a fast SMB skips ahead; a dropped add-on comes back; the churned accounts' tracks end
at their churn date, and those accounts onboarded late and regressed more often than the others, so
the analytics' outcome groups show a real difference.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone
from django_scopes import scope

from accounts.models import Account, Contact
from accounts.services import contact_update
from core import tenant_time
from demo.journeys_paths import Plan, cast, core_plan, enterprise_plans
from demo.journeys_plans import seed_plans, value_documented_ticks
from demo.tenancy import DemoPeople
from journeys import services
from journeys.defaults import DEFAULT_TRACK_NAME
from journeys.models import CriterionKind, ExitCriterion, FlagKind, FlagStatus, JourneyTrack, Stage, TrackFlag
from journeys.selectors.criteria import exit_criteria_by_stage
from tenancy.models import Tenant, User

ONB, ADO, RET, EXP, REN, ADV = Stage.values
# Given on every forward move, kept only where a criterion was unmet: data criteria read today's
# data, and the pooled long tail's checklists were not kept.
OVERRIDES = {
    ONB: "Go-live signed off in the steering meeting; usage figures caught up after the rollout.",
    ADO: "Adoption reviewed in the business review; seat usage lags while licences are reassigned.",
    RET: "Sales opened the expansion while health was still settling after the last release.",
    EXP: "The renewal runway started; the expansion talks continue as part of the renewal.",
    REN: "Renewed early; the account joins the reference programme.",
}
# Manual criteria ticked on the current stay (the share of tracks that have each), so checklists are partly done.
CURRENT_TICKS = {
    "implementation_done": 0.75,
    "use_case_live": 0.5,
    "go_live_confirmed": 0.12,
    "teams_onboarded": 0.4,
    "value_communicated": 0.5,
    "stakeholders_active": 0.6,
    "opportunity_qualified": 0.85,
    "conversation_started": 0.5,
    "renewal_confirmed": 0.4,
    "terms_agreed": 0.2,
    "reference_given": 0.5,
    "referral_given": 0.2,
}
# Past stays whose manual criteria the CSM ticked before moving on (older history has the override).
TICKED_HISTORY_DAYS = 365


@dataclass
class Replay:
    """What the replay needs at hand: the tenant, its criteria and expectations, who moves tracks."""

    tenant: Tenant
    today: dt.date
    criteria: dict[str, list[ExitCriterion]]
    bounds: dict
    csms: list[User | None]
    rng: random.Random
    counts: dict[str, int] = field(default_factory=dict)

    def at(self, day: dt.date, hour: int = 10) -> dt.datetime:
        moment = dt.datetime.combine(day, dt.time(hour, self.rng.randint(0, 59)), tzinfo=self.tenant.zone)
        return min(moment, timezone.now() - dt.timedelta(minutes=5))

    def by(self, account: Account) -> User | None:
        # Pooled accounts are moved by whichever CSM of the pool handled them.
        return account.owner or self.csms[account.pk % len(self.csms)]

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def seed(people: DemoPeople, *, today: dt.date | None = None, accounts: int | None = None) -> dict[str, int]:
    """Tracks, transitions, flags and success plans for Acme, and each Globex account's core track.

    `accounts` replays the churned accounts and that many more of Acme's (every story among them) instead
    of all; the others start in onboarding, as a new account does.
    """
    counts: dict[str, int] = {}
    for tenant, rich in ((people.tenant, True), (people.second_tenant, False)):
        with scope(tenant=tenant):
            replay = Replay(
                tenant=tenant,
                today=today or tenant_time.today(tenant),
                criteria=exit_criteria_by_stage(tenant=tenant),
                bounds=services.expectations_for(tenant=tenant),
                csms=people.csms if rich else [],
                rng=random.Random(606 if rich else 607),
            )
            # A smaller demo (the tests) leaves Globex to the bulk start below.
            _seed_tenant(replay, rich=rich, limit=accounts if rich or accounts is None else 0)
            if rich:
                counts = replay.counts
    return counts


def _seed_tenant(replay: Replay, *, rich: bool, limit: int | None) -> None:
    tenant, rng, today = replay.tenant, replay.rng, replay.today
    book = list(Account.objects.filter(tenant=tenant).select_related("owner", "tenant").order_by("pk"))
    replay.csms = replay.csms or [a.owner for a in book if a.owner] or [None]
    # The signal that starts a core track for a new account runs on commit: inside the demo's
    # transaction no account has one yet, and afterwards it finds them all started (it is idempotent).
    started = set(
        JourneyTrack.objects.filter(tenant=tenant, name=DEFAULT_TRACK_NAME).values_list("account_id", flat=True)
    )
    plans = [core_plan(a, bounds=replay.bounds, rng=rng, today=today) for a in book if a.pk not in started]
    plans = cast(plans, limit=limit, bounds=replay.bounds, today=today)
    # Every path is drawn before anything reads the data, so the stories do not depend on the day's health.
    extra = enterprise_plans(plans, rng=rng, today=today) if rich else []
    if rich:
        seed_plans(replay, [p.account for p in plans])
    # Each track is judged once, after its whole history, rather than after each of its moves and ticks.
    with services.track_status_deferred():
        core = {plan.account.pk: _replay_track(replay, plan) for plan in plans}
        if rich:
            for plan in extra:
                _replay_track(replay, plan)
            _champion_lost_now(replay, plans, core)
            value_documented_ticks(replay, [t for t in core.values() if t.is_active and t.stage == ONB])
            _current_ticks(replay)
    # Accounts left out of a smaller demo start the way a new account does: in onboarding, today.
    services.account_tracks_start(tenant=tenant, account_ids=[a.pk for a in book])
    # A stage replayed from the past is judged against today's clock on the way (stalled for a
    # moment, cleared by the next move): those flags never held, so they leave no trace.
    TrackFlag.objects.filter(tenant=tenant, kind=FlagKind.STALLED, status=FlagStatus.CLEARED).delete()
    services.tracks_refresh_status(tenant=tenant)
    replay.count("tracks", JourneyTrack.objects.filter(tenant=tenant).count())


def _tick(replay: Replay, track: JourneyTrack, keys, since: dt.date, until: dt.date) -> None:
    for criterion in replay.criteria.get(track.stage, []):
        if criterion.kind == CriterionKind.MANUAL and criterion.key in keys:
            # Between the day the stay began and the day it ended, not on either.
            span = (until - since).days
            day = since + dt.timedelta(days=replay.rng.randint(1, span - 1) if span >= 2 else 0)
            by = replay.by(track.account)
            services.criterion_check(track=track, criterion=criterion, by=by, at=replay.at(day, 12))
            replay.count("ticks")


def _replay_track(replay: Replay, plan: Plan) -> JourneyTrack:
    account = plan.account
    by = replay.by(account)
    track = services.track_create(
        tenant=replay.tenant,
        account=account,
        name=plan.name,
        by=by,
        scope_kind=plan.scope_kind,
        at=replay.at(plan.start, 9),
    )
    entered = plan.start
    for move in plan.moves:
        if not move.to_stage:
            services.track_end(track=track, by=by, reason_text=move.reason_text, at=replay.at(move.day, 17))
            track.ended_at = replay.at(move.day, 17)
            replay.count("ended")
            continue
        forward = track.is_active and Stage.position(move.to_stage) > Stage.position(track.stage)
        if forward and account.owner_id and (replay.today - move.day).days <= TICKED_HISTORY_DAYS:
            manual = [c.key for c in replay.criteria.get(track.stage, []) if c.kind == CriterionKind.MANUAL]
            _tick(replay, track, manual, entered, move.day)
        transition = services.track_transition(
            track=track,
            to_stage=move.to_stage,
            by=by,
            reason=move.reason,
            reason_text=move.reason_text,
            note=move.note,
            override_reason=OVERRIDES.get(track.stage, ""),
            at=replay.at(move.day),
        )
        track.stage, track.ended_at, entered = move.to_stage, None, move.day
        replay.count(transition.kind)
        if move.reason:
            replay.count(f"regress_{move.reason}")
    return track


def _champion_lost_now(replay: Replay, plans: list[Plan], core: dict[int, JourneyTrack]) -> None:
    """Two champions leave this week: their contact is deactivated and the tracks are flagged for review.

    The contacts' receiver raises the same flag on commit; raising it here as well keeps the demo whole
    where on-commit work does not run (the tests), and the second raise only refreshes the open flag.
    """
    candidates = [
        p.account for p in plans if p.account.owner_id and not p.ended and core[p.account.pk].stage in (ADO, RET, EXP)
    ]
    champions: dict[int, Contact] = {}
    for contact in Contact.objects.filter(
        tenant=replay.tenant, account__in=candidates, is_active=True, roles__contains="champion"
    ).order_by("pk"):
        champions.setdefault(contact.account_id, contact)
    for account in [a for a in candidates if a.pk in champions][:2]:
        champion = contact_update(contact=champions[account.pk], is_active=False)
        services.tracks_flag_for_review(
            tenant=replay.tenant,
            account=account,
            kind=FlagKind.CHAMPION_LOST,
            why=f"Champion {champion.name} is no longer active",
        )
        replay.count("champion_lost_flags")


def _current_ticks(replay: Replay) -> None:
    """Partly done checklists on current stays, who ticked what and when: CSM-owned tracks and every onboarding."""
    rng = replay.rng
    tracks = JourneyTrack.objects.filter(tenant=replay.tenant, ended_at__isnull=True).select_related("account__owner")
    for track in tracks:
        if not track.account.owner_id and track.stage != ONB:
            continue
        keys = [key for key, share in CURRENT_TICKS.items() if rng.random() < share]
        if "go_live_confirmed" in keys and "implementation_done" not in keys:
            keys.remove("go_live_confirmed")
        if keys:
            since = tenant_time.local(replay.tenant, track.stage_entered_at).date()
            _tick(replay, track, keys, since, replay.today + dt.timedelta(days=1))
