"""The declarations under the event contract, low enough for tenancy itself to announce: `Event`, the
registry of receivers, and the run of an in-transaction event's receivers. Everything else (the outbox
announcement, the dispatch, the sweep, the pause) is core.events, which the apps above tenancy use; tenancy
sits below core and reaches only this part, for its two in-transaction events (tenancy/signals.py)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django_scopes import scope

from .models import Tenant

Receiver = Callable[..., None]


@dataclass(frozen=True, init=False)
class Event:
    """What an app announces: a name ("<app>.<what happened>") and its payload's fields (ids or plain JSON
    values, never model instances; the tenant always goes with it). `in_transaction`: the receivers are
    part of the change itself and run inside the sender's transaction, a failure rolling it back."""

    name: str
    fields: tuple[str, ...]
    in_transaction: bool

    def __init__(self, name: str, *fields: str, in_transaction: bool = False) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "in_transaction", in_transaction)

    def check(self, payload: dict[str, Any]) -> None:
        if set(payload) != set(self.fields):
            raise TypeError(f"{self.name} takes {', '.join(self.fields) or 'no fields'}, got {', '.join(payload)}")


_receivers: dict[str, list[tuple[str, Receiver]]] = {}


def receiver_key(function: Receiver) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def receiver_register(event: Event, function: Receiver) -> None:
    listeners = _receivers.setdefault(event.name, [])
    # A module imported twice (the autoreloader, a test) registers once.
    if receiver_key(function) not in {key for key, _f in listeners}:
        listeners.append((receiver_key(function), function))


def receivers_of(name: str) -> list[tuple[str, Receiver]]:
    """(key, function) of each receiver of the event called `name`, in the order the apps registered."""
    return list(_receivers.get(name, []))


def run_in_transaction(event: Event, *, tenant: Tenant, **payload: Any) -> None:
    """An in-transaction event's receivers, now, in the tenant's scope: their errors are the sender's."""
    assert event.in_transaction, f"{event.name} is news after the commit: announce it with core.events"
    event.check(payload)
    with scope(tenant=tenant):
        for _key, function in receivers_of(event.name):
            function(tenant=tenant, **payload)
