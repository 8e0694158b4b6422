"""Tenants, people and credentials, and the base every tenant-owned model builds on."""

from .invitations import Invitation, InvitationStatus
from .keys import ApiKey, ApiKeyKind
from .outbox import OutboxEvent
from .people import Membership, Role, Team, User, UserManager
from .tenants import Tenant, TenantOwned, normalise_currency, validate_time_zone

__all__ = [
    "ApiKey",
    "ApiKeyKind",
    "Invitation",
    "InvitationStatus",
    "Membership",
    "OutboxEvent",
    "Role",
    "Team",
    "Tenant",
    "TenantOwned",
    "User",
    "UserManager",
    "normalise_currency",
    "validate_time_zone",
]
