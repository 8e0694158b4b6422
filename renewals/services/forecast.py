"""The forecast of a renewal: what the data suggests (health band and trend, open signals, the runway's
progress, a cancellation), with its reasons; the owner's override with a reason; every change kept; and
the leader's review when override and data disagree late in the runway."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import tenant_time
from core.text import day, plural
from health.peers import (
    SEVERITY_RANK,
    HealthSignal,
    Severity,
    SignalKind,
    accounts_latest_scores,
    accounts_open_signals,
)
from tenancy.models import Tenant, User

from ..models import Checkpoint, CheckpointStatus, Forecast, ForecastChange, Renewal, RenewalStatus
from .settings import renewal_settings

# A fall of this many points over 30 days takes the suggestion one step down.
FALLING_TREND_POINTS = 10
# This many open risk signals make the renewal at risk whatever the band says.
RISK_SIGNALS_FOR_AT_RISK = 3

BAND_FORECAST = {"green": Forecast.COMMIT, "yellow": Forecast.BEST_CASE, "red": Forecast.AT_RISK}
RISK_KINDS = {
    SignalKind.POWER_USER_INACTIVE,
    SignalKind.SCORE_DROP,
    SignalKind.LATE_PAYMENT,
    SignalKind.NPS_DETRACTOR,
    SignalKind.TICKET_SPIKE,
}
UPSIDE_KINDS = {SignalKind.EXPANSION, SignalKind.LOCKED_FEATURE}
REVIEW_REASON_MAX = 300
SUGGESTION_FIELDS = ["suggested_forecast", "suggestion_reasons", "suggested_at", "forecast"]
REVIEW_FIELDS = ["needs_review", "review_reason", "reviewed_by", "reviewed_at"]


@dataclass(frozen=True)
class Suggestion:
    category: str
    # Plain sentences a CSM reads on the renewal.
    reasons: list[str]
    # The same facts in a few words, for the leader's review line ("health red (34)").
    highlights: list[str] = field(default_factory=list)


@dataclass
class Facts:
    """What the suggestion reads about one renewal, gathered for many renewals at once."""

    score: int | None
    band: str
    latest_score: int | None = None
    delta_30: int | None = None
    signals: list[HealthSignal] = field(default_factory=list)
    open_checkpoints: list[Checkpoint] = field(default_factory=list)
    cancelled_on: dt.date | None = None
    cancellation_note: str = ""


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def _down(category: str, steps: int = 1) -> str:
    return [Forecast.AT_RISK, Forecast.BEST_CASE, Forecast.COMMIT][max(Forecast.rank(category) - steps, 0)]


def is_risk_signal(signal: HealthSignal) -> bool:
    if signal.kind == SignalKind.BAND_CHANGE:
        return (signal.data or {}).get("to") == "red"
    return signal.kind in RISK_KINDS


def suggest(facts: Facts, today: dt.date) -> Suggestion:
    """The rules, on facts already gathered: no queries."""
    reasons: list[str] = []
    highlights: list[str] = []
    if facts.score is None or facts.band not in BAND_FORECAST:
        category = Forecast.BEST_CASE
        reasons.append("No health score yet.")
        highlights.append("no health score yet")
    else:
        category = BAND_FORECAST[facts.band]
        reasons.append(f"Health is {facts.band} ({facts.score}).")
        highlights.append(f"health {facts.band} ({facts.score})")

    if facts.delta_30 is not None and facts.delta_30 <= -FALLING_TREND_POINTS and facts.latest_score is not None:
        category = _down(category)
        before = facts.latest_score - facts.delta_30
        reasons.append(f"Health fell {-facts.delta_30} points in 30 days ({before} to {facts.latest_score}).")
        highlights.append(f"health fell {-facts.delta_30} points in 30 days")

    ordered = sorted(facts.signals, key=lambda s: (SEVERITY_RANK.get(s.severity, 9), s.raised_on, s.pk or 0))
    risks = [s for s in ordered if is_risk_signal(s)]
    reasons.extend(_sentence(s.message) for s in risks)
    if any(s.severity == Severity.HIGH for s in risks):
        category = _down(category)
    if len(risks) >= RISK_SIGNALS_FOR_AT_RISK:
        category = Forecast.AT_RISK
    if risks:
        high = sum(1 for s in risks if s.severity == Severity.HIGH)
        phrase = plural(len(risks), "open risk signal")
        highlights.append(phrase + (f" ({high} high)" if high else ""))

    overdue = [c for c in facts.open_checkpoints if c.is_overdue(today)]
    if overdue:
        overdue.sort(key=lambda c: (c.due_on, c.position))
        category = _down(category)
        listed = ", ".join(f"{c.title} (due {day(c.due_on)})" for c in overdue)
        reasons.append(f"{plural(len(overdue), 'checkpoint')} overdue: {listed}.")
        highlights.append(f"{plural(len(overdue), 'checkpoint')} overdue")

    if facts.cancelled_on:
        category = Forecast.AT_RISK
        note = f": {facts.cancellation_note.strip().rstrip('.')}" if facts.cancellation_note.strip() else ""
        reasons.append(f"Customer gave notice on {day(facts.cancelled_on)}{note}.")
        highlights.append(f"customer gave notice on {day(facts.cancelled_on)}")

    # Upside is worth knowing, but a renewal is not safer because the customer might buy more.
    reasons.extend(_sentence(s.message) for s in ordered if s.kind in UPSIDE_KINDS)
    return Suggestion(category=category, reasons=reasons, highlights=highlights)


def _gather(*, tenant: Tenant, renewals: list[Renewal]) -> dict[int, Facts]:
    """Facts for every renewal in five queries, however many renewals. Read from the database, not from
    the instances: a caller's account or contract may be older than what health or a cancellation wrote."""
    renewal_ids = [r.pk for r in renewals]
    rows = Renewal.objects.filter(tenant=tenant, pk__in=renewal_ids).values(
        "pk",
        "account_id",
        "account__health_score",
        "account__health_band",
        "contract__cancelled_on",
        "contract__cancellation_note",
    )
    account_ids = sorted({r.account_id for r in renewals})
    latest = accounts_latest_scores(tenant=tenant, account_ids=account_ids, fields=("day", "score", "delta_30"))
    signals = accounts_open_signals(tenant=tenant, account_ids=account_ids)
    checkpoints: dict[int, list[Checkpoint]] = defaultdict(list)
    for checkpoint in Checkpoint.objects.filter(
        tenant=tenant, renewal_id__in=renewal_ids, status=CheckpointStatus.OPEN
    ):
        checkpoints[checkpoint.renewal_id].append(checkpoint)
    facts = {}
    for row in rows:
        score = latest.get(row["account_id"])
        facts[row["pk"]] = Facts(
            score=row["account__health_score"],
            band=row["account__health_band"] or "",
            latest_score=score.score if score else None,
            delta_30=score.delta_30 if score else None,
            signals=signals.get(row["account_id"], []),
            open_checkpoints=checkpoints.get(row["pk"], []),
            cancelled_on=row["contract__cancelled_on"],
            cancellation_note=row["contract__cancellation_note"] or "",
        )
    return facts


