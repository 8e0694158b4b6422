"""How journeys react: a new account starts a track; a lost champion or red health flags its tracks."""

from django.dispatch import receiver
from django_scopes import scope

from accounts.models import Account, Contact, ContactRole
from accounts.signals import accounts_created, contact_changes, contacts_changed
from core.events import receives
from health.peers import HealthSignal, SignalKind, SignalStatus
from health.scoring.detection import signal_raised
from tenancy.signals import tenant_created

from .criteria import exit_criteria_ensure
from .models import FlagKind, TrackFlag
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


@receiver(signal_raised, sender=HealthSignal, dispatch_uid="journeys_health_red")
def health_red(sender, health_signal, **kwargs) -> None:
    if health_signal.kind != SignalKind.BAND_CHANGE or health_signal.data.get("to") != "red":
        return
    # Announced again later (repair_announcements), the signal may have cleared, or flagged already (and
    # that flag dismissed since): one flag per signal, only while it holds.
    if health_signal.status != SignalStatus.OPEN:
        return
    with scope(tenant=health_signal.tenant_id):
        if TrackFlag.objects.filter(
            tenant_id=health_signal.tenant_id, kind=FlagKind.HEALTH_RED, data__health_signal=health_signal.pk
        ).exists():
            return
        account = Account.objects.get(tenant_id=health_signal.tenant_id, pk=health_signal.account_id)
        tracks_flag_for_review(
            tenant=account.tenant,
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
