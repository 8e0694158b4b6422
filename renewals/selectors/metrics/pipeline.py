"""Expansion pipeline metrics: value by stage, close rate, average deal and time to close.

- Open stages (identified, qualified, proposed) are counted as they stand today.
- Won and lost count the opportunities closed (`closed_on`) in the period, every closed one without a period.
- Close rate = won / (won + lost) of those; None when none closed.
- Average deal: the mean value of the won ones. Average days to close: the mean of identified_on -> closed_on
  of the won ones.
Two queries, however many opportunities: one aggregate of the open stages, one of the closed ones.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum

from tenancy.models import Tenant, User

from ...models import ExpansionOpportunity, OpportunityStage

ZERO = Decimal(0)


@dataclass(frozen=True)
class StageTotal:
    stage: str
    label: str
    count: int
    value: Decimal


@dataclass
class PipelineMetrics:
    start: dt.date | None
    end: dt.date | None
    by_stage: list[StageTotal] = field(default_factory=list)
    open_count: int = 0
    open_value: Decimal = ZERO
    won_count: int = 0
    won_value: Decimal = ZERO
    lost_count: int = 0
    lost_value: Decimal = ZERO
    close_rate: Decimal | None = None
    average_deal: Decimal | None = None
    average_days_to_close: float | None = None

    @property
    def close_rate_pct(self) -> Decimal | None:
        return None if self.close_rate is None else (self.close_rate * 100).quantize(Decimal("0.1"))

    def as_dict(self) -> dict:
        def text(value):
            return None if value is None else str(value)

        return {
            "start": text(self.start and self.start.isoformat()),
            "end": text(self.end and self.end.isoformat()),
            "by_stage": [
                {"stage": s.stage, "label": s.label, "count": s.count, "value": str(s.value)} for s in self.by_stage
            ],
            "open_count": self.open_count,
            "open_value": str(self.open_value),
            "won_count": self.won_count,
            "won_value": str(self.won_value),
            "lost_count": self.lost_count,
            "lost_value": str(self.lost_value),
            "close_rate": text(self.close_rate),
            "average_deal": text(self.average_deal),
            "average_days_to_close": self.average_days_to_close,
        }


def pipeline_metrics(
    *, tenant: Tenant, owner: User | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> PipelineMetrics:
    """The pipeline of the tenant (or of one owner's opportunities); won and lost closed in [start, end)."""
    opportunities = ExpansionOpportunity.objects.filter(tenant=tenant)
    if owner is not None:
        opportunities = opportunities.filter(owner=owner)
    open_totals = {
        row["stage"]: (row["count"], row["value"] or ZERO)
        for row in opportunities.filter(stage__in=OpportunityStage.open_stages())
        .values("stage")
        .annotate(count=Count("id"), value=Sum("value"))
        .order_by()
    }
    closed = opportunities.filter(stage__in=[OpportunityStage.WON, OpportunityStage.LOST])
    if start is not None:
        closed = closed.filter(closed_on__gte=start)
    if end is not None:
        closed = closed.filter(closed_on__lt=end)
    won_values: list[Decimal] = []
    won_days: list[int] = []
    lost_count, lost_value = 0, ZERO
    # The closed ones of a period are few enough to read: the mean of day differences stays portable this way.
    for stage, value, identified_on, closed_on in closed.values_list("stage", "value", "identified_on", "closed_on"):
        if stage == OpportunityStage.WON:
            won_values.append(value)
            if closed_on is not None:
                won_days.append((closed_on - identified_on).days)
        else:
            lost_count, lost_value = lost_count + 1, lost_value + value
    metrics = PipelineMetrics(start=start, end=end)
    for stage in OpportunityStage:
        if stage == OpportunityStage.WON:
            count, value = len(won_values), sum(won_values, ZERO)
        elif stage == OpportunityStage.LOST:
            count, value = lost_count, lost_value
        else:
            count, value = open_totals.get(stage.value, (0, ZERO))
        metrics.by_stage.append(StageTotal(stage.value, stage.label, count, value))
    metrics.open_count = sum(open_totals[stage][0] for stage in open_totals)
    metrics.open_value = sum((open_totals[stage][1] for stage in open_totals), ZERO)
    metrics.won_count, metrics.won_value = len(won_values), sum(won_values, ZERO)
    metrics.lost_count, metrics.lost_value = lost_count, lost_value
    decided = metrics.won_count + lost_count
    metrics.close_rate = (Decimal(metrics.won_count) / decided).quantize(Decimal("0.000001")) if decided else None
    if won_values:
        metrics.average_deal = (metrics.won_value / len(won_values)).quantize(Decimal("0.01"))
    if won_days:
        metrics.average_days_to_close = round(sum(won_days) / len(won_days), 1)
    return metrics
