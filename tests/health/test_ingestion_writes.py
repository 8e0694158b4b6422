"""The write path of a batch: what it costs in queries, and the contacts' last-seen time it keeps."""

import datetime as dt
import threading

import psycopg2
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from accounts.models import Contact
from health.ingestion.services import ingest
from health.ingestion.writer import LAST_SEEN_STEP

from .builders import contact, raw_events, rollups, track, tracked_account

ON_POSTGRESQL = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
DAY = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def _people(tenant, accounts: int, people: int) -> list[tuple[str, str]]:
    """(userId, groupId) of `people` contacts spread over `accounts` accounts."""
    made = [tracked_account(tenant, f"acct-{a}") for a in range(accounts)]
    pairs = []
    for n in range(people):
        home = made[n % accounts]
        contact(tenant, home, f"user-{n}", name=f"Person {n}")
        pairs.append((f"user-{n}", home.external_id))
    return pairs


def _batch(pairs: list[tuple[str, str]], moment: dt.datetime, events: int = 120) -> list[dict]:
    names = ["Logged In", "Report Created", "Dashboard Viewed"]
    return [
        track(
            pairs[n % len(pairs)][0],
            event=names[n % len(names)],
            timestamp=(moment + dt.timedelta(seconds=n)).isoformat(),
            context={"groupId": pairs[n % len(pairs)][1]},
        )
        for n in range(events)
    ]


