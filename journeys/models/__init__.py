"""Journeys: tracks through the six stages, their transitions, exit criteria, and success plans."""

from .criteria import CriterionCheck, CriterionKind, ExitCriterion, StageExpectation
from .plans import Measurement, Milestone, Objective, ObjectiveStatus
from .tracks import (
    FlagKind,
    FlagStatus,
    JourneyTrack,
    RegressionReason,
    ScopeKind,
    Stage,
    StageTransition,
    TrackFlag,
    TrackStatus,
    TransitionKind,
)

__all__ = [
    "CriterionCheck",
    "CriterionKind",
    "ExitCriterion",
    "FlagKind",
    "FlagStatus",
    "JourneyTrack",
    "Measurement",
    "Milestone",
    "Objective",
    "ObjectiveStatus",
    "RegressionReason",
    "ScopeKind",
    "Stage",
    "StageExpectation",
    "StageTransition",
    "TrackFlag",
    "TrackStatus",
    "TransitionKind",
]
