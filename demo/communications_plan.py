"""What the demo's teams plan for the CSMs' accounts, week by week: CS check-ins, calls and QBR invitations,
marketing's newsletter and webinars, support's notices, product's in-app updates, sales' expansion calls,
leadership's update. Each entry is created through entry_create, so the rules apply as in production."""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Account, AccountStatus, Contact, ContactRole, Segment
from accounts.services import contact_create
from communications import services
from communications.models import BlackoutKind, CalendarEntry, Channel, EntrySource, MessageType
from demo.communications_texts import (
    CHECK_INS,
    EXPANSION_CALL,
    FIRST_NAMES,
    HELLO,
    LAST_NAMES,
    LEADERSHIP,
    MAINTENANCE,
    NEWSLETTER,
    PRODUCT_UPDATES,
    QBR,
    SIGNED,
    WEBINARS,
)
from demo.tenancy import DemoPeople
from health.peers import accounts_open_p1_tickets
from renewals.peers import accounts_next_renewal
from tenancy.models import Membership, Team, User

# The CSMs' accounts on the calendar: enough for every story and every team, few enough to load in seconds
# (each entry is scheduled and delivered under every rule, as in production).
ENTERPRISE_ACCOUNTS = 10
MID_MARKET_ACCOUNTS = 14
HISTORY_DAYS = 30
PLAN_DAYS = 30
# Added to one enterprise account: the readers of its all-hands newsletter, more than the bulk threshold.
NEWSLETTER_LIST = 28


@dataclass
class Spec:
    """One planned touchpoint before it is created."""

    account: Account
    at: dt.datetime
    subject: str
    message_type: str
    team: str
    contacts: list[Contact]
    by: User | None
    owner: User | None
    body: str = ""
    channel: str = Channel.EMAIL
    audience_role: str = ""
    source: str = EntrySource.MANUAL


