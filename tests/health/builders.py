"""Building health's test state through the services the product uses: accounts and people, usage sent through
the tracking API or ingestion on known days, the customer's records, scoring a day, and reading the results
(raw events, rollups, the catalogue, ingestion errors, snapshots, signals), the health model editor's form and a
book for the backtest.

Every scoring fixture is placed around one fixed day, DAY, in the tenant's zone (Europe/Berlin): usage is
sent at 12:00 UTC, which is the same calendar day in Berlin all year round.
"""

import base64
import datetime as dt
import gzip
import json
import uuid

from django.urls import reverse
from django.utils import timezone
from django_scopes import scope

from accounts import services as account_services
from accounts.models import Account
from core import tenant_time
from health.forms.model import HealthModelForm
from health.ingestion.services import ingest
from health.models import (
    EventDefinition,
    EventRollup,
    HealthScore,
    HealthSignal,
    IngestionError,
    RawEvent,
    SignalStatus,
)
from health.models.record_kinds import KINDS
from health.scoring.measures import MEASURES
from health.services import backtest_jobs
from health.services import records as record_services
from health.services import scores as scoring
from health.services import usage as health_services
from tenancy import services as tenancy_services
from tenancy.models import ApiKeyKind

from ..accounts.builders import make_account

DAY = dt.date(2026, 9, 15)


def ago(days: int) -> dt.date:
    return DAY - dt.timedelta(days=days)


def noon(day: dt.date) -> dt.datetime:
    """12:00 UTC on `day`: 14:00 in Berlin, the same tenant day."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def account(tenant, n: int, *, seats: int = 10, segment: str = "mid_market", **fields):
    """Account n (external id ext-n) with `seats` seats, for scoring."""
    return make_account(tenant, n, segment=segment, seats_purchased=seats, **fields)


def book_account(tenant, n: int, *, owner=None):
    """Account n (external id ext-n) as the test book makes it, for the records' tests."""
    return make_account(tenant, n, owner=owner)


def tracked_account(tenant, external_id: str, name: str = "", **fields):
    """An account known by its external id (the Segment groupId), for the ingestion tests."""
    with scope(tenant=tenant):
        return account_services.account_create(
            tenant=tenant, by=None, external_id=external_id, name=name or external_id, segment="mid_market", **fields
        )


def contact(tenant, account, external_id: str, name: str = "Jane Roe", **fields):
    with scope(tenant=tenant):
        return account_services.contact_create(
            tenant=tenant, account=account, external_id=external_id, name=name, **fields
        )


def person(tenant, account, external_id: str, name: str, **fields):
    """A contact with an email address (external-id@acme.example)."""
    return contact(tenant, account, external_id, name, email=f"{external_id}@acme.example", **fields)


def people(tenant, account, count: int, *, names: tuple[str, ...] = (), **fields) -> list:
    """`count` contacts of `account`, named from `names` first, then "Person n"."""
    made = []
    with scope(tenant=tenant):
        for n in range(count):
            name = names[n] if n < len(names) else f"Person {n + 1}"
            made.append(
                account_services.contact_create(
                    tenant=tenant, account=account, external_id=f"{account.external_id}-u{n + 1}", name=name, **fields
                )
            )
    return made


def catalogue(tenant, name: str, points=None, **flags) -> None:
    with scope(tenant=tenant):
        health_services.event_definition_set(tenant=tenant, name=name, points=points, **flags)


def track_on(contact, event: str, day: dt.date, *, at: str = "") -> dict:
    """A Segment track call by `contact` on `day` (at 12:00 UTC, or at the given "HH:MM" UTC)."""
    when = f"{day.isoformat()}T{at or '12:00'}:00Z"
    return {
        "type": "track",
        "event": event,
        "userId": contact.external_id,
        "messageId": str(uuid.uuid4()),
        "timestamp": when,
    }


def send(tenant, calls: list[dict]) -> None:
    result = ingest(tenant=tenant, calls=calls)
    assert not result.rejected, result.rejected


def uses(contact, event: str, *days: dt.date) -> list[dict]:
    return [track_on(contact, event, day) for day in days]


