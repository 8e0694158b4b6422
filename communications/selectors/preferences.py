"""What a contact chose to receive, per message type (no choice: every message; transactional: always)."""

from accounts.models import Contact

from ..models import ContactPreference, MessageType, PreferenceChoice


def preferences_with_defaults(chosen: dict[str, str]) -> dict[str, str]:
    """Every message type with its choice, from the rows a contact has (no row: every message;
    transactional: always, whatever a row says)."""
    return {
        t: PreferenceChoice.EVERY if t == MessageType.TRANSACTIONAL else chosen.get(t, PreferenceChoice.EVERY)
        for t in MessageType.values
    }


def contact_preferences(*, contact: Contact) -> dict[str, str]:
    """Every message type with the contact's choice."""
    found = ContactPreference.objects.filter(tenant_id=contact.tenant_id, contact=contact)
    return preferences_with_defaults(dict(found.values_list("message_type", "choice")))
