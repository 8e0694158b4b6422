"""Renewal is the contract's phase: once a renewal's runway begins, the journey board's Renewal column and the
account's journey show the account there, while its tracks keep their own stages."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django_scopes import scope

from core import tenant_time
from journeys import selectors
from renewals import services as renewal_services

from .builders import make_account, track_at


def contract_ending_in(tenant, account, days: int, *, known_days_ago: int = 400):
    """A contract of `account` that ends `days` from today, known (its renewal opened) long before its runway."""
    with scope(tenant=tenant):
        today = tenant_time.today(tenant)
        end_on = today + dt.timedelta(days=days)
        return renewal_services.contract_create(
            tenant=tenant,
            account=account,
            start_on=end_on - dt.timedelta(days=365),
            end_on=end_on,
            arr=Decimal(40_000),
            today=today - dt.timedelta(days=known_days_ago),
        )


def test_the_renewal_column_shows_accounts_whose_runway_began(tenant_a, alice, login):
    due_soon = make_account(tenant_a, 1, segment="mid_market")
    far_off = make_account(tenant_a, 2, segment="mid_market")
    track = track_at(tenant_a, due_soon, stage="retention", days_ago=40)
    track_at(tenant_a, far_off, stage="adoption")
    contract_ending_in(tenant_a, due_soon, 45)
    contract_ending_in(tenant_a, far_off, 300)

    response = login(alice).get(reverse("journeys:index"))

    columns = {c.stage: c for c in response.context["columns"]}
    renewal = columns["renewal"]
    assert [r.account_id for r in renewal.renewals] == [due_soon.pk]
    assert renewal.count == 1 and renewal.cards == []
    # The track itself stays where its own work stands.
    assert [t.pk for t in columns["retention"].cards] == [track.pk]
    body = response.content.decode()
    assert 'data-testid="renewal-card"' in body and "45 d left" in body
    assert "and 1 account in its renewal runway" in body


def test_the_runway_begins_the_segments_runway_days_before_the_due_date(tenant_a):
    account = make_account(tenant_a, 1, segment="mid_market")
    contract = contract_ending_in(tenant_a, account, 200)
    with scope(tenant=tenant_a):
        renewal = contract.renewal
        due, runway = renewal.due_on, renewal.runway_days
        assert 0 < runway < 200
        begins = due - dt.timedelta(days=runway)
        assert selectors.account_renewal(tenant=tenant_a, account=account, today=begins - dt.timedelta(days=1)) is None
        found = selectors.account_renewal(tenant=tenant_a, account=account, today=begins)
        assert found is not None and found.runway_from == begins and found.days_left == runway


def test_a_late_contract_begins_its_runway_the_day_it_opened(tenant_a):
    account = make_account(tenant_a, 1, segment="enterprise")
    contract = contract_ending_in(tenant_a, account, 20, known_days_ago=5)
    with scope(tenant=tenant_a):
        today = tenant_time.today(tenant_a)
        found = selectors.account_renewal(tenant=tenant_a, account=account, today=today)
        assert found is not None and contract.renewal.is_late_start
        assert found.runway_from == today - dt.timedelta(days=5)


def test_a_decided_renewal_leaves_the_renewal_phase(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    track_at(tenant_a, account, stage="retention")
    contract = contract_ending_in(tenant_a, account, 10)
    with scope(tenant=tenant_a):
        renewal_services.renewal_close(renewal=contract.renewal, outcome="renewed", new_arr=Decimal(40_000), by=alice)
    response = login(alice).get(reverse("journeys:index"))
    assert {c.stage: c for c in response.context["columns"]}["renewal"].renewals == []


def test_an_account_moved_into_renewal_by_hand_is_not_shown_twice(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    track = track_at(tenant_a, account, stage="renewal")
    contract_ending_in(tenant_a, account, 30)
    response = login(alice).get(reverse("journeys:index"))
    renewal = {c.stage: c for c in response.context["columns"]}["renewal"]
    assert [t.pk for t in renewal.cards] == [track.pk] and renewal.renewals == []


def test_the_accounts_journey_and_its_card_show_the_renewal_phase(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    track_at(tenant_a, account, stage="adoption")
    contract_ending_in(tenant_a, account, 30)
    client = login(alice)
    for url in (
        reverse("journeys:account_journey", args=[account.pk]),
        reverse("journeys:account_journey_card", args=[account.pk]),
    ):
        body = client.get(url).content.decode()
        assert 'data-testid="renewal-phase"' in body and "30 days left" in body, url
    other = make_account(tenant_a, 2)
    track_at(tenant_a, other)
    assert "renewal-phase" not in client.get(reverse("journeys:account_journey", args=[other.pk])).content.decode()


def test_the_board_shows_only_renewals_of_the_filtered_tracks(tenant_a, alice, bob, login):
    mine = make_account(tenant_a, 1, owner=bob)
    theirs = make_account(tenant_a, 2, owner=alice)
    for account in (mine, theirs):
        track_at(tenant_a, account, stage="retention")
        contract_ending_in(tenant_a, account, 30)
    response = login(alice).get(reverse("journeys:index") + f"?owner={bob.pk}")
    renewal = {c.stage: c for c in response.context["columns"]}["renewal"]
    assert [r.account_id for r in renewal.renewals] == [mine.pk]


def test_the_api_says_when_a_renewals_runway_begins(tenant_a, alice, api_as):
    account = make_account(tenant_a, 1, segment="mid_market")
    contract = contract_ending_in(tenant_a, account, 200)
    with scope(tenant=tenant_a):
        renewal = contract.renewal
        expected = renewal.due_on - dt.timedelta(days=renewal.runway_days)
    found = api_as(alice, tenant_a).get(f"/api/v1/renewals/{renewal.pk}/").json()
    assert found["runway_begins_on"] == expected.isoformat()


def test_the_board_reads_only_the_renewals_it_shows_and_counts_the_rest(tenant_a):
    accounts = [make_account(tenant_a, n, segment="mid_market") for n in range(1, 5)]
    for account in accounts:
        track_at(tenant_a, account, stage="adoption")
    for account, days in zip(accounts, (30, 10, 20, 300), strict=True):
        contract_ending_in(tenant_a, account, days)
    with scope(tenant=tenant_a):
        today = tenant_time.today(tenant_a)
        tracks = selectors.track_list(tenant=tenant_a)
        shown, total = selectors.board_renewals(tenant=tenant_a, tracks=tracks, today=today, per_column=2)
    # The 300-day one has not begun its runway; the others show soonest due first, two of three.
    assert [r.account_id for r in shown] == [accounts[1].pk, accounts[2].pk]
    assert total == 3


def test_a_late_contract_is_not_in_its_runway_before_it_opened(tenant_a):
    account = make_account(tenant_a, 1, segment="enterprise")
    contract_ending_in(tenant_a, account, 20, known_days_ago=5)
    with scope(tenant=tenant_a):
        today = tenant_time.today(tenant_a)
        assert selectors.account_renewal(tenant=tenant_a, account=account, today=today - dt.timedelta(days=6)) is None
