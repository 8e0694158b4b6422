"""Conflicts on the master calendar, and blackouts: computed for a page of entries in bounded queries."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope

from communications import services
from communications.services.conflicts import BLACKOUT, SAME_DAY, TEAMS_SAME_WEEK, blackout_for, entries_conflicts
from core import tenant_time
from tenancy.models import Team

from ..health.builders import record as signal
from ..renewals.builders import contract_for
from .builders import at_local, contact_of, entry_for, make_account

pytestmark = pytest.mark.django_db


def conflicts_of(tenant, entries):
    with scope(tenant=tenant):
        return entries_conflicts(tenant=tenant, entries=entries)


def kinds(found, entry):
    return [c.kind for c in found[entry.pk]]


def soon(tenant, days: int, hour: int = 10) -> dt.datetime:
    day = tenant_time.today(tenant) + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tenant.zone)


def test_the_same_contact_twice_the_same_local_day(tenant_a, account, jane):
    morning = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 3, 9), contacts=[jane], subject="Tips")
    evening = entry_for(
        tenant_a, account, at=at_local(tenant_a, 2030, 12, 3, 23, 30), contacts=[jane], channel="in_app", subject="Poll"
    )
    next_day = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 4, 0, 30), contacts=[jane], channel="call")

    found = conflicts_of(tenant_a, [morning, evening, next_day])

    assert kinds(found, morning) == [SAME_DAY]
    assert found[morning.pk][0].message == "Jane Roe is also reached on 3 Dec 2030 by “Poll” (Customer success)."
    assert kinds(found, evening) == [SAME_DAY]
    assert found[next_day.pk] == []


def test_an_entry_for_a_role_touches_the_contacts_holding_it(tenant_a, account, jane):
    named = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 3, 9), contacts=[jane])
    entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 3, 15), audience_role="champion", channel="in_app")

    found = conflicts_of(tenant_a, [named])

    assert kinds(found, named) == [SAME_DAY]


def test_one_person_hearing_from_three_teams_the_same_week(tenant_a, account, jane):
    john = contact_of(tenant_a, account, 2, name="John Doe")
    ours = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane, john])
    marketing = entry_for(
        tenant_a, account, at=at_local(tenant_a, 2030, 12, 4), contacts=[jane], team=Team.MARKETING, channel="in_app"
    )
    # Two teams for Jane: not yet a conflict (a check-in and a newsletter in one week are normal).
    assert conflicts_of(tenant_a, [ours, marketing]) == {ours.pk: [], marketing.pk: []}
    # Sales reaches John, not Jane: different people at one account do not clash.
    entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 5), contacts=[john], team=Team.SALES, channel="call")
    assert conflicts_of(tenant_a, [ours])[ours.pk] == []
    support = entry_for(
        tenant_a, account, at=at_local(tenant_a, 2030, 12, 6), contacts=[jane], team=Team.SUPPORT, channel="call"
    )
    next_week = entry_for(
        tenant_a, account, at=at_local(tenant_a, 2030, 12, 9), contacts=[jane], team=Team.PRODUCT, channel="call"
    )

    found = conflicts_of(tenant_a, [ours, support, next_week])

    assert kinds(found, ours) == [TEAMS_SAME_WEEK]
    assert found[ours.pk][0].message == (
        "Jane Roe hears from 3 teams in the week of 2 Dec 2030: Customer success, Marketing, Support."
    )
    assert kinds(found, support) == [TEAMS_SAME_WEEK]
    assert found[next_week.pk] == []


def test_transactional_messages_do_not_count_towards_the_teams_in_a_week(tenant_a, account, jane):
    ours = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane])
    entry_for(
        tenant_a, account, at=at_local(tenant_a, 2030, 12, 3), contacts=[jane], team=Team.MARKETING, channel="call"
    )
    receipt = entry_for(
        tenant_a,
        account,
        at=at_local(tenant_a, 2030, 12, 4),
        contacts=[jane],
        team=Team.SUPPORT,
        channel="in_app",
        message_type="transactional",
    )
    found = conflicts_of(tenant_a, [ours, receipt])
    assert found == {ours.pk: [], receipt.pk: []}


def test_the_teams_a_week_limit_is_the_tenants(tenant_a, account, jane):
    ours = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 2), contacts=[jane])
    entry_for(
        tenant_a, account, at=at_local(tenant_a, 2030, 12, 3), contacts=[jane], team=Team.MARKETING, channel="call"
    )
    with scope(tenant=tenant_a):
        services.communication_settings_update(tenant=tenant_a, teams_per_week=2)
    found = conflicts_of(tenant_a, [ours])
    assert (
        found[ours.pk][0].message
        == "Jane Roe hears from 2 teams in the week of 2 Dec 2030: Customer success, Marketing."
    )


def test_cancelled_and_draft_entries_clash_with_nobody(tenant_a, account, jane, bob):
    entry = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 3, 9), contacts=[jane])
    entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 3, 10), contacts=[jane], schedule=False)
    cancelled = entry_for(tenant_a, account, at=at_local(tenant_a, 2030, 12, 3, 11), contacts=[jane], team="marketing")
    with scope(tenant=tenant_a):
        services.entry_cancel(entry=cancelled, by=bob, reason="Not needed")

    assert conflicts_of(tenant_a, [entry])[entry.pk] == []


def test_promotion_during_an_open_p1_ticket(tenant_a, account, jane):
    promo = entry_for(tenant_a, account, at=soon(tenant_a, 3), contacts=[jane], message_type="promotional")
    tips = entry_for(tenant_a, account, at=soon(tenant_a, 10), contacts=[jane], message_type="educational")
    assert conflicts_of(tenant_a, [promo])[promo.pk] == []

    signal(
        tenant_a,
        "ticket",
        account=account,
        subject="SSO down",
        priority="p1",
        opened_at=timezone.now(),
        external_id="T-9",
    )
    signal(tenant_a, "ticket", account=account, subject="Typo", priority="p3", opened_at=timezone.now())
    found = conflicts_of(tenant_a, [promo, tips])

    assert found[promo.pk] == [
        services.conflicts.Conflict(BLACKOUT, "No promotion during an open P1 ticket: Account 001 has T-9 SSO down.")
    ]
    assert found[tips.pk] == []
    with scope(tenant=tenant_a):
        assert blackout_for(entry=promo, at=timezone.now()) == found[promo.pk][0].message
        assert blackout_for(entry=tips, at=timezone.now()) is None


def test_promotion_inside_a_renewal_negotiation(tenant_a, account, jane):
    contract_for(tenant_a, account, days_to_end=90)
    too_early = entry_for(tenant_a, account, at=soon(tenant_a, 20), contacts=[jane], message_type="promotional")
    inside = entry_for(tenant_a, account, at=soon(tenant_a, 45), contacts=[jane], message_type="promotional")

    found = conflicts_of(tenant_a, [too_early, inside])

    assert found[too_early.pk] == []
    assert kinds(found, inside) == [BLACKOUT]
    assert "renewal is due" in found[inside.pk][0].message
    assert "last 60 days" in found[inside.pk][0].message
    with scope(tenant=tenant_a):
        assert blackout_for(entry=inside, at=soon(tenant_a, 45)) == found[inside.pk][0].message
        assert blackout_for(entry=inside, at=soon(tenant_a, 20)) is None


def test_an_inactive_blackout_rule_holds_nothing(tenant_a, account, jane):
    signal(tenant_a, "ticket", account=account, subject="SSO down", priority="p1", opened_at=timezone.now())
    promo = entry_for(tenant_a, account, at=soon(tenant_a, 3), contacts=[jane], message_type="promotional")
    with scope(tenant=tenant_a):
        services.blackout_rule_save(
            tenant=tenant_a, kind="open_p1_ticket", message_types=["promotional"], is_active=False
        )

    assert conflicts_of(tenant_a, [promo])[promo.pk] == []


def test_conflicts_of_a_calendar_page_cost_a_bounded_number_of_queries(
    tenant_a, django_assert_max_num_queries, account
):
    accounts = [account, *(make_account(tenant_a, n) for n in range(2, 7))]
    entries = []
    for i, acct in enumerate(accounts):
        people = [contact_of(tenant_a, acct, n, name=f"Person {i}-{n}") for n in range(3)]
        signal(tenant_a, "ticket", account=acct, subject="Down", priority="p1", opened_at=timezone.now())
        for day in range(20):
            entries.append(
                entry_for(
                    tenant_a,
                    acct,
                    at=soon(tenant_a, day),
                    contacts=people[: 1 + day % 3],
                    audience_role="champion" if day % 5 == 0 else "",
                    channel="in_app",
                    team=[Team.CUSTOMER_SUCCESS, Team.PRODUCT, Team.MARKETING][day % 3],
                    message_type=["educational", "operational", "educational", "promotional"][day % 4],
                )
            )
    assert len(entries) == 120
    conflicts_of(tenant_a, entries[:1])  # the tenant's default rules, made once

    with django_assert_max_num_queries(9):
        few = conflicts_of(tenant_a, entries[:5])
    with django_assert_max_num_queries(9):
        found = conflicts_of(tenant_a, entries)

    assert len(found) == 120
    found_kinds = {c.kind for cs in found.values() for c in cs}
    assert found_kinds == {TEAMS_SAME_WEEK, BLACKOUT}
    assert [c.kind for c in found[entries[3].pk]].count(BLACKOUT) == 1
    assert few.keys() <= found.keys()
