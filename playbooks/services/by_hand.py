"""Running a playbook by hand: who may, and the run it makes (processed like any other)."""

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import Account
from tenancy.models import Membership, Role, Tenant, User
from tenancy.permissions import Capability, membership_can

from ..models import Playbook, PlaybookRun, RunStatus
from .triggers import runs_queue


def may_run_by_hand(*, membership: Membership | None, playbook: Playbook, account: Account) -> bool:
    """Admins and leaders may run any playbook for any account; a CSM only a playbook that allows it, on an
    account they own; viewers never."""
    if membership is None or not membership.is_active or membership.tenant_id != playbook.tenant_id:
        return False
    if account.tenant_id != playbook.tenant_id:
        return False
    if membership.role in (Role.ADMIN, Role.LEADER):
        return True
    if membership.role == Role.CSM:
        return playbook.csm_may_run and membership_can(membership, Capability.EDIT, account)
    return False


def run_by_hand(*, tenant: Tenant, playbook: Playbook, account: Account, by: User) -> PlaybookRun:
    """Run the playbook for the account now, as `by` asked: its conditions are recorded but do not stop it,
    nor do the cool-down and the daily cap (a person decided). The caller checks may_run_by_hand. The run
    is processed off the commit like any other; each click is its own occurrence."""
    if playbook.tenant_id != tenant.pk or account.tenant_id != tenant.pk:
        raise PermissionDenied("No such playbook or account in this tenant.")
    now = timezone.now()
    run = PlaybookRun.objects.create(
        tenant=tenant,
        playbook=playbook,
        version=playbook.version,
        account=account,
        trigger=playbook.trigger,
        occurrence_key=f"hand:{by.pk}:{now.isoformat()}",
        facts={"by_hand": True, "by": str(by)},
        status=RunStatus.PENDING,
        by=by,
        fired_at=now,
    )
    runs_queue(tenant=tenant, run_ids=[run.pk])
    return run
