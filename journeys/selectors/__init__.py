"""Every read of journeys worth a name, one module per feature: tracks (the board and the track list),
account (an account's journey), flags, settings, plans (success plans), criteria (the exit criteria and
their evaluation) and analytics (a package of its own). The names of all but analytics are here too."""

from .account import TrackJourney, account_journey, account_objectives, account_renewal, track_checklist
from .criteria import (
    AccountFacts,
    CriterionState,
    account_facts,
    evaluate,
    exit_criteria_by_stage,
    exit_criteria_ensure,
    tracks_criteria,
)
from .flags import flag_get, flag_list, flags_with_tasks, with_back_stages
from .plans import (
    PlannedObjective,
    SuccessPlan,
    measurement_get,
    measurement_list,
    milestone_get,
    milestone_list,
    milestone_state,
    objective_book,
    objective_get,
    objective_is_overdue,
    objective_list,
    success_plan,
)
from .settings import exit_criterion_get, exit_criterion_list, stage_expectation_list
from .tracks import BoardColumn, board_columns, board_renewals, track_get, track_list, tracks_filtered, tracks_sorted

__all__ = [
    "AccountFacts",
    "BoardColumn",
    "CriterionState",
    "PlannedObjective",
    "SuccessPlan",
    "TrackJourney",
    "account_facts",
    "account_journey",
    "account_objectives",
    "account_renewal",
    "board_columns",
    "board_renewals",
    "evaluate",
    "exit_criteria_by_stage",
    "exit_criteria_ensure",
    "exit_criterion_get",
    "exit_criterion_list",
    "flag_get",
    "flag_list",
    "flags_with_tasks",
    "measurement_get",
    "measurement_list",
    "milestone_get",
    "milestone_list",
    "milestone_state",
    "objective_book",
    "objective_get",
    "objective_is_overdue",
    "objective_list",
    "stage_expectation_list",
    "success_plan",
    "track_checklist",
    "track_get",
    "track_list",
    "tracks_criteria",
    "tracks_filtered",
    "tracks_sorted",
    "with_back_stages",
]