def renewal_suggest_forecast(*, renewal: Renewal, today: dt.date) -> Suggestion:
    """What the data says about this renewal today, with its reasons."""
    return suggest(_gather(tenant=renewal.tenant, renewals=[renewal])[renewal.pk], today)


def _label(category: str) -> str:
    return Forecast(category).label.lower()


def _review(renewal: Renewal, *, today: dt.date, window_days: int, highlights: list[str], changed: bool) -> None:
    """Flag an override the data disagrees with late in the runway; an acknowledged flag stays quiet
    until the suggestion or the override changes."""
    if changed:
        renewal.reviewed_by, renewal.reviewed_at = None, None
    days_left = renewal.days_left(today)
    disagree = renewal.is_override and renewal.forecast != renewal.suggested_forecast and days_left <= window_days
    if not disagree:
        renewal.needs_review, renewal.review_reason = False, ""
        renewal.reviewed_by, renewal.reviewed_at = None, None
        return
    when = f"{days_left} days before the end" if days_left >= 0 else f"{-days_left} days after the end"
    text = f"Owner says {_label(renewal.forecast)}, the data says {_label(renewal.suggested_forecast)} {when}" + (
        f": {'; '.join(highlights)}." if highlights else "."
    )
    renewal.review_reason = text if len(text) <= REVIEW_REASON_MAX else text[: REVIEW_REASON_MAX - 3] + "..."
    renewal.needs_review = renewal.reviewed_at is None


