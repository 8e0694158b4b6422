"""Every write of the kernel with a rule in it: tenants, memberships, API credentials, invitations."""

from .invitations import (
    invitation_accept,
    invitation_accept_as_new_person,
    invitation_create,
    invitation_link,
    invitation_resend,
    invitation_revoke,
    invitation_send,
)
from .keys import LAST_USED_PRECISION, SECRET_PREFIXES, api_key_authenticate, api_key_create, api_key_revoke
from .members import membership_end_credentials, membership_remove, membership_update
from .tenants import tenant_create, tenant_defaults_ensure, tenant_update, user_create, user_switch_tenant

__all__ = [
    "LAST_USED_PRECISION",
    "SECRET_PREFIXES",
    "api_key_authenticate",
    "api_key_create",
    "api_key_revoke",
    "invitation_accept",
    "invitation_accept_as_new_person",
    "invitation_create",
    "invitation_link",
    "invitation_resend",
    "invitation_revoke",
    "invitation_send",
    "membership_end_credentials",
    "membership_remove",
    "membership_update",
    "tenant_create",
    "tenant_defaults_ensure",
    "tenant_update",
    "user_create",
    "user_switch_tenant",
]
