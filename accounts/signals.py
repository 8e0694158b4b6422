"""What the book of business announces to the apps above it (journeys, playbooks...), through the event
contract (core.events): written with the change, delivered after its commit, so a receiver never sees a
change that was rolled back and a worker killed after the commit loses nothing.
"""

from dataclasses import asdict, dataclass

from django.utils import timezone

from core.events import Event, announce

# account_ids=[...]: accounts created by hand, through the API or by an import.
accounts_created = Event("accounts.accounts_created", "account_ids")
# changes=[ContactChange as a dict, ...]: contacts whose roles or active flag changed (contact_changes reads them).
contacts_changed = Event("accounts.contacts_changed", "changes")
# changes=[{change_id, account_id, from_tier_id, to_tier_id, reason}]: accounts whose service tier moved (the ACV rule,
# an override, its end), one announcement per move or per reassignment batch.
tier_changed = Event("accounts.tier_changed", "changes")
# An account's custom fields changed: which keys (the values are on the account), and when (ISO 8601).
custom_fields_changed = Event("accounts.custom_fields_changed", "account_id", "fields", "at")


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


def contact_changes(payload: list[dict]) -> list[ContactChange]:
    """The changes of a contacts_changed payload, as the sender saw them."""
    return [
        ContactChange(**{**c, "roles_before": tuple(c["roles_before"]), "roles_after": tuple(c["roles_after"])})
        for c in payload
    ]


def announce_accounts_created(tenant, account_ids: list[int]) -> None:
    if account_ids:
        announce(accounts_created, tenant=tenant, account_ids=list(account_ids))


def announce_contacts_changed(tenant, changes: list[ContactChange]) -> None:
    if changes:
        announce(contacts_changed, tenant=tenant, changes=[asdict(c) for c in changes])


def announce_tier_changed(tenant, changes: list) -> None:
    """The TierChange rows just recorded (saved or about to be, in this transaction)."""
    moved = [
        {
            "change_id": c.pk,
            "account_id": c.account_id,
            "from_tier_id": c.from_tier_id,
            "to_tier_id": c.to_tier_id,
            "reason": c.reason,
        }
        for c in changes
        if c.from_tier_id != c.to_tier_id
    ]
    if moved:
        announce(tier_changed, tenant=tenant, changes=moved)


def announce_custom_fields_changed(tenant, account_id: int, fields: list[str]) -> None:
    if fields:
        announce(
            custom_fields_changed,
            tenant=tenant,
            account_id=account_id,
            fields=sorted(fields),
            at=timezone.now().isoformat(),
        )
