"""Reads of calendar entries: an entry with what happened to it (recipients, approvals, deliveries, reach
and engagement), and the contacts an entry may go to."""

from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from accounts.models import Contact
from accounts.selectors import contact_role_q
from tenancy.models import Tenant

from ..models import Approval, CalendarEntry, Delivery, DeliveryStatus, EngagementEvent


def entry_list(*, tenant: Tenant) -> QuerySet[CalendarEntry]:
    return CalendarEntry.objects.filter(tenant=tenant).select_related("account", "owner")


def entry_get(*, tenant: Tenant, entry_id: int) -> CalendarEntry:
    return entry_list(tenant=tenant).select_related("created_by", "enrollment__cadence").get(pk=entry_id)


def entry_contacts(*, tenant: Tenant, entry: CalendarEntry) -> list[Contact]:
    return list(Contact.objects.filter(tenant=tenant, calendar_entries=entry).order_by("name", "id"))


def entry_approvals(*, tenant: Tenant, entry: CalendarEntry) -> list[Approval]:
    return list(Approval.objects.filter(tenant=tenant, entry=entry).select_related("by"))


def entry_deliveries(*, tenant: Tenant, entry: CalendarEntry) -> list[Delivery]:
    return list(Delivery.objects.filter(tenant=tenant, entry=entry).select_related("contact").order_by("id"))


REACHED = (DeliveryStatus.SENT, DeliveryStatus.AVAILABLE, DeliveryStatus.READ)


@dataclass(frozen=True)
class Reach:
    """How many of the entry's recipients it reached, and how many a worker stopped while sending to."""

    reached: int
    intended: int
    unreached: int


def entry_reach(deliveries: list[Delivery]) -> Reach:
    return Reach(
        reached=sum(d.status in REACHED for d in deliveries),
        intended=len(deliveries),
        unreached=sum(d.status == DeliveryStatus.SENDING for d in deliveries),
    )


@dataclass
class Engagement:
    deliveries: int = 0
    opened: int = 0
    clicked: int = 0
    events: dict[str, int] = field(default_factory=dict)
    logged: list = field(default_factory=list)


def entry_engagement(*, tenant: Tenant, entry: CalendarEntry, deliveries: list[Delivery]) -> Engagement:
    """How the entry's deliveries were received: opens and clicks per delivery, and the events logged."""
    events = EngagementEvent.objects.filter(tenant=tenant, entry=entry)
    counts = dict(events.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    return Engagement(
        deliveries=len(deliveries),
        opened=sum(1 for d in deliveries if d.opened_at),
        clicked=sum(1 for d in deliveries if d.clicked_at),
        events=counts,
        logged=list(events.filter(kind__in=("reply", "meeting")).select_related("contact", "logged_by")[:20]),
    )


def contacts_of(*, tenant: Tenant, account_id: int | None) -> QuerySet[Contact]:
    if not account_id:
        return Contact.objects.none()
    return Contact.objects.filter(tenant=tenant, account_id=account_id, is_active=True).order_by("name")


def entry_recipients(entry: CalendarEntry) -> list[Contact]:
    """Who the entry reaches now: every active contact of the account with its audience role, or else
    its named active contacts."""
    if entry.audience_role:
        found = Contact.objects.filter(tenant_id=entry.tenant_id, account_id=entry.account_id, is_active=True)
        return list(found.filter(contact_role_q(entry.audience_role)).order_by("name", "id"))
    if entry.pk is None:
        return []
    return list(entry.contacts.filter(is_active=True).order_by("name", "id"))
