"""The five kinds of record and what differs between them; services, selectors, the API and the import are
written once for all of them."""

from dataclasses import dataclass

from .records import Invoice, Meeting, NpsResponse, Record, SubscriptionChange, SupportTicket


@dataclass(frozen=True)
class RecordKind:
    key: str  # the import's choice and the timeline item's kind
    model: type[Record]
    noun: str  # "support ticket", in messages
    plural: str  # "Support tickets", in choices and headings
    date_field: str  # what the lists sort and filter by, and when the item shows on the timeline
    has_contact: bool

    @property
    def date_is_datetime(self) -> bool:
        return self.date_field.endswith("_at")


TICKET = RecordKind("ticket", SupportTicket, "support ticket", "Support tickets", "opened_at", True)
INVOICE = RecordKind("invoice", Invoice, "invoice", "Invoices and payments", "due_on", False)
SUBSCRIPTION_CHANGE = RecordKind(
    "subscription_change",
    SubscriptionChange,
    "subscription change",
    "Subscription changes (plans and seats)",
    "effective_on",
    False,
)
MEETING = RecordKind("meeting", Meeting, "meeting", "Meetings and touchpoints", "scheduled_at", False)
NPS = RecordKind("nps", NpsResponse, "NPS response", "NPS responses", "responded_on", True)

KINDS: dict[str, RecordKind] = {kind.key: kind for kind in (TICKET, INVOICE, SUBSCRIPTION_CHANGE, MEETING, NPS)}


def kind_of(record: Record) -> RecordKind:
    return next(kind for kind in KINDS.values() if isinstance(record, kind.model))
