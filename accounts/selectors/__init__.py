"""Every read of accounts worth a name, one module per feature: book (accounts, contacts, who may own them),
tiers (the service model's tiers, report and workload) and custom_fields, whose names are all here too; and,
imported from their modules, imports (the import jobs and their preview) and exports (the book as CSV)."""

from .book import (
    account_descendant_ids,
    account_get,
    account_get_by_external_id,
    account_list,
    account_rollup,
    assignable_owner,
    assignable_owners,
    contact_get,
    contact_list,
    contact_role_q,
)
from .custom_fields import custom_field_get, custom_field_list
from .tiers import (
    accounts_by_cost_flag,
    csm_workload,
    tier_change_list,
    tier_get,
    tier_history,
    tier_list,
    tier_loads,
    tier_report,
)

__all__ = [
    "account_descendant_ids",
    "account_get",
    "account_get_by_external_id",
    "account_list",
    "account_rollup",
    "accounts_by_cost_flag",
    "assignable_owner",
    "assignable_owners",
    "contact_get",
    "contact_list",
    "contact_role_q",
    "csm_workload",
    "custom_field_get",
    "custom_field_list",
    "tier_change_list",
    "tier_get",
    "tier_history",
    "tier_list",
    "tier_loads",
    "tier_report",
]
