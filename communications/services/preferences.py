"""Each contact's communication preferences, the signed links of the preference centre and the RFC 8058
one-click unsubscribe.

A digest choice (weekly, monthly, quarterly) means "not every message": the outbox does not send the single
message but suppresses it (delivery status suppressed, reason "collected for the weekly digest"); 'none'
suppresses it too. Transactional messages (receipts, password resets) are always sent."""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from accounts.models import Contact
from tenancy.models import Tenant, User

from ..models import (
    CalendarEntry,
    ContactPreference,
    Delivery,
    EngagementEvent,
    EngagementKind,
    MessageType,
    PreferenceChange,
    PreferenceChoice,
)
from ..selectors.preferences import contact_preferences

LINK_SALT = "communications.preference-link"
# What "unsubscribe from marketing" turns off; account-related messages keep coming, as the seed says.
MARKETING = (MessageType.PROMOTIONAL, MessageType.EDUCATIONAL)
CHOOSABLE = [t for t in MessageType.values if t != MessageType.TRANSACTIONAL]


class BadLink(Exception):
    """A preference or unsubscribe link that was tampered with, or whose contact is gone."""


@transaction.atomic
def preference_set(
    *,
    contact: Contact,
    message_type: str,
    choice: str,
    source: str,
    by: User | None = None,
    entry: CalendarEntry | None = None,
) -> bool:
    """Set one choice at once, and record the change with where it came from. True when it changed."""
    if message_type not in MessageType.values:
        raise ValidationError({"message_type": f"Unknown message type {message_type!r}."})
    if message_type == MessageType.TRANSACTIONAL:
        raise ValidationError({"message_type": "Transactional messages (receipts, password resets) are always sent."})
    if choice not in PreferenceChoice.values:
        raise ValidationError({"choice": f"Unknown choice {choice!r}."})
    if source not in PreferenceChange.Source.values:
        raise ValidationError({"source": f"Unknown source {source!r}."})
    current = (
        ContactPreference.objects.select_for_update()
        .filter(tenant_id=contact.tenant_id, contact=contact, message_type=message_type)
        .first()
    )
    before = current.choice if current else PreferenceChoice.EVERY
    if before == choice:
        return False
    now = timezone.now()
    if current is None:
        ContactPreference.objects.create(
            tenant_id=contact.tenant_id, contact=contact, message_type=message_type, choice=choice, updated_at=now
        )
    else:
        current.choice, current.updated_at = choice, now
        current.save(update_fields=["choice", "updated_at"])
    PreferenceChange.objects.create(
        tenant_id=contact.tenant_id,
        contact=contact,
        message_type=message_type,
        from_choice=before,
        to_choice=choice,
        source=source,
        entry=entry,
        by=by,
        at=now,
    )
    return True


@transaction.atomic
def unsubscribe_one_click(*, contact: Contact, entry: CalendarEntry | None = None) -> bool:
    """Unsubscribe from marketing (promotional and educational to none) at once; transactional,
    relationship and operational messages keep coming. A repeated click changes and records nothing.
    True when something changed."""
    changed = [
        t
        for t in MARKETING
        if preference_set(
            contact=contact,
            message_type=t,
            choice=PreferenceChoice.NONE,
            source=PreferenceChange.Source.ONE_CLICK,
            entry=entry,
        )
    ]
    if changed and entry is not None:
        delivery = Delivery.objects.filter(tenant_id=contact.tenant_id, entry=entry, contact=contact).first()
        EngagementEvent.objects.create(
            tenant_id=contact.tenant_id,
            delivery=delivery,
            entry=entry,
            contact=contact,
            kind=EngagementKind.UNSUBSCRIBE,
            note="One-click unsubscribe from marketing.",
        )
    return bool(changed)


def preference_allows(*, contact: Contact, message_type: str) -> bool:
    """Whether the contact gets this single message now. Only 'every' does: a digest choice collects it
    (the outbox suppresses it with "collected for the weekly digest") and 'none' suppresses it.
    Transactional messages are always allowed."""
    if message_type == MessageType.TRANSACTIONAL:
        return True
    return contact_preferences(contact=contact)[message_type] == PreferenceChoice.EVERY


def suppression_reason(*, contact: Contact, message_type: str) -> str | None:
    """Why the outbox holds this message back for the contact, or None when it goes out."""
    if message_type == MessageType.TRANSACTIONAL:
        return None
    choice = contact_preferences(contact=contact)[message_type]
    if choice == PreferenceChoice.EVERY:
        return None
    if choice == PreferenceChoice.NONE:
        return f"{contact.name} chose no {MessageType(message_type).label.lower()} messages."
    return digest_reason(choice)


def digest_reason(cadence: str) -> str:
    """The reason a message waits for the contact's digest; communications.services.digests finds them by it."""
    return f"collected for the {cadence} digest"


def _token(contact: Contact, entry: CalendarEntry | None) -> str:
    return signing.dumps([contact.tenant_id, contact.pk, entry.pk if entry else 0], salt=LINK_SALT)


def preference_link(*, contact: Contact, entry: CalendarEntry | None = None) -> str:
    """The absolute address of the contact's preference centre, behind a signed token."""
    return settings.SITE_URL.rstrip("/") + reverse("communications:preferences", args=[_token(contact, entry)])


def unsubscribe_url(*, contact: Contact, entry: CalendarEntry | None = None) -> str:
    """The absolute one-click unsubscribe address (for the List-Unsubscribe header, RFC 8058)."""
    return settings.SITE_URL.rstrip("/") + reverse("communications:unsubscribe", args=[_token(contact, entry)])


def list_unsubscribe_headers(*, contact: Contact, entry: CalendarEntry | None = None) -> dict[str, str]:
    """The headers an email needs for one-click unsubscribe in mail clients (RFC 8058)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(contact=contact, entry=entry)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def contact_from_link(token: str) -> tuple[Contact, CalendarEntry | None]:
    """The contact (and the message whose link it was) a signed token names; BadLink when it was tampered
    with or the contact is gone. Links do not expire: an old email's unsubscribe link must keep working."""
    try:
        tenant_id, contact_id, entry_id = signing.loads(token, salt=LINK_SALT)
        tenant = Tenant.objects.get(pk=int(tenant_id))
    except (signing.BadSignature, ValueError, TypeError, Tenant.DoesNotExist) as error:
        raise BadLink("This link is not valid.") from error
    with scope(tenant=tenant):
        contact = Contact.objects.select_related("account").filter(tenant=tenant, pk=contact_id).first()
        if contact is None:
            raise BadLink("This link is not valid.")
        entry = CalendarEntry.objects.filter(tenant=tenant, pk=entry_id).first() if entry_id else None
    return contact, entry
