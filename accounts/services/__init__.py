"""Every write on the book of business with a rule in it."""

from .book import (
    account_create,
    account_deactivate,
    account_reactivate,
    account_update,
    arr_from_contracts_message,
    contact_create,
    contact_update,
    roles_join,
)
from .custom_fields import custom_field_define, custom_field_delete, custom_field_update, custom_field_values_clean
from .health_figures import account_health_update
from .tiers import (
    account_apply_tier_rule,
    account_remove_tier_override,
    account_set_tier_override,
    service_model_settings,
    service_model_settings_update,
    tier_for_acv,
    tier_overrides_expire,
    tier_save,
    tiers_create_defaults,
    tiers_reassign,
)

__all__ = [
    "account_apply_tier_rule",
    "account_create",
    "account_deactivate",
    "account_health_update",
    "account_reactivate",
    "account_remove_tier_override",
    "account_set_tier_override",
    "account_update",
    "arr_from_contracts_message",
    "contact_create",
    "contact_update",
    "custom_field_define",
    "custom_field_delete",
    "custom_field_update",
    "custom_field_values_clean",
    "roles_join",
    "service_model_settings",
    "service_model_settings_update",
    "tier_for_acv",
    "tier_overrides_expire",
    "tier_save",
    "tiers_create_defaults",
    "tiers_reassign",
]
