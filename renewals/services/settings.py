"""A tenant's renewal settings: runway steps per segment, the churn and contraction reasons, the rules."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Segment
from tenancy.models import Tenant

from ..defaults import OUTCOME_REASONS, RUNWAYS
from ..models import OutcomeReason, ReasonApplies, RenewalSettings, RunwayStep

SETTINGS_FIELDS = {"review_window_days", "product_led_auto_renew", "default_notice_days", "expansion_estimate_pct"}


def renewal_settings(*, tenant: Tenant) -> RenewalSettings:
    found, _ = RenewalSettings.objects.get_or_create(tenant=tenant)
    return found


def renewal_settings_update(*, tenant: Tenant, **fields) -> RenewalSettings:
    unknown = set(fields) - SETTINGS_FIELDS
    if unknown:
        raise TypeError(f"renewal_settings_update() got unexpected fields {sorted(unknown)}")
    found = renewal_settings(tenant=tenant)
    for name, value in fields.items():
        setattr(found, name, value)
    found.full_clean(exclude=["tenant"])
    found.save()
    return found


def _ensure_runways(tenant: Tenant) -> None:
    if RunwayStep.objects.filter(tenant=tenant).exists():
        return
    RunwayStep.objects.bulk_create(
        [
            RunwayStep(tenant=tenant, segment=segment, days_before=days, title=title, description=description)
            for segment, steps in RUNWAYS.items()
            for days, (title, description) in steps
        ],
        ignore_conflicts=True,
    )


def runway_steps(*, tenant: Tenant, segment: str | None = None, include_inactive: bool = False) -> list[RunwayStep]:
    """The tenant's runway steps, earliest (largest T-minus) first; the seed's, made on first use."""
    _ensure_runways(tenant)
    found = RunwayStep.objects.filter(tenant=tenant)
    if segment:
        found = found.filter(segment=segment)
    if not include_inactive:
        found = found.filter(is_active=True)
    return list(found.order_by("segment", "-days_before", "id"))


def runway_step_save(*, step: RunwayStep) -> RunwayStep:
    """Add or change a step; open renewals keep the runway they were given (a new one follows the settings)."""
    # The seed's runway first: a tenant whose first change is a new step keeps the others.
    _ensure_runways(step.tenant)
    if step.segment not in Segment.values:
        raise ValidationError({"segment": f"Unknown segment {step.segment!r}."})
    step.full_clean(exclude=["tenant"], validate_constraints=False)
    clash = RunwayStep.objects.filter(tenant=step.tenant, segment=step.segment, days_before=step.days_before)
    if clash.exclude(pk=step.pk).exists():
        raise ValidationError(
            {"days_before": f"{step.get_segment_display()} already has a step at T-{step.days_before}."}
        )
    step.save()
    return step


def runway_step_delete(*, step: RunwayStep) -> None:
    step.delete()


def _ensure_reasons(tenant: Tenant) -> None:
    if OutcomeReason.objects.filter(tenant=tenant).exists():
        return
    OutcomeReason.objects.bulk_create(
        [
            OutcomeReason(tenant=tenant, label=label, applies_to=applies, position=position)
            for position, (label, applies) in enumerate(OUTCOME_REASONS, start=1)
        ],
        ignore_conflicts=True,
    )


def outcome_reasons(
    *, tenant: Tenant, applies_to: str | None = None, include_inactive: bool = False
) -> list[OutcomeReason]:
    """The tenant's churn and contraction reasons (the seed's, made on first use); `applies_to` narrows
    to those that fit a churn or a contraction."""
    _ensure_reasons(tenant)
    found = OutcomeReason.objects.filter(tenant=tenant)
    if applies_to:
        found = found.filter(applies_to__in=[applies_to, ReasonApplies.BOTH])
    if not include_inactive:
        found = found.filter(is_active=True)
    return list(found)


def outcome_reason_save(*, reason: OutcomeReason) -> OutcomeReason:
    _ensure_reasons(reason.tenant)
    reason.label = (reason.label or "").strip()
    reason.full_clean(exclude=["tenant"], validate_constraints=False)
    try:
        with transaction.atomic():
            reason.save()
    except IntegrityError as error:
        raise ValidationError({"label": f"There is already a reason called {reason.label!r}."}) from error
    return reason
