"""Every read of the kernel worth a name: memberships, API credentials, invitations."""

from .invitations import (
    LINK_SALT,
    invitation_for_link,
    invitation_get,
    invitation_has_account,
    invitation_list,
    invitation_refusal,
    nonce_digest,
)
from .keys import api_key_find_by_digest, api_key_get, api_key_list, secret_digest
from .members import (
    membership_count_admins,
    membership_for_user,
    membership_get,
    membership_list,
    membership_list_for_user,
)

__all__ = [
    "LINK_SALT",
    "api_key_find_by_digest",
    "api_key_get",
    "api_key_list",
    "invitation_for_link",
    "invitation_get",
    "invitation_has_account",
    "invitation_list",
    "invitation_refusal",
    "membership_count_admins",
    "membership_for_user",
    "membership_get",
    "membership_list",
    "membership_list_for_user",
    "nonce_digest",
    "secret_digest",
]