def _queries(tenant, calls: list[dict]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        result = ingest(tenant=tenant, calls=calls)
    assert result.stored == len(calls) and not result.rejected
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_for_5_people_as_for_60(tenant_a, tenant_b):
    few = _people(tenant_a, accounts=2, people=5)
    many = _people(tenant_b, accounts=20, people=60)
    # The first batch of the day: every rollup row new, every person's last-seen time moved.
    first_few, first_many = _queries(tenant_a, _batch(few, DAY)), _queries(tenant_b, _batch(many, DAY))
    assert len(first_few) == len(first_many)
    # The next one adds to existing rows, and moves everyone again (more than a step later).
    later = DAY + 2 * LAST_SEEN_STEP
    assert len(_queries(tenant_a, _batch(few, later))) == len(_queries(tenant_b, _batch(many, later)))
    assert len(first_few) <= 12, first_few


def _last_seen(tenant, user_id: str) -> dt.datetime | None:
    with scope(tenant=tenant):
        return Contact.objects.get(tenant=tenant, external_id=user_id).last_seen_at


@pytest.mark.django_db
def test_last_seen_moves_when_a_step_or_more_ahead_and_never_back(tenant_a):
    acme = tracked_account(tenant_a, "acme-1")
    contact(tenant_a, acme, "u1")
    contact(tenant_a, acme, "u2")
    assert _last_seen(tenant_a, "u1") is None

    # A first event always sets it: health tells a person never seen from one who went quiet.
    ingest(tenant=tenant_a, calls=[track("u1", timestamp=DAY.isoformat()), track("u2", timestamp=DAY.isoformat())])
    assert _last_seen(tenant_a, "u1") == _last_seen(tenant_a, "u2") == DAY

    # Within the step: kept, at most one step behind the newest event.
    within = DAY + LAST_SEEN_STEP - dt.timedelta(minutes=1)
    ingest(tenant=tenant_a, calls=[track("u1", timestamp=within.isoformat())])
    assert _last_seen(tenant_a, "u1") == DAY
    # Beyond it: moved to the newest event of the batch, whoever else the batch holds.
    beyond = DAY + LAST_SEEN_STEP + dt.timedelta(minutes=1)
    ingest(
        tenant=tenant_a,
        calls=[
            track("u1", timestamp=(beyond - dt.timedelta(minutes=30)).isoformat()),
            track("u1", timestamp=beyond.isoformat()),
            track("u2", timestamp=within.isoformat()),
        ],
    )
    assert (_last_seen(tenant_a, "u1"), _last_seen(tenant_a, "u2")) == (beyond, DAY)
    # An old event arriving late never moves it back.
    ingest(tenant=tenant_a, calls=[track("u1", timestamp=(DAY - dt.timedelta(days=30)).isoformat())])
    assert _last_seen(tenant_a, "u1") == beyond


@pytest.mark.django_db
def test_last_seen_of_another_tenants_person_is_never_moved(tenant_a, tenant_b):
    mine = contact(tenant_a, tracked_account(tenant_a, "acme-1"), "u1")
    theirs = contact(tenant_b, tracked_account(tenant_b, "acme-1"), "u1")
    ingest(tenant=tenant_a, calls=[track("u1", timestamp=DAY.isoformat())])
    with scope(tenant=tenant_b):
        theirs.refresh_from_db()
    with scope(tenant=tenant_a):
        mine.refresh_from_db()
    assert (mine.last_seen_at, theirs.last_seen_at) == (DAY, None)


def _other_connection():
    database = connection.settings_dict
    return psycopg2.connect(
        dbname=database["NAME"],
        user=database["USER"],
        host=database["HOST"] or None,
        port=database["PORT"] or None,
        password=database["PASSWORD"] or None,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not ON_POSTGRESQL, reason="row locks")
def test_a_batch_waits_for_no_other_batch_holding_its_people(tenant_a):
    """Another batch has moved Jane's last-seen time and not committed yet (it holds her row). A batch of
    Jane's that does not move her (within the step) writes nothing to her row, so it takes no lock on it
    and goes through at once; before the step, every batch rewrote every person's row and queued here."""
    acme = tracked_account(tenant_a, "acme-1")
    jane = contact(tenant_a, acme, "u1")
    ingest(tenant=tenant_a, calls=[track("u1", timestamp=DAY.isoformat(), context={"groupId": "acme-1"})])
    holder = _other_connection()
    try:
        with holder.cursor() as cursor:
            cursor.execute("UPDATE accounts_contact SET last_seen_at = %s WHERE id = %s", [DAY, jane.pk])
        outcome = []

        def batch():
            try:
                with connection.cursor() as cursor:
                    # A wait for the holder's lock would end in an error instead of a hung test.
                    cursor.execute("SET lock_timeout = '5s'")
                calls = [track("u1", timestamp=(DAY + dt.timedelta(minutes=5)).isoformat())]
                outcome.append(ingest(tenant=tenant_a, calls=calls).stored)
            except Exception as error:  # pragma: no cover - reported below
                outcome.append(error)
            finally:
                connection.close()

        thread = threading.Thread(target=batch)
        thread.start()
        thread.join(30)
        assert outcome == [1]
    finally:
        holder.rollback()
        holder.close()
    assert [r[4] for r in rollups(tenant_a)] == [2]


@pytest.mark.django_db
def test_awkward_text_is_stored_exactly_as_sent(tenant_a):
    """Each column goes to PostgreSQL as one array literal, where quotes, backslashes, braces, commas and
    the word NULL mean something: every value must still arrive as it was sent."""
    awkward = ['say "hi"', "back\\slash", "{braces}", "a,b", "NULL", "", "line\nbreak", "Grüße ✓", "'single'"]
    acme = tracked_account(tenant_a, 'acme "one", {1}')
    contact(tenant_a, acme, 'u\\1,"x"')
    calls = [
        track(
            'u\\1,"x"',
            event=f"Event <{text}>",
            timestamp=DAY.isoformat(),
            properties={"text": text, text: [text, None]},
            context={"groupId": 'acme "one", {1}'},
        )
        for text in awkward
    ]
    assert ingest(tenant=tenant_a, calls=calls).stored == len(awkward)
    stored = {event.name: event for event in raw_events(tenant_a)}
    for text in awkward:
        event = stored[f"Event <{text}>"]
        assert event.properties == {"text": text, text: [text, None]}
        assert (event.user_id, event.group_id, event.contact_id) == ('u\\1,"x"', 'acme "one", {1}', event.contact_id)
        assert event.contact_id is not None
    assert sorted(r[2] for r in rollups(tenant_a)) == sorted(f"Event <{text}>" for text in awkward)