@dataclass
class Planner:
    people: DemoPeople
    today: dt.date
    now: dt.datetime
    rng: random.Random
    book: list[Account] = field(default_factory=list)
    contacts: dict[int, list[Contact]] = field(default_factory=dict)
    p1: dict[int, list[str]] = field(default_factory=dict)
    renewal_due: dict[int, dt.date] = field(default_factory=dict)
    marketing_owner: User | None = None
    marketing_sender: User | None = None
    history: list[CalendarEntry] = field(default_factory=list)
    future: list[CalendarEntry] = field(default_factory=list)
    negotiation_days: int | None = None
    bulk_account: Account | None = None
    skipped: int = 0
    replies: list = field(default_factory=list)
    unsubscribed: dict[str, int] = field(default_factory=lambda: {"one_click": 0, "preference_centre": 0})
    conflict_count: int = 0
    notifications: int = 0
    # The entries the rules act on, for the notifications and the summary.
    deferred_entry: CalendarEntry | None = None
    bulk_entry: CalendarEntry | None = None
    blackout_entry: CalendarEntry | None = None

    @property
    def tenant(self):
        return self.people.tenant

    # --- Set-up --------------------------------------------------------------------------------

    def prepare(self) -> None:
        tenant = self.tenant
        # The seed's rules and cadences came with the tenant (tenancy's tenant_defaults_ensure).
        active = Account.objects.filter(tenant=tenant, status=AccountStatus.ACTIVE).select_related("owner", "tenant")
        self.p1 = accounts_open_p1_tickets(tenant=tenant, account_ids=active.values_list("pk", flat=True))
        owned = list(active.filter(owner__isnull=False).order_by("pk"))
        # High-touch enterprise accounts and owned mid-market ones; at least one with an open P1 ticket.
        book = [a for a in owned if a.segment == Segment.ENTERPRISE][:ENTERPRISE_ACCOUNTS]
        book += [a for a in owned if a.segment == Segment.MID_MARKET][:MID_MARKET_ACCOUNTS]
        if not any(a.pk in self.p1 for a in book):
            others = [a for a in owned if a.pk in self.p1] or [a for a in active.order_by("pk") if a.pk in self.p1]
            book += others[:1]
        rows = Contact.objects.filter(tenant=tenant, account__in=book, is_active=True).order_by("name", "pk")
        for contact in rows:
            self.contacts.setdefault(contact.account_id, []).append(contact)
        self.book = [a for a in book if self.contacts.get(a.pk)]
        self.renewal_due = accounts_next_renewal(tenant=tenant, account_ids=[a.pk for a in self.book])
        rules = {r.kind: r for r in services.blackout_rules(tenant=tenant)}
        if BlackoutKind.RENEWAL_NEGOTIATION in rules:
            self.negotiation_days = rules[BlackoutKind.RENEWAL_NEGOTIATION].window_days
        membership = (
            Membership.objects.filter(tenant=tenant, team=Team.MARKETING, is_active=True)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if membership is not None:
            self.marketing_owner = membership.user
            # The demo's marketing person may be a viewer: then marketing's sends are planned as the system's.
            if services.may_send(
                tenant=tenant, membership=membership, message_type=MessageType.PROMOTIONAL, channel=Channel.EMAIL
            ):
                self.marketing_sender = membership.user

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tenant.zone).astimezone(dt.UTC)

    def csm_for(self, account: Account) -> User:
        return account.owner or self.people.csms[account.pk % len(self.people.csms)]

    def negotiating(self, account: Account, day: dt.date) -> bool:
        due = self.renewal_due.get(account.pk)
        return due is not None and self.negotiation_days is not None and (due - day).days <= self.negotiation_days

    def create(self, spec: Spec) -> CalendarEntry | None:
        try:
            return services.entry_create(
                tenant=self.tenant,
                account=spec.account,
                by=spec.by,
                owner=spec.owner,
                subject=spec.subject,
                body=spec.body,
                message_type=spec.message_type,
                channel=spec.channel,
                team=spec.team,
                contacts=spec.contacts,
                audience_role=spec.audience_role,
                scheduled_at=spec.at,
                source=spec.source,
            )
        except ValidationError:
            # A rule said no (e.g. nobody left to reach): a planner would drop it too.
            self.skipped += 1
            return None

    # --- The plan ------------------------------------------------------------------------------

    def specs(self, first: dt.date, last: dt.date) -> list[Spec]:
        """Every team's touchpoints on the local days [first, last], in the order they would be planned."""
        monday = self.today - dt.timedelta(days=self.today.weekday())
        weeks = range((first - monday).days // 7 - 1, (last - monday).days // 7 + 2)
        found: list[Spec] = []
        for index, account in enumerate(self.book):
            for week in weeks:
                found += self._week(index, account, monday + dt.timedelta(days=7 * week), week)
            found += self._newsletters(account, first, last)
        found = [s for s in found if first <= s.at.astimezone(self.tenant.zone).date() <= last]
        return sorted(found, key=lambda s: (s.at, s.account.pk, s.subject))

    def _week(self, index: int, account: Account, monday: dt.date, week: int) -> list[Spec]:
        people = self.contacts[account.pk]
        champion = with_role(people, ContactRole.CHAMPION)[:1] or people[:1]
        sponsors = with_role(people, ContactRole.EXECUTIVE_SPONSOR) or champion
        power = with_role(people, ContactRole.POWER_USER) or champion
        csm, enterprise = self.csm_for(account), account.segment == Segment.ENTERPRISE
        # CS writes on Mondays, Wednesdays and Thursdays: Tuesday is marketing's newsletter and product's update.
        weekday = (0, 2, 3)[index % 3]
        check_in_day = monday + dt.timedelta(days=weekday)
        out: list[Spec] = []
        if (week + index) % 2 == 0:
            subject, text = CHECK_INS[(week + index) % len(CHECK_INS)]
            out.append(
                Spec(
                    account,
                    self.at(check_in_day, 10, 5 * weekday),
                    subject,
                    MessageType.RELATIONSHIP,
                    Team.CUSTOMER_SUCCESS,
                    champion,
                    csm,
                    csm,
                    body=HELLO + text + SIGNED,
                )
            )
            if index % 9 == 4 and week in (-2, 2):
                # Sales joins the CSM's champion the day of a check-in: the calendar shows the clash.
                subject, text = EXPANSION_CALL
                out.append(
                    Spec(
                        account,
                        self.at(check_in_day, 15),
                        subject,
                        MessageType.RELATIONSHIP,
                        Team.SALES,
                        champion,
                        csm,
                        csm,
                        body=text,
                        channel=Channel.CALL,
                    )
                )
        elif enterprise:
            out.append(
                Spec(
                    account,
                    self.at(check_in_day, 14),
                    "Bi-weekly sync",
                    MessageType.RELATIONSHIP,
                    Team.CUSTOMER_SUCCESS,
                    champion,
                    csm,
                    csm,
                    body="Progress on the rollout, open questions, next steps.",
                    channel=Channel.CALL,
                )
            )
        if week in (-2, 2):
            day = monday + dt.timedelta(days=4)
            if account.pk not in self.p1 and not self.negotiating(account, day):
                subject, text = WEBINARS[0 if week < 0 else 1]
                out.append(self.marketing(account, self.at(day, 11), subject, text, MessageType.PROMOTIONAL, power))
        if week in (-1, 3):
            subject, text = PRODUCT_UPDATES[0 if week < 0 else 1]
            out.append(
                Spec(
                    account,
                    self.at(monday + dt.timedelta(days=1), 11),
                    subject,
                    MessageType.EDUCATIONAL,
                    Team.PRODUCT,
                    power,
                    None,
                    None,
                    body=text,
                    channel=Channel.IN_APP,
                )
            )
        if (week == -3 and index % 3 == 1) or (week == 1 and index % 3 == 2):
            admins = with_role(people, ContactRole.ADMIN) or champion
            subject, text = MAINTENANCE
            out.append(
                Spec(
                    account,
                    self.at(monday + dt.timedelta(days=3), 8),
                    subject,
                    MessageType.OPERATIONAL,
                    Team.SUPPORT,
                    admins,
                    None,
                    None,
                    body=HELLO + text + "\n\nAcme Analytics support",
                    source=EntrySource.TRIGGER,
                )
            )
        if enterprise and week in (-3, 3):
            subject, body = LEADERSHIP
            leader = self.people.leader
            out.append(
                Spec(
                    account,
                    self.at(monday, 9),
                    subject,
                    MessageType.RELATIONSHIP,
                    Team.LEADERSHIP,
                    sponsors,
                    leader,
                    leader,
                    body=body,
                )
            )
        if enterprise and index % 3 == 0 and week == 1:
            subject, body = QBR
            out.append(
                Spec(
                    account,
                    self.at(monday + dt.timedelta(days=3), 10),
                    subject,
                    MessageType.RELATIONSHIP,
                    Team.CUSTOMER_SUCCESS,
                    sponsors,
                    csm,
                    csm,
                    body=body,
                )
            )
        return out

    def marketing(self, account, at, subject, text, message_type, contacts) -> Spec:
        return Spec(
            account,
            at,
            subject,
            message_type,
            Team.MARKETING,
            contacts,
            self.marketing_sender,
            self.marketing_owner,
            body=HELLO + text + "\n\nThe Acme Analytics team",
        )

    def _newsletters(self, account: Account, first: dt.date, last: dt.date) -> list[Spec]:
        """Marketing's monthly newsletter, the first Tuesday after the 7th, to everybody at the account."""
        out, month = [], first.replace(day=1)
        while month <= last:
            day = month.replace(day=8)
            day += dt.timedelta(days=(1 - day.weekday()) % 7)
            subject, text = NEWSLETTER
            out.append(
                self.marketing(
                    account, self.at(day, 8, 30), subject, text, MessageType.EDUCATIONAL, self.contacts[account.pk]
                )
            )
            month = (month + dt.timedelta(days=32)).replace(day=1)
        return out

    @transaction.atomic
    def plan_history(self) -> None:
        first = self.today - dt.timedelta(days=HISTORY_DAYS)
        for spec in self.specs(first, self.today - dt.timedelta(days=1)):
            if entry := self.create(spec):
                self.history.append(entry)
        # Each entry was put on the calendar a while before it was due.
        for entry in self.history:
            entry.created_at = min(entry.scheduled_at, self.now) - dt.timedelta(days=self.rng.randint(3, 20))
        CalendarEntry.objects.bulk_update(self.history, ["created_at"], batch_size=500)

    @transaction.atomic
    def plan_future(self) -> None:
        self._newsletter_list()
        first = self.today + dt.timedelta(days=1)
        for spec in self.specs(first, self.today + dt.timedelta(days=PLAN_DAYS)):
            if entry := self.create(spec):
                self.future.append(entry)

    def _newsletter_list(self) -> None:
        """The all-hands readers of one enterprise account sign up this week: its next newsletter reaches
        more people than the bulk threshold."""
        candidates = [a for a in self.book if a.segment == Segment.ENTERPRISE and a.pk not in self.p1] or self.book
        account = candidates[0]
        domain = (self.contacts[account.pk][0].email.split("@")[-1]) or f"{account.external_id}.example"
        made = []
        for n in range(NEWSLETTER_LIST):
            first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n * 5) % len(LAST_NAMES)]
            made.append(
                contact_create(
                    tenant=self.tenant,
                    account=account,
                    name=f"{first} {last}",
                    email=f"{first}.{last}.{n}@{domain}".lower(),
                    title="Report reader",
                    roles=[ContactRole.END_USER],
                )
            )
        self.contacts[account.pk] = sorted(self.contacts[account.pk] + made, key=lambda c: (c.name, c.pk))
        self.bulk_account = account


def with_role(people: list[Contact], role: str) -> list[Contact]:
    return [c for c in people if role in c.role_list]
