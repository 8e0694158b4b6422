"""Conflicts on the master calendar: the same contact touched twice the same day, one person hearing from
several teams in the same week, and blackouts (no promotion during an open P1 ticket or a renewal negotiation).

A conflict is a warning a person should act on, so it must stay rare enough to mean something: teams
reaching different people at one account (a newsletter to the users, a check-in with the sponsor) do not
clash, and transactional messages, which follow the customer's own actions, are not counted.

`entries_conflicts` works for a whole calendar page in a fixed number of queries, however many entries."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from accounts.models import Account, Contact
from core import tenant_time, text
from health.peers import accounts_open_p1_tickets
from renewals.peers import accounts_in_renewal_negotiation, accounts_next_renewal
from tenancy.models import Team, Tenant

from ..composing.merge import outline
from ..models import BlackoutKind, BlackoutRule, CalendarEntry, EntryStatus, MessageType
from ..selectors.personalisation import title_contexts
from .caps import week_start
from .settings import blackout_rules, teams_per_week

SAME_DAY, TEAMS_SAME_WEEK, BLACKOUT = "same_day", "teams_same_week", "blackout"
# What is on the calendar for the customer; drafts, cancelled and failed entries reach nobody.
LIVE = (
    EntryStatus.PENDING_APPROVAL,
    EntryStatus.SCHEDULED,
    EntryStatus.DEFERRED,
    EntryStatus.SENDING,
    EntryStatus.SENT,
)
# A blackout is about what is still to go out.
NOT_YET_SENT = (EntryStatus.DRAFT, EntryStatus.PENDING_APPROVAL, EntryStatus.SCHEDULED, EntryStatus.DEFERRED)
TEAM_LABELS = dict(Team.choices)


@dataclass(frozen=True)
class Conflict:
    kind: str
    message: str


@dataclass
class _Row:
    id: int
    account_id: int
    team: str
    subject: str
    scheduled_at: dt.datetime
    audience_role: str
    message_type: str
    status: str


def _rows_of(entries: Iterable[CalendarEntry]) -> list[_Row]:
    return [
        _Row(e.pk, e.account_id, e.team, e.subject, e.scheduled_at, e.audience_role, e.message_type, e.status)
        for e in entries
    ]


def _reached(tenant: Tenant, rows: list[_Row]) -> dict[int, list[tuple[int, str]]]:
    """Per entry, the (contact id, name) it reaches: two queries for any number of entries."""
    reached: dict[int, list[tuple[int, str]]] = defaultdict(list)
    named = [r.id for r in rows if not r.audience_role]
    links = CalendarEntry.contacts.through.objects.filter(calendarentry_id__in=named, contact__is_active=True)
    for entry_id, contact_id, name in links.values_list("calendarentry_id", "contact_id", "contact__name"):
        reached[entry_id].append((contact_id, name))
    by_role = [r for r in rows if r.audience_role]
    if by_role:
        people: dict[int, list[tuple[int, str, list[str]]]] = defaultdict(list)
        found = Contact.objects.filter(
            tenant=tenant, account_id__in={r.account_id for r in by_role}, is_active=True
        ).values_list("id", "account_id", "name", "roles")
        for contact_id, account_id, name, roles in found:
            people[account_id].append((contact_id, name, roles.split(",")))
        for row in by_role:
            reached[row.id] = [(cid, name) for cid, name, roles in people[row.account_id] if row.audience_role in roles]
    return reached


def _blackout_messages(tenant: Tenant, rows: list[_Row], names: dict[int, str]) -> dict[int, list[str]]:
    rules = {rule.kind: rule for rule in blackout_rules(tenant=tenant)}
    held = {
        kind: [r for r in rows if r.status in NOT_YET_SENT and r.message_type in rule.message_types]
        for kind, rule in rules.items()
    }
    found: dict[int, list[str]] = defaultdict(list)
    p1_rows = held.get(BlackoutKind.OPEN_P1_TICKET) or []
    if p1_rows:
        tickets = accounts_open_p1_tickets(tenant=tenant, account_ids={r.account_id for r in p1_rows})
        for row in p1_rows:
            if subjects := tickets.get(row.account_id):
                found[row.id].append(_p1_text(names.get(row.account_id, "the account"), subjects))
    renewal_rows = held.get(BlackoutKind.RENEWAL_NEGOTIATION) or []
    if renewal_rows:
        window = rules[BlackoutKind.RENEWAL_NEGOTIATION].window_days
        # One read for all: the same rule as accounts_in_renewal_negotiation, applied on each entry's day.
        due = accounts_next_renewal(tenant=tenant, account_ids={r.account_id for r in renewal_rows})
        for row in renewal_rows:
            on = tenant_time.day_of(tenant, row.scheduled_at)
            if row.account_id in due and (due[row.account_id] - on).days <= window:
                found[row.id].append(
                    _renewal_text(names.get(row.account_id, "the account"), due[row.account_id], window)
                )
    return found


def _p1_text(account_name: str, subjects: list[str]) -> str:
    shown = ", ".join(subjects[:2]) + (f" and {len(subjects) - 2} more" if len(subjects) > 2 else "")
    return f"No promotion during an open P1 ticket: {account_name} has {shown}."


def _renewal_text(account_name: str, due_on: dt.date, window: int) -> str:
    return (
        f"No promotion inside a renewal negotiation: {account_name}'s renewal is due "
        f"{text.day(due_on)} (the last {window} days before it count as negotiating)."
    )


def entries_conflicts(*, tenant: Tenant, entries: Iterable[CalendarEntry]) -> dict[int, list[Conflict]]:
    """Per entry id, what clashes with it: other live entries reaching the same contact on the same local
    day, other teams' entries at the account in the same ISO week, and the blackouts that hold now."""
    given = _rows_of(entry for entry in entries if entry.status != EntryStatus.CANCELLED)
    result: dict[int, list[Conflict]] = {row.id: [] for row in given}
    if not given:
        return result
    zone = tenant.zone
    starts = [week_start(r.scheduled_at.astimezone(zone).date()) for r in given]
    start = dt.datetime.combine(min(starts), dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(max(starts) + dt.timedelta(days=7), dt.time(0), tzinfo=zone)
    accounts = {r.account_id for r in given}
    around = CalendarEntry.objects.filter(
        tenant=tenant, account_id__in=accounts, status__in=LIVE, scheduled_at__gte=start, scheduled_at__lt=end
    ).only("id", "account_id", "team", "subject", "scheduled_at", "audience_role", "message_type", "status")
    population = {r.id: r for r in _rows_of(around)}
    population.update({r.id: r for r in given})
    rows = list(population.values())
    reached = _reached(tenant, rows)
    names = dict(Account.objects.filter(tenant=tenant, pk__in=accounts).values_list("id", "name"))
    titles: dict[int, dict] = {}  # the accounts' merge fields, read only if a same-day clash is described

    by_contact_day: dict[tuple[int, dt.date], list[_Row]] = defaultdict(list)
    teams_by_contact_week: dict[tuple[int, dt.date], set[str]] = defaultdict(set)
    for row in rows:
        day = row.scheduled_at.astimezone(zone).date()
        for contact_id, _name in reached.get(row.id, []):
            by_contact_day[(contact_id, day)].append(row)
            if row.message_type != MessageType.TRANSACTIONAL:
                teams_by_contact_week[(contact_id, week_start(day))].add(row.team)
    limit = teams_per_week(tenant=tenant)

    for row in given:
        day = row.scheduled_at.astimezone(zone).date()
        for contact_id, name in reached.get(row.id, []):
            others = [o for o in by_contact_day[(contact_id, day)] if o.id != row.id]
            if others:
                titles = titles or title_contexts(tenant=tenant, account_ids=accounts)
                also = "; ".join(
                    f"“{outline(o.subject, titles.get(o.account_id))}” ({TEAM_LABELS.get(o.team, o.team)})"
                    for o in others[:3]
                )
                result[row.id].append(Conflict(SAME_DAY, f"{name} is also reached on {text.day(day)} by {also}."))
        if row.message_type != MessageType.TRANSACTIONAL and (
            message := _teams_message(row, day, reached.get(row.id, []), teams_by_contact_week, limit)
        ):
            result[row.id].append(Conflict(TEAMS_SAME_WEEK, message))
    for entry_id, messages in _blackout_messages(tenant, given, names).items():
        result[entry_id].extend(Conflict(BLACKOUT, message) for message in messages)
    return result


def _teams_message(
    row: _Row,
    day: dt.date,
    people: list[tuple[int, str]],
    teams_by_contact_week: dict[tuple[int, dt.date], set[str]],
    limit: int,
) -> str | None:
    """The people this entry reaches who hear from `limit` or more teams that week, said of the busiest one."""
    monday = week_start(day)
    crowded = [(name, teams_by_contact_week[(cid, monday)]) for cid, name in people]
    crowded = sorted(((n, t) for n, t in crowded if len(t) >= limit), key=lambda found: -len(found[1]))
    if not crowded:
        return None
    name, teams = crowded[0]
    labels = ", ".join(TEAM_LABELS.get(t, t) for t in Team.values if t in teams)
    others = f" (and {len(crowded) - 1} more of the people it reaches)" if len(crowded) > 1 else ""
    return f"{name} hears from {len(teams)} teams in the week of {text.day(monday)}: {labels}{others}."


def blackout_for(*, entry: CalendarEntry, at: dt.datetime) -> str | None:
    """The reason a blackout holds the entry back at `at` (used at send time), or None."""
    tenant = entry.tenant
    rules: list[BlackoutRule] = [r for r in blackout_rules(tenant=tenant) if entry.message_type in r.message_types]
    if not rules:
        return None
    name = entry.account.name
    for rule in rules:
        if rule.kind == BlackoutKind.OPEN_P1_TICKET:
            subjects = accounts_open_p1_tickets(tenant=tenant, account_ids=[entry.account_id]).get(entry.account_id)
            if subjects:
                return _p1_text(name, subjects)
        elif rule.kind == BlackoutKind.RENEWAL_NEGOTIATION:
            on = tenant_time.day_of(tenant, at)
            due = accounts_in_renewal_negotiation(
                tenant=tenant, account_ids=[entry.account_id], on=on, window_days=rule.window_days
            ).get(entry.account_id)
            if due is not None:
                return _renewal_text(name, due, rule.window_days)
    return None