def used(tenant, user_id: str, *, days_ago: int, times: int = 1, event: str = "Report Created") -> None:
    """Product usage of a person, `days_ago` days back, through the ingestion the SDKs reach."""
    when = (timezone.now() - dt.timedelta(days=days_ago)).isoformat()
    ingest(tenant=tenant, calls=[track(user_id, event=event, timestamp=when) for _ in range(times)])


def record(tenant, kind_key: str, account=None, **fields):
    """A support ticket, invoice, subscription change, meeting or NPS answer, through the records' service (the
    account may be left out, or named otherwise in the fields, as a request would)."""
    if account is not None:
        fields = {"account": account, **fields}
    with scope(tenant=tenant):
        return record_services.record_create(tenant=tenant, kind=KINDS[kind_key], fields=fields)


def count(tenant, kind_key: str) -> int:
    """How many records of this kind the tenant has."""
    with scope(tenant=tenant):
        return KINDS[kind_key].model.objects.filter(tenant=tenant).count()


def record_update(tenant, item, **fields):
    with scope(tenant=tenant):
        return record_services.record_update(record=item, fields=fields)


def score_day(tenant, day: dt.date, *accounts, detect: bool = True) -> dict:
    """Score these accounts for `day`: {account_id: AccountScore}."""
    with scope(tenant=tenant):
        return scoring.accounts_score_day(tenant=tenant, day=day, account_ids=[a.pk for a in accounts], detect=detect)


def measure(tenant, day: dt.date, account, key: str) -> dict:
    """One measure of one account on `day` (scored without signals): raw, points, weight, detail."""
    return score_day(tenant, day, account, detect=False)[account.pk].measures[key]


def save_model(tenant, *, segment: str = "", weights: dict[str, float], **options):
    """A new model version with these weights (other measures left out) and the default curves."""
    with scope(tenant=tenant):
        return scoring.health_model_save(
            tenant=tenant,
            segment=segment,
            measures={key: {"weight": weight} for key, weight in weights.items()},
            by=None,
            **options,
        )


def snapshots(tenant, account) -> list[HealthScore]:
    with scope(tenant=tenant):
        return list(HealthScore.objects.filter(tenant=tenant, account=account).order_by("day"))


def snapshot(tenant, account, day: dt.date) -> HealthScore:
    with scope(tenant=tenant):
        return HealthScore.objects.get(tenant=tenant, account=account, day=day)


def signals(tenant, account, *, status: str | None = None, kind: str | None = None) -> list[HealthSignal]:
    with scope(tenant=tenant):
        found = HealthSignal.objects.filter(tenant=tenant, account=account).order_by("id")
        if status:
            found = found.filter(status=status)
        if kind:
            found = found.filter(kind=kind)
        return list(found)


def open_signals(tenant, account) -> list[tuple[str, str]]:
    """(kind, subject) of the account's open signals, sorted."""
    return sorted((s.kind, s.subject) for s in signals(tenant, account, status=SignalStatus.OPEN))


def jane_story(tenant, n: int = 1, **fields):
    """An account whose power user, Jane Roe, goes silent while two people drop away.

    10 seats, 8 people; "Report Created" weighs 10 points, "Logged In" 1; no core events, so the
    core-feature trend has no data (nor do support, financial and relationship measures).
      Jane Roe:       Report Created on days -60, -50, -40, -30 and -23
      Persons 2-6:    Logged In on days -17, -10 and -2 (person 2 also on day -40)
      Persons 7-8:    Logged In on day -33
    Under the default model (active seats 15, power users 15, saturation 5, engagement 5, breadth 5):
      day -30: active 4/10 = 40, Jane 0 days = 100, saturation 4/10 = 40, engagement 12 vs 11
               points = +9% = 99.1, 2 features = 35: 2970.5 / 45 = 66 (yellow)
      day -7:  active 8/10 = 100, Jane 16 days = 45.7, saturation 8/10 = 100, engagement 5 vs 5 = 90,
               breadth 35: 3310.5 / 45 = 74 (green)
      DAY:     active 6/10 = 80, Jane 23 days = 7.8, saturation 100, engagement 90, breadth 35:
               2442 / 45 = 54 (yellow)
    Returns (account, Jane, [persons 2-8]).
    """
    acme = account(tenant, n, seats=10, **fields)
    jane, *others = people(tenant, acme, 8, names=("Jane Roe",))
    catalogue(tenant, "Report Created", points=10)
    calls = uses(jane, "Report Created", ago(60), ago(50), ago(40), ago(30), ago(23))
    for person in others[:5]:
        calls += uses(person, "Logged In", ago(17), ago(10), ago(2))
    calls += uses(others[0], "Logged In", ago(40))
    for person in others[5:]:
        calls += uses(person, "Logged In", ago(33))
    send(tenant, calls)
    return acme, jane, others


