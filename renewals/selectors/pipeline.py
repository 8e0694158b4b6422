"""Reads of the expansion pipeline pages: the board's columns, the filtered list and one opportunity."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from tenancy.models import Tenant

from ..models import ContractAmendment, ExpansionOpportunity, OpportunitySource, OpportunityStage

BOARD_COLUMN_CARDS = 25
# Won and lost pile up: the board shows those closed in the last 90 days, the list shows them all.
CLOSED_WINDOW_DAYS = 90
SOURCE_SIGNAL = "signal"
# Open cards by value; closed ones most recent first.
CARD_ORDER = (F("closed_on").desc(nulls_last=True), F("value").desc(), F("pk").asc())


def opportunity_list(*, tenant: Tenant) -> QuerySet[ExpansionOpportunity]:
    """Opportunities with what a card or a row shows, in one query however many."""
    return ExpansionOpportunity.objects.filter(tenant=tenant).select_related("account", "account__owner", "owner")


def opportunity_get(*, tenant: Tenant, opportunity_id: int) -> ExpansionOpportunity:
    return opportunity_list(tenant=tenant).select_related("health_signal").get(pk=opportunity_id)


def opportunity_amendment(*, tenant: Tenant, opportunity: ExpansionOpportunity) -> ContractAmendment | None:
    """The amendment a won opportunity added to its contract, if any."""
    return (
        ContractAmendment.objects.filter(tenant=tenant, opportunity=opportunity)
        .select_related("contract", "contract__account")
        .first()
    )


def opportunities_filtered(
    *,
    tenant: Tenant,
    owner_id: int | None = None,
    kind: str = "",
    source: str = "",
    segment: str = "",
    search: str = "",
    stage: str = "",
    closed_since: dt.date | None = None,
) -> QuerySet[ExpansionOpportunity]:
    """`source` is one of OpportunitySource or "signal" (raised by any signal); `closed_since` keeps open
    opportunities and the closed ones closed on or after that day."""
    opportunities = opportunity_list(tenant=tenant)
    if owner_id is not None:
        opportunities = opportunities.filter(owner_id=owner_id)
    if kind:
        opportunities = opportunities.filter(kind=kind)
    if source == SOURCE_SIGNAL:
        opportunities = opportunities.exclude(source=OpportunitySource.MANUAL)
    elif source:
        opportunities = opportunities.filter(source=source)
    if segment:
        opportunities = opportunities.filter(account__segment=segment)
    if term := search.strip():
        opportunities = opportunities.filter(Q(title__icontains=term) | Q(account__name__icontains=term))
    if stage:
        opportunities = opportunities.filter(stage=stage)
    if closed_since is not None:
        opportunities = opportunities.filter(
            Q(stage__in=OpportunityStage.open_stages()) | Q(closed_on__gte=closed_since)
        )
    return opportunities


def opportunities_sorted(opportunities: QuerySet[ExpansionOpportunity]) -> QuerySet[ExpansionOpportunity]:
    return opportunities.order_by(*CARD_ORDER)


@dataclass
class PipelineColumn:
    stage: str
    label: str
    cards: list[ExpansionOpportunity] = field(default_factory=list)
    total: int = 0
    value: Decimal = Decimal(0)

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.cards))

    @property
    def is_closed(self) -> bool:
        return self.stage not in OpportunityStage.open_stages()


def pipeline_columns(
    *, opportunities: QuerySet[ExpansionOpportunity], today: dt.date, per_column: int | None = None
) -> list[PipelineColumn]:
    """The five stages with their counts and values, and their first cards, in two queries however many
    opportunities there are: the totals, and the top cards of every column at once."""
    per_column = per_column or BOARD_COLUMN_CARDS
    shown = opportunities.filter(
        Q(stage__in=OpportunityStage.open_stages()) | Q(closed_on__gte=today - dt.timedelta(days=CLOSED_WINDOW_DAYS))
    )
    columns = {stage: PipelineColumn(stage=stage, label=label) for stage, label in OpportunityStage.choices}
    for row in shown.order_by().values("stage").annotate(n=Count("pk"), total_value=Sum("value")):
        columns[row["stage"]].total = row["n"]
        columns[row["stage"]].value = row["total_value"] or Decimal(0)
    ranked = shown.annotate(
        column_rank=Window(RowNumber(), partition_by=[F("stage")], order_by=list(CARD_ORDER))
    ).filter(column_rank__lte=per_column)
    for opportunity in ranked.order_by(*CARD_ORDER):
        columns[opportunity.stage].cards.append(opportunity)
    return list(columns.values())
