"""Building playbooks fixtures through the services the product uses (each builder enters the tenant's
scope itself)."""

import datetime as dt

from django.utils import timezone
from django_scopes import scope

from core import tenant_time
from health.models import HealthScore
from health.services.score_writes import health_scores_upsert
from health.services.scores import health_model_current
from playbooks.models import Playbook, PlaybookRun
from playbooks.services.playbooks import playbook_create, playbook_enable
from playbooks.services.runs import runs_process
from playbooks.services.triggers import Occurrence, occurrences_record

CALL_TASK = {
    "type": "create_task",
    "title": "Call {{ account.name }}",
    "kind": "call",
    "priority": "high",
    "due_in_days": 2,
    "assignee": "owner",
    "fallback": "role:leader",
}
RED_ENTERPRISE = {
    "trigger": "band_changed",
    "trigger_params": {"to": "red"},
    "conditions": [{"field": "segment", "op": "in", "value": ["enterprise"]}],
    "actions": [CALL_TASK],
}


def playbook_make(tenant, *, name="Red enterprise", by=None, enabled=False, **definition) -> Playbook:
    """A playbook made through playbook_create: "when health turns red for an enterprise account, a call
    task" unless `definition` says otherwise (trigger, trigger_params, conditions, actions, cooldown_days,
    stop_when_resolved, csm_may_run, outcome_measure, description); switched on when `enabled`."""
    with scope(tenant=tenant):
        playbook = playbook_create(tenant=tenant, by=by, name=name, **{**RED_ENTERPRISE, **definition})
        if enabled:
            playbook = playbook_enable(tenant=tenant, playbook=playbook, by=by)
        return playbook


# Preview and effectiveness (helper 5): runs fired in the past through the engine, and a band history.


def runs_fired(tenant, playbook, accounts, *, days_ago: int, facts=None) -> list[int]:
    """The playbook's trigger fired `days_ago` days ago for each account, recorded and processed by the
    engine as the worker does: acted on while the playbook is on, held back (the comparison group) while
    it is off. Returns the runs' ids."""
    at = timezone.now() - dt.timedelta(days=days_ago)
    occurrences = [
        Occurrence(a.pk, f"test:{days_ago}:{a.pk}", dict(facts or {"to": "red"}), fired_at=at) for a in accounts
    ]
    with scope(tenant=tenant):
        pending = occurrences_record(tenant=tenant, trigger=playbook.trigger, occurrences=occurrences)
        if pending:
            runs_process(tenant=tenant, run_ids=pending)
        keys = [o.key for o in occurrences]
        return list(
            PlaybookRun.objects.filter(tenant=tenant, playbook=playbook, occurrence_key__in=keys).values_list(
                "pk", flat=True
            )
        )


def bands(tenant, account, by_days_ago: dict[int, str]) -> None:
    """The account's daily snapshots: its band on each of these days ago (a score to match), written by
    health's snapshot upsert as the recompute writes them."""
    score_of = {"red": 30, "yellow": 55, "green": 80}
    with scope(tenant=tenant):
        model = health_model_current(tenant=tenant)
        today = tenant_time.today(tenant)
        health_scores_upsert(
            tenant_id=tenant.pk,
            scores=[
                HealthScore(
                    account_id=account.pk,
                    day=today - dt.timedelta(days=days_ago),
                    model=model,
                    score=score_of[band],
                    band=band,
                    measures={},
                )
                for days_ago, band in by_days_ago.items()
            ],
        )
