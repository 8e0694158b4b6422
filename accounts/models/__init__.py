"""The book of business: accounts, contacts, service tiers and their history, custom fields, imports."""

from .book import Account, AccountStatus, Contact, ContactRole, Segment
from .custom_fields import CustomFieldDefinition, CustomFieldType
from .imports import ACCOUNT_IMPORT_KINDS, ImportJob, ImportKind, ImportMapping, ImportMode, ImportStatus
from .tiers import (
    TIER_SETTINGS,
    Cadence,
    ServiceModelSettings,
    ServiceTier,
    TierChange,
    TierChangeReason,
    TierOverride,
    TouchModel,
)

__all__ = [
    "ACCOUNT_IMPORT_KINDS",
    "TIER_SETTINGS",
    "Account",
    "AccountStatus",
    "Cadence",
    "Contact",
    "ContactRole",
    "CustomFieldDefinition",
    "CustomFieldType",
    "ImportJob",
    "ImportKind",
    "ImportMapping",
    "ImportMode",
    "ImportStatus",
    "Segment",
    "ServiceModelSettings",
    "ServiceTier",
    "TierChange",
    "TierChangeReason",
    "TierOverride",
    "TouchModel",
]
