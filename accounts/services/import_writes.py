"""Writing checked rows in bulk: accounts and contacts matched by external id, created or updated a batch at a time.

Rows are not written through account_create one by one (100,000 rows would take
minutes); the rules those services hold are applied here in bulk instead: the
tier rule with its history, the churn date, and the custom fields cleaned upstream.
"""

from decimal import Decimal

from django.utils import timezone

from core import tenant_time
from tenancy.models import Tenant, User

from ..models import Account, AccountStatus, Contact, ServiceTier, TierChange
from ..signals import announce_accounts_created, announce_contacts_changed, contact_change
from .book import ACCOUNT_EDITABLE_FIELDS
from .tiers import account_apply_tier_rule

# What a row sets directly; the external id matches, owner and parent are resolved, status has rules.
ACCOUNT_VALUE_FIELDS = (
    *(f for f in ACCOUNT_EDITABLE_FIELDS if f not in ("external_id", "owner", "parent")),
    "custom_fields",
)
CONTACT_VALUE_FIELDS = ("name", "email", "title", "roles", "is_active", "last_seen_at")


class AccountWriter:
    """Upserts accounts by external id; links parents that come later in the file at the end."""

    def __init__(self, *, tenant: Tenant, by: User | None, tiers: list[ServiceTier], known: dict[str, int]):
        self.tenant, self.by, self.tiers = tenant, by, tiers
        self.known = known  # external id -> pk, for parents; grows as accounts are created
        self.today = tenant_time.today(tenant)
        self.later_parents: list[tuple[str, str]] = []

    def write(self, rows: list[dict]) -> tuple[int, int]:
        """One batch; returns (created, updated). The caller holds the transaction."""
        now = timezone.now()
        existing = {
            a.external_id: a
            for a in Account.objects.filter(tenant=self.tenant, external_id__in=[r["external_id"] for r in rows])
        }
        new, changed, changes = [], [], []
        fields: set[str] = {"updated_at"}
        for row in rows:
            account = existing.get(row["external_id"])
            if account is None:
                account = Account(tenant=self.tenant, external_id=row["external_id"], created_at=now, updated_at=now)
                new.append(account)
                previous_acv = None
            else:
                changed.append(account)
                previous_acv = account.acv
                account.updated_at = now
            fields |= self._apply(account, row)
            if previous_acv is None or Decimal(account.acv) != Decimal(previous_acv):
                change = account_apply_tier_rule(
                    account=account, tiers=self.tiers, actor=self.by, previous_acv=previous_acv
                )
                if change is not None:
                    change.changed_at = now
                    changes.append(change)
                    fields.add("service_tier")
        Account.objects.bulk_create(new)
        if changed:
            Account.objects.bulk_update(changed, sorted(fields))
        # The changes point at accounts that have their primary key only now.
        TierChange.objects.bulk_create(changes)
        self.known.update((a.external_id, a.pk) for a in new)
        announce_accounts_created(self.tenant, [a.pk for a in new])
        return len(new), len(changed)

    def _apply(self, account: Account, row: dict) -> set[str]:
        touched = {name for name in ACCOUNT_VALUE_FIELDS if name in row}
        for name in touched:
            setattr(account, name, row[name])
        if "owner_email" in row:
            account.owner_id = row["owner_email"]
            touched.add("owner")
        if "status" in row:
            touched |= {"status", "churned_on"}
            if row["status"] == AccountStatus.CHURNED and account.status != AccountStatus.CHURNED:
                account.churned_on = self.today
            elif row["status"] == AccountStatus.ACTIVE:
                account.churned_on = None
            account.status = row["status"]
        parent = row.get("parent_external_id")
        if parent:
            touched.add("parent")
            if parent in self.known:
                account.parent_id = self.known[parent]
            else:
                # Created in a later batch of this file: linked once every batch is written.
                self.later_parents.append((row["external_id"], parent))
        return touched

    def link_later_parents(self, batch_size: int) -> None:
        pending = self.later_parents
        for start in range(0, len(pending), batch_size):
            chunk = dict(pending[start : start + batch_size])
            accounts = list(
                Account.objects.filter(tenant=self.tenant, external_id__in=list(chunk)).only("pk", "external_id")
            )
            for account in accounts:
                account.parent_id = self.known[chunk[account.external_id]]
            Account.objects.bulk_update(accounts, ["parent"])


class ContactWriter:
    """Upserts contacts: by external id; else by account and email; else creates them."""

    def __init__(self, *, tenant: Tenant):
        self.tenant = tenant

    def write(self, rows: list[dict]) -> tuple[int, int]:
        by_id, by_email = self._existing(rows)
        new, changed, seen = [], [], set()
        before: dict[int, tuple[str, bool]] = {}
        fields: set[str] = set()
        for row in rows:
            account_id, email = row["account_external_id"], row.get("email", "")
            contact = by_id.get(row.get("external_id", "")) or by_email.get((account_id, email))
            if contact is None or contact.pk in seen:
                contact = Contact(tenant=self.tenant, account_id=account_id, external_id=row.get("external_id", ""))
                new.append(contact)
            else:
                seen.add(contact.pk)
                changed.append(contact)
                before[contact.pk] = (contact.roles, contact.is_active)
                if contact.account_id != account_id or (row.get("external_id") and not contact.external_id):
                    # A person who moved accounts, or a contact made by hand that now gets its product id.
                    contact.account_id, contact.external_id = account_id, row.get("external_id") or contact.external_id
                    fields |= {"account", "external_id"}
            for name in CONTACT_VALUE_FIELDS:
                if name in row:
                    setattr(contact, name, row[name])
                    fields.add(name)
        Contact.objects.bulk_create(new)
        if changed and fields:
            Contact.objects.bulk_update(changed, sorted(fields))
        announce_contacts_changed(
            self.tenant,
            [
                change
                for c in changed
                if (change := contact_change(c, roles_before=before[c.pk][0], active_before=before[c.pk][1]))
            ],
        )
        return len(new), len(changed)

    def _existing(self, rows: list[dict]) -> tuple[dict[str, Contact], dict[tuple[int, str], Contact]]:
        ids = [r["external_id"] for r in rows if r.get("external_id")]
        by_id = {c.external_id: c for c in Contact.objects.filter(tenant=self.tenant, external_id__in=ids)}
        # Rows without an external id, or with one not known yet, match a contact by account and email;
        # only contacts without an external id of their own, so two product users are never merged.
        wanted = [r for r in rows if r.get("email") and r.get("external_id") not in by_id]
        by_email: dict[tuple[int, str], Contact] = {}
        if wanted:
            candidates = Contact.objects.filter(
                tenant=self.tenant,
                external_id="",
                account_id__in={r["account_external_id"] for r in wanted},
                email__in={r["email"] for r in wanted},
            ).order_by("-pk")
            # Oldest last, so that of two hand-made duplicates the first one made is updated.
            by_email = {(c.account_id, c.email): c for c in candidates}
        return by_id, by_email
