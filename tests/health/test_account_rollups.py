"""Account rollups: kept by ingestion as the sum of the per-person rollups (also on a retried batch,
a change of points and a rebuild), summed again by the backfill, and read by the scores with the
same results as counting the per-person rollups; people's health written only when it changed."""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, Min, Q, Sum
from django_scopes import scope

from health.ingestion.rollups import account_rollups_rebuild
from health.ingestion.services import ingest
from health.models import AccountRollup, ContactHealth, EventRollup
from health.selectors import adoption as usage
from health.services import usage as services

from .builders import (
    DAY,
    account,
    ago,
    catalogue,
    contact,
    people,
    rollup_story,
    rollups,
    score_day,
    send,
    track,
    tracked_account,
    uses,
)

pytestmark = pytest.mark.django_db


def account_rollups(tenant) -> list[tuple]:
    """Every account rollup as (account_id, day, name, count, points), in key order."""
    with scope(tenant=tenant):
        return sorted(
            AccountRollup.objects.filter(tenant=tenant).values_list("account_id", "day", "name", "count", "points")
        )


def summed(tenant) -> list[tuple]:
    """The per-person rollups summed over people: what the account rollups must say."""
    totals: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0)])
    for account_id, _contact_id, name, day, count, points in rollups(tenant):
        totals[(account_id, day, name)][0] += count
        totals[(account_id, day, name)][1] += points
    return sorted((*key, count, points) for key, (count, points) in totals.items())


def test_ingestion_keeps_the_account_rollups_the_sum_of_the_peoples(tenant_a, tenant_b):
    rollup_story(tenant_a)
    acme = tracked_account(tenant_b, "acme")
    contact(tenant_b, acme, "u1")
    ingest(tenant=tenant_b, calls=[track("u1", timestamp="2026-03-01T10:00:00Z")])

    assert account_rollups(tenant_a) == summed(tenant_a)
    assert len(account_rollups(tenant_a)) == 8  # 9 per-person rows: two people logged in at acme on 2 March
    assert account_rollups(tenant_b) == summed(tenant_b) and len(account_rollups(tenant_b)) == 1


def test_a_retried_batch_adds_nothing_to_the_account_rollups(tenant_a):
    acme = tracked_account(tenant_a, "acme")
    contact(tenant_a, acme, "u1")
    calls = [track("u1", timestamp=f"2026-03-0{day}T10:00:00Z") for day in (1, 1, 2)]
    ingest(tenant=tenant_a, calls=calls)
    once = account_rollups(tenant_a)

    ingest(tenant=tenant_a, calls=calls)

    assert account_rollups(tenant_a) == once
    assert [(row[2], row[3]) for row in once] == [("Report Created", 2), ("Report Created", 1)]


def test_new_points_reweigh_the_account_rollups_too(tenant_a):
    rollup_story(tenant_a)
    with scope(tenant=tenant_a):
        services.event_definition_set(tenant=tenant_a, name="Report Created", points="3")

    assert account_rollups(tenant_a) == summed(tenant_a)
    assert {row[4] for row in account_rollups(tenant_a) if row[2] == "Report Created"} <= {Decimal(3), Decimal(6)}


def test_rebuilds_and_the_backfill_agree_with_ingestion(tenant_a):
    rollup_story(tenant_a)
    incremental = account_rollups(tenant_a)

    call_command("rebuild_rollups", "--tenant", "alpha")
    assert account_rollups(tenant_a) == incremental

    with scope(tenant=tenant_a):
        AccountRollup.objects.filter(tenant=tenant_a).delete()
        assert account_rollups_rebuild(tenant=tenant_a) == len(incremental)
    assert account_rollups(tenant_a) == incremental

    with scope(tenant=tenant_a):
        AccountRollup.objects.filter(tenant=tenant_a, day__gte="2026-03-02").update(count=99)
    out = StringIO()
    call_command("rebuild_rollups", "--tenant", "alpha", "--since", "2026-03-02", "--accounts-only", stdout=out)
    assert account_rollups(tenant_a) == incremental
    assert "account rollup rows recomputed from 2026-03-02" in out.getvalue()


