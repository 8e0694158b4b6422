"""Signals: what in today's scores deserves action. One open signal per kind and subject; a rerun
refreshes it instead of adding another, a cleared condition resolves it, and a resolved one stays
quiet for its kind's cooldown. New and resolved signals are announced for other apps (health.signals)."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import text

from ..models import HealthModel, HealthSignal, Severity, SignalKind, SignalStatus
from ..scoring.engine import AccountScore, Inputs
from ..signals import signals_announce

SCORE_DROP_POINTS = 15
BAND_CHANGE_MIN_POINTS = 5
SATURATION_FOR_EXPANSION = 0.8
DETRACTOR_MAX = 6
DETRACTOR_RECENT_DAYS = 90
TICKET_SPIKE_MIN = 3
TICKET_SPIKE_FACTOR = 3
DEFAULT_COOLDOWN_DAYS: dict[str, int] = {
    SignalKind.POWER_USER_INACTIVE: 14,
    SignalKind.SCORE_DROP: 7,
    SignalKind.BAND_CHANGE: 7,
    SignalKind.EXPANSION: 30,
    SignalKind.LOCKED_FEATURE: 14,
    SignalKind.LATE_PAYMENT: 7,
    SignalKind.NPS_DETRACTOR: 30,
    SignalKind.TICKET_SPIKE: 7,
}
BAND_RANK = {"red": 0, "yellow": 1, "green": 2}


@dataclass
class Wanted:
    account_id: int
    kind: str
    subject: str
    severity: str
    message: str
    contact_id: int | None = None
    data: dict | None = None

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.account_id, self.kind, self.subject)


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def wanted_signals(
    *, inputs: Inputs, scores: dict[int, AccountScore], week_ago: dict[int, dict], today: dt.date
) -> list[Wanted]:
    """Every signal whose condition holds today, with its message."""
    wanted: list[Wanted] = []
    for account_id, score in scores.items():
        name = inputs.accounts.loc[account_id, "name"]
        facts = inputs.facts.get(account_id, {})
        power = score.measures.get("power_users", {}).get("detail") or {}
        for person in power.get("inactive", []):
            wanted.append(
                Wanted(
                    account_id,
                    SignalKind.POWER_USER_INACTIVE,
                    f"contact:{person['contact_id']}",
                    Severity.HIGH,
                    f"Power user {person['name']} at {name} inactive {person['days']} days. Time for a check-in.",
                    contact_id=person["contact_id"],
                    data={"days": person["days"]},
                )
            )
        before = week_ago.get(account_id) or {}
        if score.score is not None and before.get("score") is not None:
            drop = before["score"] - score.score
            if drop >= SCORE_DROP_POINTS:
                wanted.append(
                    Wanted(
                        account_id,
                        SignalKind.SCORE_DROP,
                        "account",
                        Severity.HIGH,
                        f"Health at {name} fell {drop} points in 7 days ({before['score']} to {score.score}).",
                        data={"from": before["score"], "to": score.score},
                    )
                )
            # A score wobbling around a band's edge is not news: the move must be BAND_CHANGE_MIN_POINTS.
            moved = abs(score.score - before["score"]) >= BAND_CHANGE_MIN_POINTS
            if before.get("band") and score.band and before["band"] != score.band and moved:
                worse = BAND_RANK[score.band] < BAND_RANK[before["band"]]
                severity = (Severity.HIGH if score.band == "red" else Severity.MEDIUM) if worse else Severity.LOW
                wanted.append(
                    Wanted(
                        account_id,
                        SignalKind.BAND_CHANGE,
                        "account",
                        severity,
                        f"{name} moved from {before['band']} to {score.band} this week (health {score.score}).",
                        data={"from": before["band"], "to": score.band},
                    )
                )
        saturation = score.measures.get("seat_saturation", {})
        if (saturation.get("raw") or 0) >= SATURATION_FOR_EXPANSION and facts.get("advanced_30", 0) > 0:
            seen = saturation.get("detail", {})
            wanted.append(
                Wanted(
                    account_id,
                    SignalKind.EXPANSION,
                    "account",
                    Severity.OPPORTUNITY,
                    f"{name} uses {saturation['raw'] * 100:.0f}% of its seats "
                    f"({seen.get('seen')} of {seen.get('seats')}) "
                    f"and advanced features ({facts['advanced_30']} uses in 30 days): ready to expand.",
                    data={"saturation": saturation["raw"], "advanced_30": facts["advanced_30"]},
                )
            )
        locked, upgrade = facts.get("locked_14", 0), facts.get("upgrade_14", 0)
        if locked or upgrade:
            parts = [f"clicked locked features {_times(locked)}"] if locked else []
            parts += [f"visited the upgrade page {_times(upgrade)}"] if upgrade else []
            wanted.append(
                Wanted(
                    account_id,
                    SignalKind.LOCKED_FEATURE,
                    "account",
                    Severity.OPPORTUNITY,
                    f"People at {name} {' and '.join(parts)} in 14 days.",
                    data={"locked": locked, "upgrade": upgrade},
                )
            )
        if late := facts.get("late_invoice"):
            wanted.append(
                Wanted(
                    account_id,
                    SignalKind.LATE_PAYMENT,
                    f"invoice:{late['id']}",
                    Severity.HIGH if late["days"] >= 30 else Severity.MEDIUM,
                    (
                        f"Invoice {late['number'] or ''} at {name} is {text.plural(late['days'], 'day')} late "
                        f"({text.money(late['amount'], inputs.tenant)} unpaid)."
                    ).replace("Invoice  ", "An invoice "),
                    data=late,
                )
            )
        answer = facts.get("nps")
        if answer and answer["score"] <= DETRACTOR_MAX:
            answered = dt.date.fromisoformat(answer["on"])
            if (today - answered).days <= DETRACTOR_RECENT_DAYS:
                who = answer.get("name") or "Someone"
                wanted.append(
                    Wanted(
                        account_id,
                        SignalKind.NPS_DETRACTOR,
                        f"nps:{answer['id']}",
                        Severity.MEDIUM,
                        f"{who} at {name} answered NPS {answer['score']} (detractor) on {text.day(answered)}.",
                        data=answer,
                    )
                )
        week, usual = facts.get("tickets_week", 0), facts.get("tickets_prior_weekly", 0.0)
        if week >= TICKET_SPIKE_MIN and week >= TICKET_SPIKE_FACTOR * usual:
            p1 = facts.get("tickets_week_p1", 0)
            wanted.append(
                Wanted(
                    account_id,
                    SignalKind.TICKET_SPIKE,
                    "account",
                    Severity.HIGH if p1 else Severity.MEDIUM,
                    f"{name} opened {week} tickets in 7 days"
                    + (f" ({p1} P1)" if p1 else "")
                    + f", against a usual {usual:.1f} a week.",
                    data={"week": week, "p1": p1, "usual_weekly": usual},
                )
            )
    return wanted


def cooldowns(model: HealthModel | None) -> dict[str, int]:
    chosen = dict(DEFAULT_COOLDOWN_DAYS)
    for kind, days in ((model.signal_cooldowns if model else None) or {}).items():
        chosen[kind] = int(days)
    return chosen


def _signals_create(new: list[HealthSignal]) -> list[HealthSignal]:
    """The new signals in one insert; if another worker on the same accounts raised one of them a moment
    ago (the one-open-signal constraint), one by one, each in a savepoint, keeping the others."""
    try:
        with transaction.atomic():
            return HealthSignal.objects.bulk_create(new)
    except IntegrityError:
        made = []
        for signal in new:
            signal.pk = None
            try:
                with transaction.atomic():
                    signal.save(force_insert=True)
                made.append(signal)
            except IntegrityError:
                continue
        return made


def signals_sync(
    *, tenant, account_ids: list[int], wanted: list[Wanted], today: dt.date, cooldown_days: dict[str, int]
) -> dict[str, int]:
    """Make the open signals of these accounts what `wanted` says: raise, refresh, resolve."""
    now = timezone.now()
    open_now = {
        (s.account_id, s.kind, s.subject): s
        for s in HealthSignal.objects.filter(tenant=tenant, account_id__in=account_ids, status=SignalStatus.OPEN)
    }
    longest = max(cooldown_days.values(), default=0)
    quiet = {
        (s["account_id"], s["kind"], s["subject"]): s["resolved_at"]
        for s in HealthSignal.objects.filter(
            tenant=tenant,
            account_id__in=account_ids,
            status=SignalStatus.RESOLVED,
            resolved_at__gte=now - dt.timedelta(days=longest),
        )
        .order_by("resolved_at")
        .values("account_id", "kind", "subject", "resolved_at")
    }
    refreshed, resolved, new = 0, [], []
    wanted_keys = set()
    for item in wanted:
        wanted_keys.add(item.key)
        current = open_now.get(item.key)
        if current is not None:
            if (current.message, current.severity, current.data) != (item.message, item.severity, item.data or {}):
                current.message, current.severity, current.data, current.updated_at = (
                    item.message[:500],
                    item.severity,
                    item.data or {},
                    now,
                )
                current.save(update_fields=["message", "severity", "data", "updated_at"])
                refreshed += 1
            continue
        resolved_at = quiet.get(item.key)
        if resolved_at and resolved_at >= now - dt.timedelta(days=cooldown_days.get(item.kind, 0)):
            continue
        new.append(
            HealthSignal(
                tenant=tenant,
                account_id=item.account_id,
                contact_id=item.contact_id,
                kind=item.kind,
                subject=item.subject,
                severity=item.severity,
                message=item.message[:500],
                data=item.data or {},
                raised_on=today,
                raised_at=now,
                updated_at=now,
            )
        )
    raised = _signals_create(new)
    for key, current in open_now.items():
        if key not in wanted_keys:
            current.status, current.resolved_at, current.resolved_on = SignalStatus.RESOLVED, now, today
            current.updated_at = now
            current.save(update_fields=["status", "resolved_at", "resolved_on", "updated_at"])
            resolved.append(current)

    signals_announce(tenant=tenant, raised=[s.pk for s in raised], resolved=[s.pk for s in resolved])
    return {"raised": len(raised), "refreshed": refreshed, "resolved": len(resolved)}
