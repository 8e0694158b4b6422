"""The playbooks every tenant starts with (issue 17), switched off: an admin reads them, adjusts and turns
them on. One per default_key, made when the tenant is created (playbooks.receivers) and by
`ensuretenantdefaults` for older tenants; a default the admin deleted or renamed is not made again."""

from django.db import IntegrityError, transaction

from communications.models import Cadence
from communications.services.cadences import cadences_ensure_defaults
from tenancy.models import Tenant

from ..models import OutcomeMeasure, Playbook, PlaybookVersion

CSM_OR_LEADER = {"assignee": "owner", "fallback": "role:leader"}


def _task(title: str, *, kind: str = "todo", priority: str = "normal", due: int = 2, details: str = "") -> dict:
    return {
        "type": "create_task",
        "title": title,
        "details": details,
        "kind": kind,
        "priority": priority,
        "due_in_days": due,
        **CSM_OR_LEADER,
    }


def default_playbooks(*, cadence_ids: dict[str, int]) -> dict[str, dict]:
    """default_key -> the playbook's fields. Cadences are named by the tenant's ids of communications'
    shipped cadences (by key)."""
    reengage = []
    if "adoption" in cadence_ids:
        # Communications ships no cadence named re-engagement; its adoption nurture (feature spotlight,
        # advanced use cases, a webinar) is the one that brings a quiet user back.
        reengage = [{"type": "enrol_cadence", "cadence": cadence_ids["adoption"]}]
    return {
        "health_drop": {
            "name": "Health drop: alert the CSM and check in",
            "description": "When the health score falls 15 points or more within a week.",
            "trigger": "score_dropped",
            "trigger_params": {"points": 15, "days": "7"},
            "actions": [
                {
                    "type": "notify",
                    "message": "Health at {{ account.name }} dropped to {{ health.score }}: time for a check-in.",
                    "recipient": "owner",
                    "email": True,
                    "slack": False,
                },
                _task("Check-in call with {{ account.name }}", kind="call", priority="high", due=2),
            ],
            "outcome_measure": OutcomeMeasure.HEALTH_RECOVERY,
        },
        "power_user_quiet": {
            "name": "Power user quiet for 21 days: re-engage",
            "description": "When a power user has not used the product for 21 days.",
            "trigger": "signal_raised",
            "trigger_params": {"kind": "power_user_inactive"},
            "actions": [
                _task("Re-engage the quiet power user at {{ account.name }}", kind="email", due=3),
                *reengage,
            ],
            "outcome_measure": OutcomeMeasure.HEALTH_RECOVERY,
        },
        "seat_saturation": {
            "name": "Seats 80% used: expansion conversation",
            "description": "When health sees 80% of the seats in use with advanced features (the expansion signal).",
            "trigger": "signal_raised",
            "trigger_params": {"kind": "expansion"},
            "actions": [
                _task("Expansion conversation with {{ account.name }}", kind="call", due=5),
                {"type": "open_opportunity", "title": "More seats for {{ account.name }}", "amount": 0},
            ],
            "outcome_measure": OutcomeMeasure.EXPANSION,
        },
        "locked_feature": {
            "name": "Locked-feature interest: send expansion content",
            "description": "When people click locked features or visit the upgrade page.",
            "trigger": "signal_raised",
            "trigger_params": {"kind": "locked_feature"},
            "actions": [
                {
                    "type": "calendar_entry",
                    "title": "What {{ account.name }} could do with the next plan",
                    "message_type": "educational",
                    "channel": "email",
                    "in_days": 1,
                }
            ],
            "outcome_measure": OutcomeMeasure.EXPANSION,
        },
        "onboarding_milestone": {
            "name": "Onboarding milestone met: celebrate and plan next steps",
            "description": "When a success-plan milestone is marked done.",
            "trigger": "milestone_met",
            "trigger_params": {},
            "actions": [
                {
                    "type": "calendar_entry",
                    "title": "Congratulations, {{ account.name }}: a milestone reached",
                    "message_type": "relationship",
                    "channel": "email",
                    "in_days": 0,
                },
                _task("Plan the next steps with {{ account.name }}", kind="meeting", due=5),
            ],
            "outcome_measure": OutcomeMeasure.HEALTH_RECOVERY,
        },
        "champion_left": {
            "name": "Champion left: review the journey and find a new champion",
            "description": "When a champion is deactivated or loses the role.",
            "trigger": "contact_role_lost",
            "trigger_params": {"role": "champion"},
            "actions": [
                _task("Review the journey of {{ account.name }}: the champion left", priority="high", due=2),
                _task("Find a new champion at {{ account.name }}", priority="high", due=5),
            ],
            "outcome_measure": OutcomeMeasure.RENEWAL_OUTCOME,
        },
        "renewal_checkpoint": {
            "name": "Renewal runway checkpoint",
            "description": "On each checkpoint of the renewal runway (T-180 ... T-30 by segment).",
            "trigger": "checkpoint_reached",
            "trigger_params": {"days_before": None},
            "actions": [_task("Renewal checkpoint for {{ account.name }}: renewal on {{ renewal.date }}", due=0)],
            "outcome_measure": OutcomeMeasure.RENEWAL_OUTCOME,
        },
    }


def playbooks_ensure_defaults(*, tenant: Tenant) -> list[Playbook]:
    """The shipped playbooks the tenant has never had (by default_key), switched off, each with its first
    version."""
    cadences_ensure_defaults(tenant=tenant)
    cadence_ids = dict(Cadence.objects.filter(tenant=tenant).values_list("key", "pk"))
    have = set(Playbook.objects.filter(tenant=tenant).exclude(default_key="").values_list("default_key", flat=True))
    names = set(Playbook.objects.filter(tenant=tenant, archived_at__isnull=True).values_list("name", flat=True))
    made = []
    for key, fields in default_playbooks(cadence_ids=cadence_ids).items():
        if key in have or fields["name"] in names:
            continue
        try:
            with transaction.atomic():
                playbook = Playbook.objects.create(tenant=tenant, default_key=key, is_enabled=False, **fields)
                PlaybookVersion.objects.create(
                    tenant=tenant, playbook=playbook, version=playbook.version, definition=playbook.definition()
                )
        except IntegrityError:  # made by a concurrent first use
            continue
        made.append(playbook)
    return made
