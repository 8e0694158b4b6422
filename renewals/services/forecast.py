"""The forecast of a renewal: the suggestion stored with its reasons (what the data says is read in
renewals.selectors.forecast); the owner's override with a reason; every change kept; and the leader's review
when override and data disagree late in the runway."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core import tenant_time
from tenancy.models import Tenant, User

from ..models import Forecast, ForecastChange, Renewal, RenewalStatus
from ..selectors.forecast import Suggestion, forecast_facts, renewal_suggest_forecast, suggest
from ..signals import announce_forecast_changed
from .settings import renewal_settings

REVIEW_REASON_MAX = 300
SUGGESTION_FIELDS = ["suggested_forecast", "suggestion_reasons", "suggested_at", "forecast"]
REVIEW_FIELDS = ["needs_review", "review_reason", "reviewed_by", "reviewed_at"]


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
            announce_forecast_changed(renewal.tenant, _forecast_moves([change]))
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
        facts = forecast_facts(tenant=tenant, renewals=renewals)
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
        announce_forecast_changed(tenant, _forecast_moves(changes))
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


def _forecast_moves(changes: Iterable[ForecastChange]) -> list[dict]:
    """The changes of the standing forecast worth announcing (forecast_changed): not the first suggestion,
    which starts the history, nor a new suggestion under an override that stands."""
    return [
        {
            "change_id": change.pk,
            "renewal_id": change.renewal.pk,
            "account_id": change.renewal.account_id,
            "from": change.from_category,
            "to": change.to_category,
        }
        for change in changes
        if change.from_category and change.from_category != change.to_category
    ]


def _record_person(
    renewal: Renewal,
    *,
    old_forecast: str,
    by: User | None,
    reason: str,
    today: dt.date,
    origin_playbook_id: int | None = None,
) -> None:
    """Resuggest, recompute the review, save, and record what the person (or a playbook) did."""
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
    change = ForecastChange.objects.create(
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
    announce_forecast_changed(renewal.tenant, _forecast_moves([change]), origin_playbook_id)


def renewal_set_forecast(
    *, renewal: Renewal, category: str, by: User | None, reason: str, origin_playbook_id: int | None = None
) -> Renewal:
    """The owner's call (or a playbook's, `origin_playbook_id`), which stands over the suggestion until
    cleared; the reason is required."""
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
            renewal,
            old_forecast=old_forecast,
            by=by,
            reason=reason,
            today=tenant_time.today(renewal.tenant),
            origin_playbook_id=origin_playbook_id,
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
