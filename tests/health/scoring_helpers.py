"""Building health-scoring fixtures through the services the product uses: accounts and people,
usage sent through ingestion on known days, signal records, scoring a day, reading the results.

Every fixture is placed around one fixed day, DAY, in the tenant's zone (Europe/Berlin): usage is
sent at 12:00 UTC, which is the same calendar day in Berlin all year round.
"""

import datetime as dt
import uuid

from django_scopes import scope

from accounts import services as account_services
from health import services as health_services
from health.ingestion.services import ingest
from health.models import HealthScore, HealthSignal, SignalStatus
from health.scoring import services as scoring
from health.signals import services as signal_services
from health.signals.kinds import KINDS

from ..accounts.conftest import make_account

DAY = dt.date(2026, 9, 15)


def ago(days: int) -> dt.date:
    return DAY - dt.timedelta(days=days)


def noon(day: dt.date) -> dt.datetime:
    """12:00 UTC on `day`: 14:00 in Berlin, the same tenant day."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def account(tenant, n: int, *, seats: int = 10, segment: str = "mid_market", **fields):
    return make_account(tenant, n, segment=segment, seats_purchased=seats, **fields)


def people(tenant, account, count: int, *, names: tuple[str, ...] = (), **fields) -> list:
    """`count` contacts of `account`, named from `names` first, then "Person n"."""
    made = []
    with scope(tenant=tenant):
        for n in range(count):
            name = names[n] if n < len(names) else f"Person {n + 1}"
            made.append(
                account_services.contact_create(
                    tenant=tenant, account=account, external_id=f"{account.external_id}-u{n + 1}", name=name, **fields
                )
            )
    return made


def catalogue(tenant, name: str, points=None, **flags) -> None:
    with scope(tenant=tenant):
        health_services.event_definition_set(tenant=tenant, name=name, points=points, **flags)


def track(contact, event: str, day: dt.date, *, at: str = "") -> dict:
    """A Segment track call by `contact` on `day` (at 12:00 UTC, or at the given "HH:MM" UTC)."""
    when = f"{day.isoformat()}T{at or '12:00'}:00Z"
    return {
        "type": "track",
        "event": event,
        "userId": contact.external_id,
        "messageId": str(uuid.uuid4()),
        "timestamp": when,
    }


def send(tenant, calls: list[dict]) -> None:
    result = ingest(tenant=tenant, calls=calls)
    assert not result.rejected, result.rejected


def uses(contact, event: str, *days: dt.date) -> list[dict]:
    return [track(contact, event, day) for day in days]


def record(tenant, kind_key: str, account, **fields):
    """A support ticket, invoice, subscription change, meeting or NPS answer, through the signal service."""
    with scope(tenant=tenant):
        return signal_services.signal_create(tenant=tenant, kind=KINDS[kind_key], fields={"account": account, **fields})


def record_update(tenant, item, **fields):
    with scope(tenant=tenant):
        return signal_services.signal_update(record=item, fields=fields)


def score_day(tenant, day: dt.date, *accounts, detect: bool = True) -> dict:
    """Score these accounts for `day`: {account_id: AccountScore}."""
    with scope(tenant=tenant):
        return scoring.accounts_score_day(tenant=tenant, day=day, account_ids=[a.pk for a in accounts], detect=detect)


def measure(tenant, day: dt.date, account, key: str) -> dict:
    """One measure of one account on `day` (scored without signals): raw, points, weight, detail."""
    return score_day(tenant, day, account, detect=False)[account.pk].measures[key]


def save_model(tenant, *, segment: str = "", weights: dict[str, float], **options):
    """A new model version with these weights (other measures left out) and the default curves."""
    with scope(tenant=tenant):
        return scoring.health_model_save(
            tenant=tenant,
            segment=segment,
            measures={key: {"weight": weight} for key, weight in weights.items()},
            by=None,
            **options,
        )


def snapshots(tenant, account) -> list[HealthScore]:
    with scope(tenant=tenant):
        return list(HealthScore.objects.filter(tenant=tenant, account=account).order_by("day"))


def snapshot(tenant, account, day: dt.date) -> HealthScore:
    with scope(tenant=tenant):
        return HealthScore.objects.get(tenant=tenant, account=account, day=day)


def signals(tenant, account, *, status: str | None = None, kind: str | None = None) -> list[HealthSignal]:
    with scope(tenant=tenant):
        found = HealthSignal.objects.filter(tenant=tenant, account=account).order_by("id")
        if status:
            found = found.filter(status=status)
        if kind:
            found = found.filter(kind=kind)
        return list(found)


def open_signals(tenant, account) -> list[tuple[str, str]]:
    """(kind, subject) of the account's open signals, sorted."""
    return sorted((s.kind, s.subject) for s in signals(tenant, account, status=SignalStatus.OPEN))
