"""Every write on journeys with a rule in it; views, the API, receivers and tasks call these."""

from .flags import flag_confirm, flag_dismiss, flag_raise, flag_task_make, tracks_flag_for_review
from .plans import (
    measurement_delete,
    measurement_record,
    milestone_create,
    milestone_update,
    objective_create,
    objective_update,
)
from .settings import exit_criterion_create, exit_criterion_delete, exit_criterion_update
from .status import (
    expectations_for,
    expected_met,
    stage_expectation_update,
    track_status_deferred,
    track_status_refresh,
    tracks_refresh_status,
)
from .tracks import (
    account_tracks_start,
    criterion_check,
    criterion_uncheck,
    track_create,
    track_end,
    track_rename,
    track_transition,
    transition_kind_for,
)

__all__ = [
    "account_tracks_start",
    "criterion_check",
    "criterion_uncheck",
    "exit_criterion_create",
    "exit_criterion_delete",
    "exit_criterion_update",
    "expectations_for",
    "expected_met",
    "flag_confirm",
    "flag_dismiss",
    "flag_raise",
    "flag_task_make",
    "measurement_delete",
    "measurement_record",
    "milestone_create",
    "milestone_update",
    "objective_create",
    "objective_update",
    "stage_expectation_update",
    "track_create",
    "track_end",
    "track_rename",
    "track_status_deferred",
    "track_status_refresh",
    "track_transition",
    "tracks_flag_for_review",
    "tracks_refresh_status",
    "transition_kind_for",
]
