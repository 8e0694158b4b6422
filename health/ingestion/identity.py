"""Who each call is about and which account it counts for: group, identify and alias.

- group links a person (userId) to an account (groupId), creating the account when the tenant
  allows it, and fills account fields from traits through the tenant's mapping;
- identify keeps a known contact's name, email, title and roles current. A userId no account
  claims yet has no contact (a contact needs an account): its identify is kept as a raw event
  and the contact is made at the first group call or `context.groupId` that names its account,
  from the traits of those earlier identify calls;
- alias and identify with an anonymousId link earlier anonymous events to the person;
- track, page and screen count for `context.groupId` when that account exists in this tenant
  (external ids are per tenant: another tenant's account is never even looked at), else for
  the person's account; otherwise they wait, unattributed, for a link.

Each batch looks people and accounts up with one query each, whatever its size.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from accounts.models import Account, Contact
from accounts.selectors.custom_fields import custom_field_definitions
from accounts.services import account_create, account_update, contact_create, contact_update
from health.models import RawEvent
from health.selectors.usage import group_trait_mapping, ingestion_settings_for
from tenancy.models import Tenant

from .parsing import Call
from .traits import DEFAULT_SEGMENT, account_changes, account_values, contact_changes, contact_values

Person = tuple[int, int]  # (account_id, contact_id)


@dataclass
class Links:
    """Earlier, unattributed raw events this batch makes attributable, by the id they carry."""

    by_user: dict[str, Person] = field(default_factory=dict)
    by_anonymous: dict[str, Person] = field(default_factory=dict)
    by_group: dict[str, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.by_user or self.by_anonymous or self.by_group)


@dataclass
class Said:
    """What a batch's calls said about one person or account: their traits merged (later calls win),
    and which call said each trait, so a note about a trait goes to the call that sent it."""

    traits: dict = field(default_factory=dict)
    by: dict[str, Call] = field(default_factory=dict)
    call: Call | None = None  # the latest, for what is about all of them

    def add(self, call: Call) -> None:
        self.traits.update(call.traits)
        self.by.update(dict.fromkeys(call.traits, call))
        self.call = call


@dataclass
class Resolution:
    links: Links
    notes: list[tuple[Call, str]]


def resolve(*, tenant: Tenant, calls: list[Call]) -> Resolution:
    """Set `account_id` and `contact_id` on every call, making accounts and contacts as the calls say."""
    return _Resolver(tenant, calls).run()


class _Resolver:
    def __init__(self, tenant: Tenant, calls: list[Call]):
        self.tenant = tenant
        self.calls = calls
        self.notes: list[tuple[Call, str]] = []
        self.contacts: dict[str, Person] = {}
        self.accounts: dict[str, int] = {}
        self.new_users: set[str] = set()
        self.new_groups: set[str] = set()
        # anonymousId (or an alias's previousId) -> the userId it turned out to be.
        self.aliases: dict[str, str] = {}
        self.previous_user_ids: set[str] = set()

    def run(self) -> Resolution:
        user_ids = {c.user_id for c in self.calls if c.user_id} | {c.previous_id for c in self.calls if c.previous_id}
        group_ids = {c.group_id for c in self.calls if c.group_id}
        self.contacts, self.accounts = _directory(self.tenant, user_ids, group_ids)
        identified: dict[str, Said] = {}
        for call in self.calls:
            if call.kind == "identify" and call.user_id:
                identified.setdefault(call.user_id, Said()).add(call)
            if call.kind == "identify" and call.user_id and call.anonymous_id:
                self.aliases[call.anonymous_id] = call.user_id
            if call.kind == "alias":
                self.aliases[call.previous_id] = call.user_id
                self.previous_user_ids.add(call.previous_id)
        groups = [c for c in self.calls if c.kind == "group"]
        if groups:
            self._accounts_from_groups(groups)
        self._new_contacts(identified)
        self._identify_known(identified)
        self._attribute()
        return Resolution(links=self._links(), notes=self.notes)

    def _note(self, call: Call, reason: str) -> None:
        self.notes.append((call, reason[:300]))

    # --- group: accounts --------------------------------------------------------------------

    def _accounts_from_groups(self, groups: list[Call]) -> None:
        settings = ingestion_settings_for(tenant=self.tenant)
        mapping = group_trait_mapping(settings)
        uses_custom = any(target.startswith("cf_") for target in mapping.values())
        definitions = custom_field_definitions(tenant=self.tenant) if uses_custom else []
        # The default mapping names cf_plan for every tenant; only an admin's own mapping is held to it.
        strict = bool(settings.group_traits)
        # All of a batch's group calls for one account, as one set of traits (later calls win).
        merged: dict[str, Said] = {}
        for call in groups:
            merged.setdefault(call.group_id, Said()).add(call)
        known = [gid for gid in merged if gid in self.accounts]
        instances = {a.external_id: a for a in Account.objects.filter(tenant=self.tenant, external_id__in=known)}
        for gid, said in merged.items():
            call = said.call
            cleaned = account_values(said.traits, mapping=mapping, definitions=definitions, strict=strict)
            for trait, problem in cleaned.problems:
                self._note(said.by.get(trait, call), problem)
            if gid in instances:
                self._update_account(instances[gid], cleaned, call)
            elif settings.create_unknown_accounts:
                self._create_account(gid, cleaned, call)
            else:
                self._note(
                    call,
                    f"Unknown groupId {gid!r}: the ingestion settings do not create accounts from group calls; "
                    "its events wait until an account has this external id.",
                )

    def _update_account(self, account: Account, cleaned, call: Call) -> None:
        changed, custom = account_changes(account, cleaned)
        if account.arr_from_contracts and "arr" in changed:
            # The account's contracts keep its ARR: a product's plan trait can't overrule a signed contract,
            # and the other traits of the call still apply.
            del changed["arr"]
            self._note(
                call, f"Account {account.external_id!r}: the arr trait is ignored, its ARR comes from its contracts."
            )
        if not changed and not custom:
            return
        try:
            with transaction.atomic():
                account_update(account=account, by=None, custom_fields=custom, **changed)
        except ValidationError as error:
            self._note(call, f"Account {account.external_id!r} not updated from its traits: {_message(error)}")

    def _create_account(self, gid: str, cleaned, call: Call) -> None:
        fields = {"name": gid[:200], "segment": DEFAULT_SEGMENT, **cleaned.fields}
        custom = {k: v for k, v in cleaned.custom_fields.items() if v is not None}
        try:
            with transaction.atomic():
                account = account_create(tenant=self.tenant, by=None, external_id=gid, custom_fields=custom, **fields)
        except (IntegrityError, ValidationError) as error:
            # Another request may have created it since this batch looked: then it is simply there.
            account_id = (
                Account.objects.filter(tenant=self.tenant, external_id=gid).values_list("pk", flat=True).first()
            )
            if account_id is None:
                self._note(call, f"Could not create the account for groupId {gid!r}: {_message(error)}")
                return
            self.accounts[gid] = account_id
            return
        self.accounts[gid] = account.pk
        self.new_groups.add(gid)

    # --- people -----------------------------------------------------------------------------

    def _new_contacts(self, identified: dict[str, Said]) -> None:
        """Contacts for userIds that a group call or a context.groupId places in an account."""
        wanted: dict[str, tuple[int, Call]] = {}
        # Group calls say it explicitly, so they come first; then context.groupId in batch order.
        for call in sorted(self.calls, key=lambda c: c.kind != "group"):
            user_id = call.user_id
            if not user_id or user_id in self.contacts or user_id in wanted or not call.group_id:
                continue
            account_id = self.accounts.get(call.group_id)
            if account_id is not None:
                wanted[user_id] = (account_id, call)
        if not wanted:
            return
        earlier = self._earlier_identities(list(wanted))
        for user_id, (account_id, call) in wanted.items():
            traits = earlier.get(user_id, {})
            said = identified.get(user_id) or Said(call=call)
            traits, source = {**traits, **said.traits}, said.call
            cleaned = contact_values(traits, user_id=user_id, for_new=True)
            for trait, problem in cleaned.problems:
                self._note(said.by.get(trait, source), problem)
            contact_id = self._create_contact(user_id, account_id, cleaned.fields, source)
            if contact_id is not None:
                self.contacts[user_id] = (account_id, contact_id)
                self.new_users.add(user_id)

    def _earlier_identities(self, user_ids: list[str]) -> dict[str, dict]:
        """Traits of earlier identify calls of people without a contact yet, oldest first so the newest
        value wins; and the anonymous ids and previous ids those calls linked to them."""
        traits: dict[str, dict] = {}
        rows = (
            RawEvent.objects.filter(tenant=self.tenant, account__isnull=True, user_id__in=user_ids)
            .exclude(user_id="")
            .filter(kind__in=("identify", "alias"))
            .order_by("timestamp", "id")
            .values_list("user_id", "kind", "anonymous_id", "properties")
        )
        for user_id, kind, anonymous_id, properties in rows:
            if kind == "identify" and isinstance(properties, dict):
                traits[user_id] = {**traits.get(user_id, {}), **properties}
            if anonymous_id:
                self.aliases.setdefault(anonymous_id, user_id)
            previous_id = properties.get("previousId") if kind == "alias" and isinstance(properties, dict) else None
            if previous_id:
                self.aliases.setdefault(previous_id, user_id)
                self.previous_user_ids.add(previous_id)
        return traits

    def _create_contact(self, user_id: str, account_id: int, fields: dict, call: Call) -> int | None:
        account = Account.objects.get(tenant=self.tenant, pk=account_id)
        try:
            with transaction.atomic():
                return contact_create(tenant=self.tenant, account=account, external_id=user_id, **fields).pk
        except (IntegrityError, ValidationError) as error:
            found = Contact.objects.filter(tenant=self.tenant, external_id=user_id).values_list("pk", flat=True)
            if found:
                return found[0]
            self._note(call, f"Could not create the contact for userId {user_id!r}: {_message(error)}")
            return None

    def _identify_known(self, identified: dict[str, Said]) -> None:
        known = [u for u in identified if u in self.contacts and u not in self.new_users]
        if not known:
            return
        for contact in Contact.objects.filter(tenant=self.tenant, external_id__in=known).select_related("account"):
            said = identified[contact.external_id]
            call = said.call
            cleaned = contact_values(said.traits, user_id=contact.external_id, for_new=False)
            for trait, problem in cleaned.problems:
                self._note(said.by.get(trait, call), problem)
            changed = contact_changes(contact, cleaned)
            if not changed:
                continue
            try:
                with transaction.atomic():
                    contact_update(contact=contact, **changed)
            except ValidationError as error:
                self._note(call, f"Contact {contact.external_id!r} not updated from its traits: {_message(error)}")

    # --- attribution --------------------------------------------------------------------------

    def _attribute(self) -> None:
        for call in self.calls:
            person = self.contacts.get(call.user_id) if call.user_id else None
            if person is None and not call.user_id and call.anonymous_id in self.aliases:
                person = self.contacts.get(self.aliases[call.anonymous_id])
            if call.group_id:
                # An unknown groupId leaves the call unattributed: never guessed from the person.
                account_id = self.accounts.get(call.group_id)
                if account_id is not None:
                    call.account_id, call.contact_id = account_id, person[1] if person else None
            elif person is not None:
                call.account_id, call.contact_id = person

    def _links(self) -> Links:
        links = Links()
        for user_id in self.new_users:
            links.by_user[user_id] = self.contacts[user_id]
        for earlier_id, user_id in self.aliases.items():
            person = self.contacts.get(user_id)
            if person is None:
                continue
            links.by_anonymous[earlier_id] = person
            if earlier_id in self.previous_user_ids and earlier_id not in self.contacts:
                # An alias from an earlier userId: that id's waiting events are this person's too.
                links.by_user.setdefault(earlier_id, person)
        for gid in self.new_groups:
            links.by_group[gid] = self.accounts[gid]
        return links


def _directory(tenant: Tenant, user_ids: set[str], group_ids: set[str]) -> tuple[dict[str, Person], dict[str, int]]:
    """The batch's people (userId -> account, contact) and accounts (groupId -> id), in one query:
    this runs for every batch, so it is plain SQL, with the tenant in both halves."""
    if not user_ids and not group_ids:
        return {}, {}
    parts, params = [], []
    if user_ids:
        parts.append(
            f"SELECT 'c', external_id, account_id, id FROM {Contact._meta.db_table} "  # noqa: S608
            f"WHERE tenant_id = %s AND external_id <> '' AND external_id IN ({', '.join(['%s'] * len(user_ids))})"
        )
        params += [tenant.pk, *user_ids]
    if group_ids:
        parts.append(
            f"SELECT 'a', external_id, id, NULL FROM {Account._meta.db_table} "  # noqa: S608
            f"WHERE tenant_id = %s AND external_id IN ({', '.join(['%s'] * len(group_ids))})"
        )
        params += [tenant.pk, *group_ids]
    contacts: dict[str, Person] = {}
    accounts: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for kind, external_id, first, second in cursor.fetchall():
            if kind == "c":
                contacts[external_id] = (first, second)
            else:
                accounts[external_id] = first
    return contacts, accounts


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return " ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
        return " ".join(error.messages)
    return "it exists already."
