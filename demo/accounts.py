"""The demo's book of business: about 500 accounts across the four segments, their contacts,
the three default tiers, custom fields, a few parent companies, and overrides and tier moves."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone
from django_scopes import scope

from accounts import selectors, services
from accounts.models import Account, Contact, TierChange, TierChangeReason, TierOverride
from bench.synthetic import account_rows, contact_rows
from core import tenant_time
from demo.tenancy import DemoPeople
from tenancy.selectors import membership_list

DEMO_ACCOUNTS = 500
PLANS = ["Starter", "Growth", "Scale", "Enterprise"]
PLAN_BY_SEGMENT = {"enterprise": "Enterprise", "mid_market": "Scale", "smb": "Growth", "product_led": "Starter"}


def seed(people: DemoPeople, *, accounts: int = DEMO_ACCOUNTS, today: dt.date | None = None) -> dict[str, int]:
    tenant = people.tenant
    today = today or tenant_time.today(tenant)
    rng = random.Random(2026)
    with scope(tenant=tenant):
        services.custom_field_define(tenant=tenant, label="Plan", field_type="choice", choices=PLANS, position=1)
        services.custom_field_define(
            tenant=tenant, label="Data residency", field_type="choice", choices=["EU", "US"], position=2
        )
        services.custom_field_define(
            tenant=tenant,
            label="Onboarding score",
            field_type="number",
            position=3,
            help_text="0-100 from the onboarding checklist",
        )
        services.custom_field_define(tenant=tenant, label="Reference customer", field_type="boolean", position=4)
        created = _accounts(people, rng, accounts, today)
        _hierarchy(created, rng)
        _overrides(people, created, rng, today)
        _moves(people, created, rng)
        _churn(people, created, rng, today)
        _backdate_history(created, rng, today)
        contacts = Contact.objects.filter(tenant=tenant).count()
    return {"accounts": len(created), "contacts": contacts}


def seed_second_tenant(people: DemoPeople, *, accounts: int = 25, today: dt.date | None = None) -> int:
    """A small book for Globex, so switching tenants shows other customers entirely."""
    tenant = people.second_tenant
    with scope(tenant=tenant):
        owner = next(m.user for m in membership_list(tenant=tenant) if m.user.email.startswith("sam@"))
        for row in account_rows(accounts, seed=99, today=today or tenant_time.today(tenant)):
            row.pop("contacts_wanted")
            row["external_id"] = row["external_id"].replace("acct", "gx")
            services.account_create(tenant=tenant, by=None, owner=owner, **row)
    return accounts


def _owner_for(segment: str, people: DemoPeople, rng: random.Random, index: int):
    # High-touch accounts each have a CSM; most mid-market ones too; the long tail is pooled.
    if segment == "enterprise":
        return people.csms[index % len(people.csms)]
    if segment == "mid_market" and rng.random() < 0.7:
        return rng.choice(people.csms)
    return None


def _accounts(people: DemoPeople, rng: random.Random, count: int, today: dt.date) -> list[Account]:
    tenant, created = people.tenant, []
    for index, row in enumerate(account_rows(count, seed=11, today=today)):
        contacts_wanted = row.pop("contacts_wanted")
        segment = row["segment"]
        custom = {
            "plan": PLAN_BY_SEGMENT[segment],
            "data_residency": "EU" if row["region"] == "EMEA" else rng.choice(["EU", "US", "US"]),
            "onboarding_score": rng.randint(35, 100) if row["go_live_on"] else rng.randint(5, 60),
        }
        if segment in ("enterprise", "mid_market") and rng.random() < 0.15:
            custom["reference_customer"] = True
        account = services.account_create(
            tenant=tenant, by=people.admin, owner=_owner_for(segment, people, rng, index), custom_fields=custom, **row
        )
        for contact in contact_rows(row["external_id"], contacts_wanted, rng=rng, segment=segment):
            days = contact.pop("days_since_seen")
            services.contact_create(
                tenant=tenant, account=account, last_seen_at=timezone.now() - dt.timedelta(days=days), **contact
            )
        created.append(account)
    return created


def _hierarchy(accounts: list[Account], rng: random.Random) -> None:
    """Five groups: an enterprise parent with two or three subsidiaries of its own."""
    parents = [a for a in accounts if a.segment == "enterprise"][:5]
    children = [a for a in accounts if a.segment == "mid_market" and a.parent_id is None]
    rng.shuffle(children)
    for parent in parents:
        for child in children[: rng.randint(2, 3)]:
            child.parent = parent
            child.name = f"{parent.name.split()[0]} {child.name}"
            child.save(update_fields=["parent", "name"])
            children.remove(child)


def _overrides(people: DemoPeople, accounts: list[Account], rng: random.Random, today: dt.date) -> None:
    mid = sorted((a for a in accounts if a.segment == "mid_market"), key=lambda a: a.arr, reverse=True)
    high = next(t for t in selectors.service_tiers(tenant=people.tenant) if t.touch_model == "high_touch")
    low = next(t for t in selectors.service_tiers(tenant=people.tenant) if t.touch_model == "low_touch")
    for account in mid[:6]:
        services.account_set_tier_override(
            account=account,
            kind=TierOverride.STRATEGIC,
            tier=high,
            by=people.leader,
            note="Lighthouse logo in a new market",
            today=today,
        )
    at_risk = [a for a in mid[10:60] if a.owner_id][:5]
    for account in at_risk:
        services.account_set_tier_override(
            account=account,
            kind=TierOverride.AT_RISK_UPGRADE,
            by=account.owner,
            until=today + dt.timedelta(days=rng.randint(20, 80)),
            note=rng.choice(
                ["Champion left", "Usage down 40% in 30 days", "Budget review announced", "Merger with a competitor"]
            ),
            today=today,
        )
    for account in [a for a in accounts if a.segment == "smb"][:2]:
        services.account_set_tier_override(
            account=account,
            kind=TierOverride.MANUAL,
            tier=low,
            by=people.leader,
            note="Complex integration: needs a pooled CSM",
            today=today,
        )


def _moves(people: DemoPeople, accounts: list[Account], rng: random.Random) -> None:
    """Expansions across a band and contractions below one, so tier histories have stories."""
    candidates = [a for a in accounts if not a.tier_override]
    growing = [a for a in candidates if a.segment == "mid_market" and Decimal(70_000) < a.acv < Decimal(100_000)][:4]
    shrinking = [a for a in candidates if a.segment == "enterprise" and a.acv < Decimal(160_000)][:3]
    for account in growing:
        new = (account.acv * Decimal("1.45")).quantize(Decimal("0.01"))
        services.account_update(account=account, by=account.owner or people.leader, acv=new, arr=new)
    for account in shrinking:
        new = (account.acv * Decimal("0.55")).quantize(Decimal("0.01"))
        services.account_update(account=account, by=people.leader, acv=new, arr=new)


def _churn(people: DemoPeople, accounts: list[Account], rng: random.Random, today: dt.date) -> None:
    for account in rng.sample([a for a in accounts if a.segment in ("smb", "product_led")], 18):
        services.account_deactivate(account=account, by=people.leader)
        # Recent enough that the 120 days of demo usage show the decline before it (the backtest).
        account.churned_on = today - dt.timedelta(days=rng.randint(5, 28))
        account.save(update_fields=["churned_on"])


def _backdate_history(accounts: list[Account], rng: random.Random, today: dt.date) -> None:
    """First assignments happened when the contract was signed; later moves in recent weeks."""
    signed = {a.pk: a.signed_on for a in accounts}
    changes = list(TierChange.objects.filter(tenant_id=accounts[0].tenant_id, account_id__in=signed))
    for change in changes:
        if change.reason == TierChangeReason.INITIAL and signed.get(change.account_id):
            day = signed[change.account_id]
        else:
            day = today - dt.timedelta(days=rng.randint(1, 60))
        change.changed_at = timezone.make_aware(dt.datetime.combine(day, dt.time(9, rng.randint(0, 59))))
    TierChange.objects.bulk_update(changes, ["changed_at"], batch_size=500)
