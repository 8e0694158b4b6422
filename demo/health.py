"""The demo's signals: 120 days of product usage through the real ingestion, with the stories the
health model will find, and the support, financial and relationship history around them."""

import datetime as dt
import random
from decimal import Decimal
from itertools import islice

from django.utils import timezone
from django_scopes import scope

from accounts.models import Account, AccountStatus, Contact, ImportMode
from bench.synthetic_usage import (
    CHURNING,
    DECLINING,
    POWER_USER_SILENT,
    SATURATING,
    STEADY,
    AccountUsage,
    usage_calls,
)
from core import tenant_time
from demo.tenancy import DemoPeople
from health.ingestion.services import ingest
from health.models import HealthModel
from health.models.record_kinds import KINDS
from health.scoring.measures import MEASURES, Family
from health.services.records import record_bulk_upsert

USAGE_DAYS = 120
_ADOPTION = {m.key for m in MEASURES if m.family == Family.ADOPTION}
BATCH = 500
EVENT_POINTS = {
    # From the renewal article: a login is worth 1-2 points, a completed core workflow 7-10.
    "Logged In": (1, {}),
    "Dashboard Viewed": (2, {"is_core": True}),
    "Report Created": (7, {"is_core": True}),
    "Report Published": (9, {"is_core": True}),
    "Data Source Connected": (8, {"is_core": True}),
    "Teammate Invited": (7, {}),
    "Alert Configured": (5, {"is_core": True}),
    "Advanced Query Run": (6, {"is_advanced": True}),
    "Export Scheduled": (5, {"is_advanced": True}),
    "SSO Settings Viewed": (1, {"is_locked": True}),
    "Pricing": (1, {"is_upgrade_page": True}),
}


def usage_plan(
    accounts: list[Account], contacts: dict[int, list[str]], rng: random.Random, today: dt.date
) -> list[AccountUsage]:
    """A story for every account with product users."""
    plans = []
    for account in accounts:
        users = contacts.get(account.pk, [])
        if not users:
            continue
        usage = AccountUsage(external_id=account.external_id, user_ids=users, intensity=rng.uniform(0.6, 1.4))
        if account.status == AccountStatus.CHURNED:
            usage.story, usage.ends_on = CHURNING, account.churned_on or today - dt.timedelta(days=40)
            if len(users) > 1:
                # The power user goes first: the seeds' classic early warning.
                usage.silent_from = usage.ends_on - dt.timedelta(days=rng.randint(45, 75))
        else:
            roll = rng.random()
            if roll < 0.08:
                usage.story = DECLINING
            elif roll < 0.13 and len(users) > 1:
                usage.story, usage.silent_from = POWER_USER_SILENT, today - dt.timedelta(days=rng.randint(22, 40))
            elif roll < 0.18:
                usage.story = SATURATING
            else:
                usage.story = STEADY
        plans.append(usage)
    return plans


def seed(people: DemoPeople, *, today: dt.date | None = None, days: int = USAGE_DAYS) -> dict[str, int]:
    """Usage through `ingest`, as the SDKs would send it, then the tickets, invoices, subscription
    changes, meetings and NPS answers that go with each account's story."""
    from health.services import usage as health_services

    tenant = people.tenant
    today = today or tenant_time.today(tenant)
    rng = random.Random(120)
    with scope(tenant=tenant):
        accounts = list(Account.objects.filter(tenant=tenant).order_by("pk"))
        contacts = _product_users(tenant)
        plans = usage_plan(accounts, contacts, rng, today)
        _saturate(plans, accounts, rng)
        calls = usage_calls(plans, today=today, days=days)
        stored = 0
        while batch := list(islice(calls, BATCH)):
            stored += ingest(tenant=tenant, calls=batch).stored
        for name, (points, flags) in EVENT_POINTS.items():
            health_services.event_definition_set(tenant=tenant, name=name, points=points, **flags)
        story_of = {plan.external_id: plan.story for plan in plans}
        _signals(tenant, accounts, story_of, rng, today)
    counts: dict[str, int] = {"events": stored}
    for plan in plans:
        counts[plan.story] = counts.get(plan.story, 0) + 1
    return counts


def _product_users(tenant) -> dict[int, list[str]]:
    users: dict[int, list[str]] = {}
    rows = (
        Contact.objects.filter(tenant=tenant, is_active=True)
        .exclude(external_id="")
        .order_by("account_id", "pk")
        .values_list("account_id", "external_id")
    )
    for account_id, external_id in rows:
        users.setdefault(account_id, []).append(external_id)
    return users


