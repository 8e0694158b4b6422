"""What the apps above journeys may read of it."""

from tenancy.models import Tenant

from .models import JourneyTrack, Stage

# The six stages, for a playbook's triggers and conditions (playbooks.catalogue).
STAGES = tuple(Stage.choices)


def accounts_stages(*, tenant: Tenant, account_ids) -> dict[int, set[str]]:
    """Per account, the stages its active tracks are in (an account may have several tracks)."""
    found: dict[int, set[str]] = {}
    rows = JourneyTrack.objects.filter(tenant=tenant, account_id__in=list(account_ids), ended_at__isnull=True)
    for account_id, stage in rows.values_list("account_id", "stage"):
        found.setdefault(account_id, set()).add(stage)
    return found
