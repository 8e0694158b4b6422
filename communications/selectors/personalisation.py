"""Merge fields filled from the data: the account's part of the context (its next renewal, this month's
usage), an entry rendered or previewed for one contact, what blocks sending it, and the titles the
calendar, tasks, feeds and conflicts show. The renderer itself is composing/merge.py (no queries)."""

import datetime as dt
from collections.abc import Iterable

from accounts.models import Account, Contact
from core import tenant_time
from tenancy.models import Tenant, User

from ..composing.merge import Preview, account_fields, contact_context, event_key, outline, render
from .entries import entry_recipients


def account_context(*, tenant: Tenant, account: Account, owner: User | None, today: dt.date) -> dict[str, str | None]:
    """The part of the context that is the same for every contact of the account: two queries (the next
    renewal, this month's usage)."""
    from health.peers import account_usage_between
    from renewals.peers import accounts_next_renewal

    renewal_on = accounts_next_renewal(tenant=tenant, account_ids=[account.pk]).get(account.pk)
    month_first = today.replace(day=1)
    month_last = (month_first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    usage = account_usage_between(tenant=tenant, account_id=account.pk, start=month_first, end=month_last)
    context = account_fields(tenant=tenant, account=account, owner=owner, renewal_on=renewal_on)
    context["usage.top_feature.month"] = None
    used = {name: count for name, count in usage.items() if count}
    if used:
        # Ties go to the name first in alphabetical order, so the same data always gives the same text.
        context["usage.top_feature.month"] = min(used, key=lambda name: (-used[name], name))
    for name, count in sorted(used.items()):
        key = f"usage.{event_key(name)}.month"
        # Two names with the same key ("Report exported", "report_exported") count together.
        context[key] = str(int(context.get(key) or 0) + count)
    return context


def merge_context(
    *, tenant: Tenant, account: Account, contact: Contact | None, owner: User | None, today: dt.date | None = None
) -> dict[str, str | None]:
    """Everything a template can reach for one recipient, as plain strings (None: no value). `owner` is
    the account's CSM (csm.*); `today` (the tenant's local day by default) picks the usage month."""
    today = today or tenant_time.today(tenant)
    return {**account_context(tenant=tenant, account=account, owner=owner, today=today), **contact_context(contact)}


def _entry_context(entry, contact: Contact | None, base: dict[str, str | None] | None = None):
    if base is None:
        base = account_context(
            tenant=entry.tenant,
            account=entry.account,
            owner=entry.account.owner,
            today=tenant_time.day_of(entry.tenant, entry.scheduled_at),
        )
    return {**base, **contact_context(contact)}


def entry_render(*, entry, contact: Contact | None, base: dict[str, str | None] | None = None):
    """The entry's subject and body for one contact: (Rendered subject, Rendered body). `base` is an
    `account_context` already computed for the entry's account (the outbox renders many contacts)."""
    context = _entry_context(entry, contact, base)
    return render(entry.subject, context, entry.fallbacks), render(entry.body, context, entry.fallbacks)


def entry_preview(*, entry, contact: Contact | None) -> Preview:
    """What `contact` would receive, with missing and unknown fields marked in the html."""
    subject, body = entry_render(entry=entry, contact=contact)
    return Preview(
        subject=subject.text,
        body=body.text,
        missing=list(dict.fromkeys([*subject.missing, *body.missing])),
        unknown=list(dict.fromkeys([*subject.unknown, *body.unknown])),
        subject_html=subject.html,
        body_html=body.html,
    )


def _names(people: list[str]) -> str:
    if len(people) <= 3:
        return " and ".join([", ".join(people[:-1]), people[-1]]) if len(people) > 1 else people[0]
    return f"{', '.join(people[:2])} and {len(people) - 2} others"


def _unknown_problem(tag: str) -> str:
    if not tag.endswith(("}}", "%}")):
        return f"“{tag}” opens a tag that is never closed: write merge fields as {{{{ contact.first_name }}}}."
    if tag.startswith("{%"):
        return f"{tag} is not allowed: only merge fields such as {{{{ contact.first_name }}}} are filled in."
    return f"{tag} is not a merge field; use one of the listed fields, e.g. {{{{ contact.first_name }}}}."


def entry_merge_problems(*, entry, recipients: Iterable[Contact] | None = None) -> list[str]:
    """What blocks sending `entry`: unknown fields and block tags, then, per field, the recipients whose
    value is missing with no inline default and no fallback. `recipients` default to the entry's."""
    if recipients is None:
        recipients = entry_recipients(entry)
    recipients = list(recipients)
    base = _entry_context(entry, None)
    problems: list[str] = []
    unknown: list[str] = []
    missing_for: dict[str, list[str]] = {}
    candidates: list[Contact | None] = [*recipients] or [None]
    for contact in candidates:
        subject, body = entry_render(entry=entry, contact=contact, base=base)
        for tag in [*subject.unknown, *body.unknown]:
            if tag not in unknown:
                unknown.append(tag)
        for name in dict.fromkeys([*subject.missing, *body.missing]):
            if contact is None and name.startswith("contact."):
                continue  # nobody to send to: the entry's own checks say so
            # A contact's field is missing for that person; the others are the account's, named once.
            who = contact.name if contact is not None and name.startswith("contact.") else entry.account.name
            people = missing_for.setdefault(name, [])
            if who not in people:
                people.append(who)
    problems.extend(_unknown_problem(tag) for tag in unknown)
    for name, people in missing_for.items():
        problems.append(f"{name} is empty for {_names(people)}; give a fallback.")
    return problems


def title_contexts(*, tenant: Tenant, account_ids: Iterable[int]) -> dict[int, dict[str, str | None]]:
    """Per account, the merge fields every recipient shares, for titles (calendar, tasks, feeds, conflicts):
    two queries for any number of accounts. Contact fields depend on the recipient and usage fields on the
    month, so a title shows those as placeholders."""
    from renewals.peers import accounts_next_renewal

    ids = set(account_ids)
    if not ids:
        return {}
    renewals = accounts_next_renewal(tenant=tenant, account_ids=ids)
    return {
        account.pk: account_fields(
            tenant=tenant, account=account, owner=account.owner, renewal_on=renewals.get(account.pk)
        )
        for account in Account.objects.filter(tenant=tenant, pk__in=ids).select_related("owner")
    }


def entries_titled(*, tenant: Tenant, entries: Iterable) -> list:
    """The entries, each with `title`: its subject with the account's fields filled in (see outline)."""
    entries = list(entries)
    contexts = title_contexts(tenant=tenant, account_ids={entry.account_id for entry in entries})
    for entry in entries:
        entry.title = outline(entry.subject, contexts.get(entry.account_id))
    return entries


def entry_title(entry) -> str:
    """An entry's title: `title` when entries_titled gave it (a list pays two queries in all), else worked
    out for this entry alone."""
    if getattr(entry, "title", None) is None:
        entries_titled(tenant=entry.tenant, entries=[entry])
    return entry.title