def _usage_from_peoples_rollups(tenant, day, ids, groups, metric):
    """The account usage counted straight from the per-person rollups, as the scores did before
    the account rollups: the reference the new path must equal."""
    since = {n: day - dt.timedelta(days=n - 1) for n in (7, 14, 30, 90)}
    with scope(tenant=tenant):
        rows = (
            EventRollup.objects.filter(tenant=tenant, account_id__in=ids, day__gte=since[90], day__lte=day)
            .values("account_id")
            .annotate(
                events_90=Sum("count"),
                first_day=Min("day"),
                points_7=Sum("points", filter=Q(day__gte=since[7])),
                points_prev_7=Sum("points", filter=Q(day__gte=since[14], day__lt=since[7])),
                core_30=Sum("points", filter=Q(day__gte=since[30], name__in=groups["core"])),
                core_prior=Sum("points", filter=Q(day__lt=since[30], name__in=groups["core"])),
                features_30=Count(
                    "name",
                    distinct=True,
                    filter=Q(day__gte=since[30]) & ~Q(name__in=groups["locked"] + groups["upgrade"]),
                ),
                advanced_30=Sum("count", filter=Q(day__gte=since[30], name__in=groups["advanced"])),
                locked_14=Sum("count", filter=Q(day__gte=since[14], name__in=groups["locked"])),
                upgrade_14=Sum("count", filter=Q(day__gte=since[14], name__in=groups["upgrade"])),
                metric_0=Sum("count", filter=Q(day__gte=since[30], name=metric)),
                active_30=Count("contact", distinct=True, filter=Q(day__gte=since[30])),
                seen_90=Count("contact", distinct=True),
            )
        )
        return {row.pop("account_id"): row for row in rows}


def test_account_measures_from_the_account_rollups_equal_counting_the_peoples(tenant_a):
    catalogue(tenant_a, "Report Created", points="2.35", is_core=True)
    catalogue(tenant_a, "Advanced Query Run", points="4.1", is_advanced=True)
    catalogue(tenant_a, "SSO Settings Viewed", points=0, is_locked=True)
    catalogue(tenant_a, "Upgrade Page Viewed", points=0, is_upgrade_page=True)
    names = ["Report Created", "Advanced Query Run", "SSO Settings Viewed", "Upgrade Page Viewed", "Logged In"]
    accounts = [account(tenant_a, n, seats=6) for n in range(1, 4)]
    calls = []
    for n, acct in enumerate(accounts):
        for p, person in enumerate(people(tenant_a, acct, 4)):
            for back in range(0, 100, 3 + n + p):  # a different rhythm per person, some before the window
                calls += uses(person, names[(back + p) % len(names)], ago(back))
    send(tenant_a, calls)
    groups = {"core": [names[0]], "advanced": [names[1]], "locked": [names[2]], "upgrade": [names[3]]}
    ids = [a.pk for a in accounts]

    with scope(tenant=tenant_a):
        new = usage.account_usage(tenant=tenant_a, day=DAY, ids=ids, catalogue=groups, metric_names=("Logged In",))
        _people, seats = usage.contact_usage(tenant=tenant_a, day=DAY, ids=ids, share_of={})
    old = _usage_from_peoples_rollups(tenant_a, DAY, ids, groups, "Logged In")

    assert set(new.index) == set(old) == set(ids)
    for account_id, before in old.items():
        for key, value in before.items():
            now = seats.loc[account_id, key] if key in ("active_30", "seen_90") else new.loc[account_id, key]
            expected = float(value or 0) if key != "first_day" else value
            assert now == expected, (account_id, key, now, expected)


def test_peoples_health_is_written_only_for_people_whose_figures_changed(tenant_a):
    acme = account(tenant_a, 1, seats=5)
    jane, joe, ann = people(tenant_a, acme, 3, names=("Jane Roe", "Joe Bloggs", "Ann Lee"))
    send(tenant_a, uses(jane, "Report Created", ago(10)) + uses(joe, "Report Created", ago(40), ago(12)))
    score_day(tenant_a, ago(1), acme)
    # A day later Jane's and Joe's points still hold; Ann logs in for the first time.
    send(tenant_a, uses(ann, "Report Created", DAY))

    score_day(tenant_a, DAY, acme)

    with scope(tenant=tenant_a):
        rows = {h.contact_id: h for h in ContactHealth.objects.filter(tenant=tenant_a, account=acme)}
    assert {c.pk: rows[c.pk].day for c in (jane, joe, ann)} == {jane.pk: ago(1), joe.pk: ago(1), ann.pk: DAY}
    assert (rows[ann.pk].last_seen_on, rows[ann.pk].score) == (DAY, 50)
