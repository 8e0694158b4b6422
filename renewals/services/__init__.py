"""Every write of renewals with a business rule; the pages, the API, the tasks and the demo call these."""

from .contracts import (
    account_arr_sync,
    contract_amend,
    contract_cancel,
    contract_create,
    contract_update,
    term_end,
)
from .forecast import (
    renewal_clear_override,
    renewal_refresh_forecast,
    renewal_review_acknowledge,
    renewal_set_forecast,
    renewals_refresh_forecast,
)
from .outcomes import contracts_auto_renew, renewal_close
from .pipeline import opportunity_create, opportunity_from_signal, opportunity_move, opportunity_update
from .runway import checkpoint_complete, renewal_assign, renewal_open, runway_plan
from .settings import (
    outcome_reason_save,
    outcome_reasons,
    renewal_settings,
    renewal_settings_update,
    runway_step_delete,
    runway_step_save,
    runway_steps,
)

__all__ = [
    "account_arr_sync",
    "checkpoint_complete",
    "contract_amend",
    "contract_cancel",
    "contract_create",
    "contract_update",
    "contracts_auto_renew",
    "opportunity_create",
    "opportunity_from_signal",
    "opportunity_move",
    "opportunity_update",
    "outcome_reason_save",
    "outcome_reasons",
    "renewal_assign",
    "renewal_clear_override",
    "renewal_close",
    "renewal_open",
    "renewal_refresh_forecast",
    "renewal_review_acknowledge",
    "renewal_set_forecast",
    "renewal_settings",
    "renewal_settings_update",
    "renewals_refresh_forecast",
    "runway_plan",
    "runway_step_delete",
    "runway_step_save",
    "runway_steps",
    "term_end",
]
