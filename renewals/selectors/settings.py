"""Reads of the renewal settings pages: one runway step or outcome reason, and the runway as a grid."""

from dataclasses import dataclass

from accounts.models import Segment
from tenancy.models import Tenant

from ..models import OutcomeReason, RunwayStep


def runway_step_get(*, tenant: Tenant, runway_step_id: int) -> RunwayStep:
    return RunwayStep.objects.get(tenant=tenant, pk=runway_step_id)


def outcome_reason_get(*, tenant: Tenant, outcome_reason_id: int) -> OutcomeReason:
    return OutcomeReason.objects.get(tenant=tenant, pk=outcome_reason_id)


@dataclass
class RunwayGrid:
    """The runway steps as a grid: one row per segment, one column per T-minus day in use anywhere."""

    days: list[int]
    rows: list[tuple[str, str, list[RunwayStep | None]]]


def runway_grid(steps: list[RunwayStep]) -> RunwayGrid:
    days = sorted({s.days_before for s in steps}, reverse=True)
    cells = {(s.segment, s.days_before): s for s in steps}
    return RunwayGrid(
        days=days,
        rows=[(value, label, [cells.get((value, d)) for d in days]) for value, label in Segment.choices],
    )
