"""The book of business: accounts, contacts, service tiers and their history, custom fields, imports."""

from .book import Account, AccountStatus, Contact, ContactRole, Segment
from .custom_fields import CustomFieldDefinition, CustomFieldType
from .imports import ImportJob, ImportKind, ImportMapping, ImportMode, ImportStatus
from .tiers import Cadence, ServiceModelSettings, ServiceTier, TierChange, TierChangeReason, TierOverride, TouchModel

__all__ = [
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
