"""The seed's rules that protect the customer, copied into a tenant on first use and editable there.

From seed 004: at most two emails a week and eight a month per contact; no promotion during an open P1
ticket or inside a renewal negotiation (60 days before the renewal date); and who may send what:
"CSMs can send personal emails at any time but no mass campaigns. Marketing owns newsletters and product
announcements. Support only sends ticket-related communications. Leadership sends important updates."
"""

from tenancy.models import Role, Team

from ..models import BlackoutKind, Channel, MessageType

# channel -> (per week, per month); channels not listed have no cap.
FREQUENCY_CAPS: dict[str, tuple[int | None, int | None]] = {Channel.EMAIL: (2, 8)}

# kind -> (message types held back, window days)
BLACKOUT_RULES: dict[str, tuple[list[str], int]] = {
    BlackoutKind.OPEN_P1_TICKET: ([MessageType.PROMOTIONAL], 60),
    BlackoutKind.RENEWAL_NEGOTIATION: ([MessageType.PROMOTIONAL], 60),
}

# Viewers send nothing; every other role sends what its team may.
SENDING_ROLES = (Role.CSM, Role.LEADER, Role.ADMIN)

MT, CH = MessageType, Channel
# team -> (message types, channels)
TEAM_PERMISSIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Team.CUSTOMER_SUCCESS: (
        (MT.RELATIONSHIP, MT.EDUCATIONAL, MT.OPERATIONAL, MT.TRANSACTIONAL),
        (CH.EMAIL, CH.IN_APP, CH.CALL, CH.WEBINAR),
    ),
    Team.MARKETING: ((MT.PROMOTIONAL, MT.EDUCATIONAL), (CH.EMAIL, CH.IN_APP, CH.WEBINAR, CH.COMMUNITY, CH.SMS)),
    Team.SUPPORT: ((MT.TRANSACTIONAL, MT.OPERATIONAL), (CH.EMAIL, CH.IN_APP, CH.CALL, CH.SMS)),
    Team.PRODUCT: ((MT.EDUCATIONAL, MT.OPERATIONAL), (CH.IN_APP, CH.EMAIL)),
    Team.SALES: ((MT.RELATIONSHIP, MT.PROMOTIONAL), (CH.EMAIL, CH.CALL)),
    Team.LEADERSHIP: (tuple(MT.values), (CH.EMAIL, CH.CALL, CH.WEBINAR)),
}


def default_send_permissions() -> set[tuple[str, str, str, str]]:
    """The seed's matrix as (team, role, message type, channel) cells."""
    return {
        (str(team), str(role), str(message_type), str(channel))
        for team, (types, channels) in TEAM_PERMISSIONS.items()
        for role in SENDING_ROLES
        for message_type in types
        for channel in channels
    }