def _apply(
    renewal: Renewal, suggestion: Suggestion, *, today: dt.date, window_days: int, now: dt.datetime
) -> ForecastChange | None:
    """Store the suggestion on the renewal (not saved); return the change to record, if any."""
    first = renewal.suggested_at is None
    old_forecast, old_suggested = renewal.forecast, renewal.suggested_forecast
    renewal.suggested_forecast = suggestion.category
    renewal.suggestion_reasons = suggestion.reasons
    renewal.suggested_at = now
    if not renewal.is_override:
        renewal.forecast = suggestion.category
    changed = first or old_forecast != renewal.forecast or old_suggested != renewal.suggested_forecast
    _review(renewal, today=today, window_days=window_days, highlights=suggestion.highlights, changed=changed)
    if not changed:
        return None
    return ForecastChange(
        tenant_id=renewal.tenant_id,
        renewal=renewal,
        # The first suggestion starts the history: there was no forecast before it.
        from_category="" if first else old_forecast,
        to_category=renewal.forecast,
        suggested=suggestion.category,
        is_override=renewal.is_override,
        reasons=suggestion.reasons,
        by=None,
        changed_at=now,
    )


def renewal_refresh_forecast(*, renewal: Renewal, today: dt.date) -> Renewal:
    """Suggest again from today's data; the standing forecast follows unless overridden. Closed: untouched."""
    if renewal.status != RenewalStatus.OPEN:
        return renewal
    settings = renewal_settings(tenant=renewal.tenant)
    suggestion = renewal_suggest_forecast(renewal=renewal, today=today)
    change = _apply(renewal, suggestion, today=today, window_days=settings.review_window_days, now=timezone.now())
    with transaction.atomic():
        renewal.save(update_fields=SUGGESTION_FIELDS + REVIEW_FIELDS)
        if change is not None:
            change.save()
    return renewal