def health_story(tenant, *, owner=None, n: int = 1, history_days: int = 14):
    """An account with two active people and one who stopped 40 days ago (the heaviest user, so a
    power user gone quiet), an open P1 ticket, a ticket closed with CSAT, a detractor and a late
    invoice; scored for the last `history_days` days and today."""
    acme = book_account(tenant, n, owner=owner)
    with scope(tenant=tenant):
        acme.seats_purchased = 10
        acme.save(update_fields=["seats_purchased"])
    jane = person(tenant, acme, f"jane-{n}", "Jane Roe")
    person(tenant, acme, f"sam-{n}", "Sam Active")
    person(tenant, acme, f"olga-{n}", "Olga Gone")
    for days_ago in range(0, 20, 2):
        used(tenant, f"jane-{n}", days_ago=days_ago, times=2)
        used(tenant, f"sam-{n}", days_ago=days_ago + 1, event="Dashboard Viewed")
    used(tenant, f"olga-{n}", days_ago=40, times=60)
    now = timezone.now()
    record(tenant, "ticket", account=acme, subject="SSO down", priority="p1", opened_at=now - dt.timedelta(days=2))
    record(
        tenant,
        "ticket",
        account=acme,
        subject="Export slow",
        priority="p3",
        status="solved",
        opened_at=now - dt.timedelta(days=20),
        closed_at=now - dt.timedelta(days=18),
        csat=2,
    )
    today = tenant_time.today(tenant)
    record(tenant, "nps", account=acme, contact=jane, score=3, comment="Too slow", responded_on=today)
    record(
        tenant,
        "invoice",
        account=acme,
        number="INV-9",
        amount=1200,
        issued_on=today - dt.timedelta(days=40),
        due_on=today - dt.timedelta(days=10),
    )
    with scope(tenant=tenant):
        scoring.health_history_backfill(tenant=tenant, days=history_days, account_ids=[acme.pk])
    return acme


DEFAULT_WEIGHTS = {m.key: m.weight for m in MEASURES}

# The health model's editor and the backtest.

MODEL_EDIT = reverse("health:model_edit", kwargs={"segment": ""})
BACKTEST_API = "/api/v1/health-backtest/"


def model_form_data(tenant, **changes) -> dict:
    """The editor's form as it comes filled in, with `changes`."""
    with scope(tenant=tenant):
        initial = HealthModelForm.initial_for(scoring.health_model_current(tenant=tenant))
    data = {k: "" if v is None else str(v) for k, v in initial.items()}
    data.update({"custom-TOTAL_FORMS": "1", "custom-INITIAL_FORMS": "0", "note": ""})
    data.update({k: str(v) for k, v in changes.items()})
    return data


def backtest_book(tenant) -> dt.date:
    """A churned account (2 of 10 seats used) and a retained one (8 of 10); today in the tenant's zone."""
    save_model(tenant, weights={"active_seats": 100}, green_from=70, yellow_from=40)
    today = tenant_time.today(tenant)
    churn_on = today - dt.timedelta(days=20)
    for n, active, outcome in [(1, 2, churn_on), (2, 8, today)]:
        acct = account(tenant, n, seats=10)
        send(
            tenant,
            [
                c
                for p in people(tenant, acct, active)
                for c in uses(p, "Report Created", outcome - dt.timedelta(days=35))
            ],
        )
        if n == 1:
            with scope(tenant=tenant):
                account_services.account_deactivate(account=acct, by=None)
                Account.objects.filter(tenant=tenant, pk=acct.pk).update(churned_on=churn_on)
    return today


def backtest_key(tenant, today) -> str:
    """The cache key of the tenant's backtest report for the models in effect and `today`."""
    with scope(tenant=tenant):
        return backtest_jobs._report_key(tenant, scoring.health_models_in_effect(tenant=tenant), today)


