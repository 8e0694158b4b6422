"""What health announces to other apps (journeys flags tracks, renewals opens opportunities and refreshes
forecasts, communications enrols cadences and alerts the CSM), through the event contract (core.events):
written with the change, delivered after its commit."""

from core.events import Event, announce
from tenancy.models import Tenant

# The ids of the health signals a recompute batch raised and resolved, in one announcement per batch, written
# with the batch. A receiver reads the signals it cares about in one query (health.peers.signals_of) and does
# its work once per batch: a night that raises thousands of signals (a tenant's first run, a new model) costs
# it a few queries per batch, not per signal.
signals_changed = Event("health.signals_changed", "raised", "resolved")


def signals_announce(*, tenant: Tenant, raised: list[int], resolved: list[int]) -> None:
    """Tell the other apps, in the batch's transaction (delivered after its commit, or by the sweep when the
    worker dies first)."""
    if raised or resolved:
        announce(signals_changed, tenant=tenant, raised=raised, resolved=resolved)