def renewals_refresh_forecast(*, tenant: Tenant, today: dt.date, account_ids: Iterable[int] | None = None) -> int:
    """Refresh every open renewal of the tenant (of these accounts): a constant number of queries, so the
    nightly run costs the same per renewal for ten as for ten thousand. Returns how many were refreshed."""
    settings = renewal_settings(tenant=tenant)
    now = timezone.now()
    with transaction.atomic():
        # Locked: an override saved meanwhile must not be overwritten by the suggestion.
        found = (
            Renewal.objects.filter(tenant=tenant, status=RenewalStatus.OPEN)
            .select_related("tenant")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        if account_ids is not None:
            found = found.filter(account_id__in=list(account_ids))
        renewals = list(found)
        if not renewals:
            return 0
        facts = _gather(tenant=tenant, renewals=renewals)
        changes = [
            change
            for renewal in renewals
            if (
                change := _apply(
                    renewal,
                    suggest(facts[renewal.pk], today),
                    today=today,
                    window_days=settings.review_window_days,
                    now=now,
                )
            )
            is not None
        ]
        Renewal.objects.bulk_update(renewals, SUGGESTION_FIELDS + REVIEW_FIELDS, batch_size=500)
        ForecastChange.objects.bulk_create(changes, batch_size=500)
    return len(renewals)


def _locked(renewal: Renewal) -> Renewal:
    """The renewal's row, locked, copied onto the caller's instance so it sees what was saved."""
    fresh = Renewal.objects.select_for_update().get(tenant_id=renewal.tenant_id, pk=renewal.pk)
    for name in ["status", "closed_on", "forecast", "is_override", "override_reason", "needs_review", "review_reason"]:
        setattr(renewal, name, getattr(fresh, name))
    renewal.reviewed_by_id, renewal.reviewed_at = fresh.reviewed_by_id, fresh.reviewed_at
    renewal.suggested_forecast, renewal.suggestion_reasons = fresh.suggested_forecast, fresh.suggestion_reasons
    renewal.suggested_at = fresh.suggested_at
    return renewal


def _refuse_closed(renewal: Renewal) -> None:
    if renewal.status != RenewalStatus.OPEN:
        raise ValidationError(
            {"category": f"This renewal closed on {renewal.closed_on or 'its end'}: its forecast no longer changes."}
        )


def _record_person(renewal: Renewal, *, old_forecast: str, by: User | None, reason: str, today: dt.date) -> None:
    """Resuggest, recompute the review, save, and record what the person did."""
    settings = renewal_settings(tenant=renewal.tenant)
    suggestion = renewal_suggest_forecast(renewal=renewal, today=today)
    now = timezone.now()
    renewal.suggested_forecast, renewal.suggestion_reasons = suggestion.category, suggestion.reasons
    renewal.suggested_at = now
    if not renewal.is_override:
        renewal.forecast = suggestion.category
    _review(
        renewal, today=today, window_days=settings.review_window_days, highlights=suggestion.highlights, changed=True
    )
    renewal.save(update_fields=SUGGESTION_FIELDS + REVIEW_FIELDS + ["is_override", "override_reason"])
    ForecastChange.objects.create(
        tenant_id=renewal.tenant_id,
        renewal=renewal,
        from_category=old_forecast,
        to_category=renewal.forecast,
        suggested=suggestion.category,
        is_override=renewal.is_override,
        reason=reason[:500],
        reasons=suggestion.reasons,
        by=by,
        changed_at=now,
    )


def renewal_set_forecast(*, renewal: Renewal, category: str, by: User | None, reason: str) -> Renewal:
    """The owner's call, which stands over the suggestion until cleared; the reason is required."""
    if category not in Forecast.values:
        raise ValidationError({"category": f"Unknown forecast {category!r}; use one of {', '.join(Forecast.values)}."})
    reason = (reason or "").strip()
    if not reason:
        suggested = _label(renewal.suggested_forecast)
        raise ValidationError({"reason": f"Say why the forecast is {_label(category)} when the data says {suggested}."})
    if len(reason) > 300:
        raise ValidationError({"reason": f"Keep the reason to 300 characters (this one has {len(reason)})."})
    with transaction.atomic():
        _locked(renewal)
        _refuse_closed(renewal)
        old_forecast = renewal.forecast
        renewal.forecast, renewal.is_override, renewal.override_reason = category, True, reason
        _record_person(
            renewal, old_forecast=old_forecast, by=by, reason=reason, today=tenant_time.today(renewal.tenant)
        )
    return renewal


def renewal_clear_override(*, renewal: Renewal, by: User | None) -> Renewal:
    """Back to following the data."""
    with transaction.atomic():
        _locked(renewal)
        _refuse_closed(renewal)
        if not renewal.is_override:
            raise ValidationError({"category": "This renewal already follows the suggested forecast."})
        old_forecast = renewal.forecast
        renewal.is_override, renewal.override_reason = False, ""
        _record_person(
            renewal,
            old_forecast=old_forecast,
            by=by,
            reason="Override cleared: back to the data.",
            today=tenant_time.today(renewal.tenant),
        )
    return renewal


def renewal_review_acknowledge(*, renewal: Renewal, by: User, note: str = "") -> Renewal:
    """The leader has looked at the disagreement; it stays acknowledged until the suggestion or the override
    changes. Who may do this is the caller's check (Capability.MANAGE)."""
    note = (note or "").strip()
    with transaction.atomic():
        _locked(renewal)
        if not renewal.needs_review:
            raise ValidationError({"needs_review": "This renewal is not flagged for review."})
        now = timezone.now()
        renewal.needs_review, renewal.reviewed_by, renewal.reviewed_at = False, by, now
        renewal.save(update_fields=["needs_review", "reviewed_by", "reviewed_at"])
        ForecastChange.objects.create(
            tenant_id=renewal.tenant_id,
            renewal=renewal,
            from_category=renewal.forecast,
            to_category=renewal.forecast,
            suggested=renewal.suggested_forecast,
            is_override=renewal.is_override,
            reason=(f"Review acknowledged: {note}" if note else "Review acknowledged.")[:500],
            reasons=renewal.suggestion_reasons,
            by=by,
            changed_at=now,
        )
    return renewal