def task_finished(finished_tasks, name: str) -> None:
    """With a real worker, wait until it has finished the task `name` (in-process runs are done already)."""
    found, state = finished_tasks.get(timeout=120)
    while found != name:
        found, state = finished_tasks.get(timeout=120)
    assert state == "SUCCESS"


# The tracking API: write keys, requests and the rows they leave.


def write_key(tenant) -> str:
    with scope(tenant=tenant):
        _key, secret = tenancy_services.api_key_create(
            tenant=tenant, kind=ApiKeyKind.WRITE_KEY, name="Web app", by=None
        )
    return secret


def basic(secret: str) -> dict:
    """The header the Segment and RudderStack SDKs send: the write key as Basic user name, no password."""
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{secret}:".encode()).decode()}


def post(client, path: str, body, *, secret: str | None = None, gzipped: bool = False, **extra):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    if gzipped:
        data = gzip.compress(data)
        extra["HTTP_CONTENT_ENCODING"] = "gzip"
    headers = basic(secret) if secret else {}
    return client.post(path, data=data, content_type="application/json", **headers, **extra)


def track(user_id: str | None = "u1", event: str = "Report Created", **fields) -> dict:
    call = {"type": "track", "event": event, "messageId": str(uuid.uuid4()), **fields}
    if user_id:
        call["userId"] = user_id
    return call


def raw_events(tenant, **filters) -> list[RawEvent]:
    with scope(tenant=tenant):
        return list(RawEvent.objects.filter(tenant=tenant, **filters).order_by("timestamp", "id"))


def rollup_story(tenant) -> None:
    """Usage over several days and people, with late links and points set mid-way."""
    acme, beta = tracked_account(tenant, "acme"), tracked_account(tenant, "beta")
    contact(tenant, acme, "u1")
    contact(tenant, beta, "u2")
    ingest(
        tenant=tenant,
        calls=[
            track("u1", timestamp="2026-03-01T10:00:00Z"),
            track("u1", timestamp="2026-03-01T23:30:00Z"),  # 00:30 on 2 March in Berlin
            track("u1", event="Logged In", timestamp="2026-03-02T08:00:00Z"),
            track("u2", event="Logged In", timestamp="2026-03-02T08:00:00Z", context={"groupId": "acme"}),
            track(None, anonymousId="anon", timestamp="2026-03-03T12:00:00Z"),
            track(None, anonymousId="visitor", timestamp="2026-03-03T12:00:00Z", context={"groupId": "beta"}),
            {"type": "page", "userId": "u2", "name": "Pricing", "timestamp": "2019-06-01T12:00:00Z"},
            track("u3", timestamp="2026-03-04T12:00:00Z"),
        ],
    )
    catalogue(tenant, "Report Created", points="7.5", is_core=True)
    ingest(
        tenant=tenant,
        calls=[
            {"type": "identify", "userId": "u1", "anonymousId": "anon"},
            {"type": "group", "userId": "u3", "groupId": "beta"},
            track("u2", timestamp="2026-03-05T12:00:00Z"),
        ],
    )


def rollups(tenant) -> list[tuple]:
    """Every rollup row as (account_id, contact_id, name, day, count, points), in key order."""
    with scope(tenant=tenant):
        rows = EventRollup.objects.filter(tenant=tenant).values_list(
            "account_id", "contact_id", "name", "day", "count", "points"
        )
        return sorted(rows, key=lambda r: (r[0], r[1] or 0, r[2], r[3]))


def definitions(tenant) -> dict[str, EventDefinition]:
    with scope(tenant=tenant):
        return {d.name: d for d in EventDefinition.objects.filter(tenant=tenant)}


def errors(tenant) -> list[IngestionError]:
    with scope(tenant=tenant):
        return list(IngestionError.objects.filter(tenant=tenant).order_by("id"))


def raised_signal(tenant, account, message: str, *, kind: str = "score_drop", severity: str = "high") -> HealthSignal:
    """An open signal on `account`, raised through detection's sync as the recompute raises them."""
    from health.services import detection

    with scope(tenant=tenant):
        detection.signals_sync(
            tenant=tenant,
            account_ids=[account.pk],
            wanted=[detection.Wanted(account.pk, kind, "account", severity, message)],
            today=tenant_time.today(tenant),
            cooldown_days={},
        )
        return HealthSignal.objects.get(tenant=tenant, account=account, kind=kind, status="open")
