"""Signals about each account: product usage (Segment-compatible ingestion, daily rollups, the event
catalogue) and the other signal families: support, financial and relationship."""

from .signals import (
    Invoice,
    Meeting,
    MeetingKind,
    MeetingStatus,
    NpsResponse,
    SubscriptionChange,
    SubscriptionChangeKind,
    SupportTicket,
    TicketPriority,
    TicketSentiment,
    TicketStatus,
)
from .usage import (
    EventDefinition,
    EventKind,
    EventRollup,
    IngestionError,
    IngestionSettings,
    RawEvent,
)

__all__ = [
    "EventDefinition",
    "EventKind",
    "EventRollup",
    "IngestionError",
    "IngestionSettings",
    "Invoice",
    "Meeting",
    "MeetingKind",
    "MeetingStatus",
    "NpsResponse",
    "RawEvent",
    "SubscriptionChange",
    "SubscriptionChangeKind",
    "SupportTicket",
    "TicketPriority",
    "TicketSentiment",
    "TicketStatus",
]
