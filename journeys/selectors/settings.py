"""Reads of the journey settings: the exit criteria per stage and the stage expectations."""

from django.db.models import QuerySet

from tenancy.models import Tenant

from ..models import ExitCriterion, Stage, StageExpectation
from .criteria import exit_criteria_ensure


def exit_criterion_list(*, tenant: Tenant) -> dict[str, list[ExitCriterion]]:
    """Every criterion per stage, in use or not, in the order the checklist shows them."""
    exit_criteria_ensure(tenant=tenant)
    by_stage: dict[str, list[ExitCriterion]] = {stage: [] for stage in Stage.values}
    for criterion in ExitCriterion.objects.filter(tenant=tenant).order_by("position", "id"):
        by_stage[criterion.stage].append(criterion)
    return by_stage


def exit_criterion_get(*, tenant: Tenant, criterion_id: int) -> ExitCriterion:
    return ExitCriterion.objects.get(tenant=tenant, pk=criterion_id)


def stage_expectation_list(*, tenant: Tenant) -> QuerySet[StageExpectation]:
    return StageExpectation.objects.filter(tenant=tenant)