def _saturate(plans: list[AccountUsage], accounts: list[Account], rng: random.Random) -> None:
    """Seats to match the product users: accounts growing into their seats use nearly all of them,
    the others leave some room (so active-seat share and saturation read like a real book)."""
    by_external = {a.external_id: a for a in accounts}
    for plan in plans:
        account = by_external[plan.external_id]
        users = len(plan.user_ids)
        if plan.story == SATURATING:
            account.seats_purchased = max(users, round(users / 0.9))
        else:
            account.seats_purchased = max(users + 1, round(users / rng.uniform(0.55, 0.75)))
        account.save(update_fields=["seats_purchased"])


def _at(day: dt.date, hour: int, tenant_zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=tenant_zone)


def _signals(tenant, accounts: list[Account], story_of: dict[str, str], rng: random.Random, today: dt.date) -> None:
    """Support, financial and relationship history, written through the same services as the API."""
    zone = tenant.zone
    first_contact = {}
    for contact in Contact.objects.filter(tenant=tenant).order_by("pk"):
        first_contact.setdefault(contact.account_id, contact)
    rows: dict[str, list[dict]] = {key: [] for key in KINDS}
    active = [a for a in accounts if a.status == AccountStatus.ACTIVE]
    p1_burst = {a.pk for a in rng.sample(active, max(1, len(active) // 25))}
    late_payers = {a.pk for a in rng.sample(active, max(1, len(active) // 20))}
    for account in accounts:
        story = story_of.get(account.external_id, STEADY)
        contact = first_contact.get(account.pk)
        rows["ticket"] += _tickets(account, contact, story, account.pk in p1_burst, rng, today, zone)
        rows["invoice"] += _invoices(account, account.pk in late_payers, rng, today)
        rows["subscription_change"] += _subscription_changes(account, story, rng, today)
        rows["meeting"] += _meetings(account, story, rng, today, zone)
        rows["nps"] += _nps(account, contact, story, rng, today)
    for key, kind_rows in rows.items():
        result = record_bulk_upsert(tenant=tenant, kind=KINDS[key], rows=kind_rows, mode=ImportMode.VALID_ROWS)
        if result.errors:
            raise ValueError(f"The demo's {key} rows are invalid: {list(result.errors.items())[:3]}")


def _tickets(account, contact, story, burst, rng, today, zone) -> list[dict]:
    per_month = {"enterprise": 2.0, "mid_market": 1.0, "smb": 0.4, "product_led": 0.2}[account.segment]
    if story == DECLINING:
        per_month *= 1.8
    tickets = []
    for n in range(int(per_month * 4 * rng.uniform(0.5, 1.5))):
        opened = today - dt.timedelta(days=rng.randint(1, 120))
        solved = rng.random() < 0.85 and opened < today - dt.timedelta(days=2)
        tickets.append(
            {
                "account": account,
                "contact": contact,
                "external_id": f"zd-{account.external_id}-{n}",
                "subject": rng.choice(
                    [
                        "Export fails for large reports",
                        "SSO login loop",
                        "Question about alerts",
                        "Dashboard slow to load",
                        "How do I invite my team?",
                        "Data source sync delayed",
                    ]
                ),
                "priority": rng.choices(["p2", "p3", "p4"], weights=[2, 6, 2])[0],
                "status": "solved" if solved else "open",
                "opened_at": _at(opened, 10, zone),
                "closed_at": _at(opened + dt.timedelta(days=rng.randint(0, 3)), 16, zone) if solved else None,
                "csat": rng.choices(
                    [5, 4, 3, 2, 1], weights=[5, 3, 1, 1, 1] if story != DECLINING else [1, 2, 2, 2, 2]
                )[0]
                if solved
                else None,
                "sentiment": "negative"
                if story == DECLINING and rng.random() < 0.5
                else rng.choice(["positive", "neutral"]),
            }
        )
    if burst:
        for n in range(rng.randint(4, 6)):
            opened = today - dt.timedelta(days=rng.randint(0, 10))
            tickets.append(
                {
                    "account": account,
                    "contact": contact,
                    "external_id": f"zd-{account.external_id}-p1-{n}",
                    "subject": rng.choice(
                        [
                            "Production dashboards down",
                            "Data missing since this morning",
                            "Cannot log in: whole team blocked",
                        ]
                    ),
                    "priority": "p1",
                    "status": "open",
                    "opened_at": _at(opened, 9, zone),
                    "sentiment": "negative",
                }
            )
    return tickets


def _invoices(account, late, rng, today) -> list[dict]:
    quarterly = (account.arr / 4).quantize(Decimal("0.01"))
    invoices = []
    for quarter in range(3):
        issued = today - dt.timedelta(days=30 + 91 * quarter + rng.randint(0, 5))
        due = issued + dt.timedelta(days=30)
        unpaid = late and quarter == 0
        invoices.append(
            {
                "account": account,
                "external_id": f"inv-{account.external_id}-{quarter}",
                "number": f"INV-{account.pk:04d}-{quarter}",
                "amount": quarterly,
                "issued_on": issued,
                "due_on": due,
                "paid_on": None if unpaid or due > today else due - dt.timedelta(days=rng.randint(0, 10)),
            }
        )
    return invoices


def _subscription_changes(account, story, rng, today) -> list[dict]:
    if story == DECLINING and rng.random() < 0.5 and account.seats_purchased > 10:
        before = account.seats_purchased
        return [
            {
                "account": account,
                "external_id": f"sub-{account.external_id}-cut",
                "kind": "seats_removed",
                "effective_on": today - dt.timedelta(days=rng.randint(10, 60)),
                "seats_before": before,
                "seats_after": int(before * 0.7),
                "note": "Team reorganised; fewer licences at renewal",
            }
        ]
    if story == SATURATING and account.seats_purchased >= 2:
        return [
            {
                "account": account,
                "external_id": f"sub-{account.external_id}-grow",
                "kind": "seats_added",
                "effective_on": today - dt.timedelta(days=rng.randint(30, 100)),
                "seats_before": max(account.seats_purchased - 2, 1),
                "seats_after": account.seats_purchased,
            }
        ]
    return []


def _meetings(account, story, rng, today, zone) -> list[dict]:
    if account.segment not in ("enterprise", "mid_market") or account.status != AccountStatus.ACTIVE:
        return []
    every = 14 if account.segment == "enterprise" else 30
    meetings = []
    for n, days_ago in enumerate(range(every, 120, every)):
        no_show = story in (DECLINING, POWER_USER_SILENT) and rng.random() < 0.35
        meetings.append(
            {
                "account": account,
                "external_id": f"cal-{account.external_id}-{n}",
                "kind": "check_in",
                "title": "Check-in",
                "scheduled_at": _at(today - dt.timedelta(days=days_ago), 15, zone),
                "status": "no_show" if no_show else "held",
            }
        )
    qbr_day = today - dt.timedelta(days=rng.randint(20, 80))
    meetings.append(
        {
            "account": account,
            "external_id": f"cal-{account.external_id}-qbr",
            "kind": "qbr",
            "title": "Quarterly business review",
            "scheduled_at": _at(qbr_day, 14, zone),
            "status": "held",
            "executive_present": story == STEADY and rng.random() < 0.6,
        }
    )
    return meetings


def _nps(account, contact, story, rng, today) -> list[dict]:
    if contact is None or rng.random() > 0.45:
        return []
    score = {DECLINING: rng.randint(2, 6), POWER_USER_SILENT: rng.randint(4, 7), CHURNING: rng.randint(0, 5)}.get(
        story, rng.choices([10, 9, 8, 7, 6], weights=[4, 4, 3, 2, 1])[0]
    )
    return [
        {
            "account": account,
            "contact": contact,
            "external_id": f"nps-{account.external_id}",
            "score": score,
            "responded_on": today - dt.timedelta(days=rng.randint(5, 90)),
            "comment": "Reports are great, the new dashboards less so." if score < 7 else "Saves us hours every week.",
        }
    ]


SCORE_HISTORY_DAYS = 90


def seed_scores(people: DemoPeople, *, today: dt.date | None = None, days: int = SCORE_HISTORY_DAYS) -> int:
    """The health model (defaults, and product-led accounts scored on usage alone), then daily
    scores for the last `days` days from the rollups, oldest first, and today's signals."""
    from health.services import scores as scoring

    tenant = people.tenant
    today = today or tenant_time.today(tenant)
    with scope(tenant=tenant):
        default = scoring.health_model_current(tenant=tenant)
        usage_only = {
            key: {**setting, "weight": setting["weight"] * 2 if key in _ADOPTION else 0}
            for key, setting in default.measures.items()
        }
        product_led = scoring.health_model_save(
            tenant=tenant,
            segment="product_led",
            measures=usage_only,
            note="Product-led accounts have no CSM meetings: scored on product adoption alone",
            by=people.admin,
        )
        HealthModel.objects.filter(tenant=tenant, pk__in=[default.pk, product_led.pk]).update(
            created_at=timezone.now() - dt.timedelta(days=days + 10)
        )
        active = list(
            Account.objects.filter(tenant=tenant, status=AccountStatus.ACTIVE)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        return scoring.health_history_backfill(tenant=tenant, days=days, account_ids=active, today=today)
