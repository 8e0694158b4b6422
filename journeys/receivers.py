"""How journeys react: a new account starts a track; a lost champion or red health flags its tracks."""

from accounts.models import Account, Contact, ContactRole
from accounts.signals import accounts_created, contact_changes, contacts_changed
from core.events import receives
from health.peers import SignalKind, SignalStatus, signals_of
from health.signals import signals_changed
from tenancy.signals import tenant_created

from .models import FlagKind, TrackFlag
from .selectors.criteria import exit_criteria_ensure
from .services import account_tracks_start, tracks_flag_for_review
from .services.status import expectations_ensure


@receives(accounts_created)
def start_tracks(*, tenant, account_ids) -> None:
    account_tracks_start(tenant=tenant, account_ids=account_ids)


@receives(contacts_changed)
def champion_lost(*, tenant, changes) -> None:
    lost = [c for c in contact_changes(changes) if c.lost_role(ContactRole.CHAMPION)]
    if lost:
        _flag_champions_lost(tenant, lost)


def _flag_champions_lost(tenant, lost) -> None:
    people = {c.pk: c for c in Contact.objects.filter(tenant=tenant, pk__in=[c.contact_id for c in lost])}
    accounts = {a.pk: a for a in Account.objects.filter(tenant=tenant, pk__in={c.account_id for c in lost})}
    for change in lost:
        person = people.get(change.contact_id)
        name = person.name if person else "A champion"
        what = "is no longer active" if not change.active_after else "is no longer the champion"
        tracks_flag_for_review(
            tenant=tenant,
            account=accounts[change.account_id],
            kind=FlagKind.CHAMPION_LOST,
            why=f"Champion {name} {what}",
        )


@receives(signals_changed)
def health_red(*, tenant, raised, resolved) -> None:
    for health_signal in signals_of(tenant=tenant, ids=raised, kinds=[SignalKind.BAND_CHANGE]):
        if health_signal.data.get("to") != "red":
            continue
        # Delivered late (a retry, the sweep), the signal may have cleared, or flagged already (and
        # that flag dismissed since): one flag per signal, only while it holds.
        if health_signal.status != SignalStatus.OPEN:
            continue
        if TrackFlag.objects.filter(
            tenant=tenant, kind=FlagKind.HEALTH_RED, data__health_signal=health_signal.pk
        ).exists():
            continue
        account = Account.objects.get(tenant=tenant, pk=health_signal.account_id)
        tracks_flag_for_review(
            tenant=tenant,
            account=account,
            kind=FlagKind.HEALTH_RED,
            why=f"Health entered red ({health_signal.message.rstrip('.')})",
            data={"health_signal": health_signal.pk},
        )


@receives(tenant_created)
def tenant_defaults(*, tenant) -> None:
    # The seed's exit criteria and per-segment stage durations (what "behind" is measured against).
    exit_criteria_ensure(tenant=tenant)
    expectations_ensure(tenant=tenant)
