"""What the book of business announces to the apps above it (journeys, playbooks...).

Sent on commit, so a receiver never sees a change that was rolled back.
"""

from dataclasses import dataclass

import django.dispatch
from django.db import transaction

# tenant=, account_ids=[...]: accounts created by hand, through the API or by an import.
accounts_created = django.dispatch.Signal()
# tenant=, changes=[ContactChange, ...]: contacts whose roles or active flag changed.
contacts_changed = django.dispatch.Signal()


@dataclass(frozen=True)
class ContactChange:
    contact_id: int
    account_id: int
    roles_before: tuple[str, ...]
    roles_after: tuple[str, ...]
    active_before: bool
    active_after: bool

    def lost_role(self, role: str) -> bool:
        """The person held `role` and no longer does, or held it and is no longer active."""
        held = role in self.roles_before and self.active_before
        holds = role in self.roles_after and self.active_after
        return held and not holds


def _roles(value: str) -> tuple[str, ...]:
    return tuple(r for r in (value or "").split(",") if r)


def contact_change(contact, *, roles_before: str, active_before: bool) -> ContactChange | None:
    """The change worth announcing, or None when roles and the active flag stayed the same."""
    if contact.roles == roles_before and contact.is_active == active_before:
        return None
    return ContactChange(
        contact.pk, contact.account_id, _roles(roles_before), _roles(contact.roles), active_before, contact.is_active
    )


def announce_accounts_created(tenant, account_ids: list[int]) -> None:
    if account_ids:
        transaction.on_commit(
            lambda: accounts_created.send(sender=tenant.__class__, tenant=tenant, account_ids=account_ids)
        )


def announce_contacts_changed(tenant, changes: list[ContactChange]) -> None:
    if changes:
        transaction.on_commit(lambda: contacts_changed.send(sender=tenant.__class__, tenant=tenant, changes=changes))
