"""Renewals' data: contracts and their amendments, renewals with their runway of checkpoints and forecast,
the expansion pipeline, and each tenant's renewal settings."""

from .contracts import AmendmentKind, Contract, ContractAmendment, ContractStatus
from .pipeline import ExpansionOpportunity, OpportunityKind, OpportunitySource, OpportunityStage
from .renewals import (
    Checkpoint,
    CheckpointStatus,
    Forecast,
    ForecastChange,
    Lever,
    Outcome,
    OutcomeReason,
    ReasonApplies,
    Renewal,
    RenewalSettings,
    RenewalStatus,
    RunwayStep,
)

__all__ = [
    "AmendmentKind",
    "Checkpoint",
    "CheckpointStatus",
    "Contract",
    "ContractAmendment",
    "ContractStatus",
    "ExpansionOpportunity",
    "Forecast",
    "ForecastChange",
    "Lever",
    "OpportunityKind",
    "OpportunitySource",
    "OpportunityStage",
    "Outcome",
    "OutcomeReason",
    "ReasonApplies",
    "Renewal",
    "RenewalSettings",
    "RenewalStatus",
    "RunwayStep",
]
