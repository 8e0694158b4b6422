"""Every write of communications with a business rule; the pages, the API, the tasks and the demo call these."""

from .cadences import (
    cadence_accepts,
    cadence_save,
    cadence_step_delete,
    cadence_step_save,
    cadences_enrol_for,
    cadences_ensure_defaults,
    enrollment_enrol,
)
from .caps import CapCheck, cap_check
from .claims import outbox_claim, outbox_has_due
from .conflicts import Conflict, blackout_for, entries_conflicts
from .digests import digest_period, digests_send_due
from .enrollment_end import enrollment_complete_if_done, enrollment_exit, enrollments_exit_for_anchor
from .entries import cap_reason, entry_approve, entry_cancel, entry_create, entry_reject, entry_schedule, entry_update
from .feeds import feed_create, feed_delete, feed_rotate
from .imports import calendar_import_create, calendar_import_run
from .notifications import notification_raise, notification_send
from .outbox import DeliveryResult, entry_deliver, outbox_send_due
from .owner_tasks import cadence_task_key, owner_task_complete, owner_task_note, owner_task_open, owner_tasks_cancel
from .preferences import (
    BadLink,
    contact_from_link,
    list_unsubscribe_headers,
    preference_allows,
    preference_link,
    preference_set,
    suppression_reason,
    unsubscribe_one_click,
    unsubscribe_url,
)
from .settings import (
    blackout_rule_save,
    blackout_rules,
    communication_settings,
    communication_settings_update,
    frequency_cap_save,
    frequency_caps,
    may_send,
    send_denial,
    send_permission_set,
    send_permissions,
    slack_webhook_masked,
)
from .tracking import delivery_mark_read, engagement_event_log, tracked_body

__all__ = [
    "BadLink",
    "CapCheck",
    "Conflict",
    "DeliveryResult",
    "blackout_for",
    "blackout_rule_save",
    "blackout_rules",
    "cadence_accepts",
    "cadence_save",
    "cadence_step_delete",
    "cadence_step_save",
    "cadence_task_key",
    "cadences_enrol_for",
    "cadences_ensure_defaults",
    "calendar_import_create",
    "calendar_import_run",
    "cap_check",
    "cap_reason",
    "communication_settings",
    "communication_settings_update",
    "contact_from_link",
    "delivery_mark_read",
    "digest_period",
    "digests_send_due",
    "engagement_event_log",
    "enrollment_complete_if_done",
    "enrollment_enrol",
    "enrollment_exit",
    "enrollments_exit_for_anchor",
    "entries_conflicts",
    "entry_approve",
    "entry_cancel",
    "entry_create",
    "entry_deliver",
    "entry_reject",
    "entry_schedule",
    "entry_update",
    "feed_create",
    "feed_delete",
    "feed_rotate",
    "frequency_cap_save",
    "frequency_caps",
    "list_unsubscribe_headers",
    "may_send",
    "notification_raise",
    "notification_send",
    "outbox_claim",
    "outbox_has_due",
    "outbox_send_due",
    "owner_task_complete",
    "owner_task_note",
    "owner_task_open",
    "owner_tasks_cancel",
    "preference_allows",
    "preference_link",
    "preference_set",
    "send_denial",
    "send_permission_set",
    "send_permissions",
    "slack_webhook_masked",
    "suppression_reason",
    "tracked_body",
    "unsubscribe_one_click",
    "unsubscribe_url",
]
