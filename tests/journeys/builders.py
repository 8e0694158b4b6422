"""Building journeys fixtures through the services the product uses: tracks that entered their stage
some days ago, the tenant's criteria, ticks. Each helper enters the tenant's scope itself."""

import datetime as dt

from django.utils import timezone
from django_scopes import scope

from journeys import services
from journeys.models import CriterionKind, ExitCriterion, JourneyTrack
from journeys.selectors.criteria import exit_criteria_by_stage, exit_criteria_ensure

from ..accounts.builders import make_account

__all__ = ["criteria_of", "criterion", "data_criteria_off", "make_account", "reload", "tick_manual", "track_at"]


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
