"""The expansion pipeline pages from the outside: the board with its columns and metrics, the list,
an opportunity's page, creating, editing and moving one (htmx or not), with who may do what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from health.models import Severity, SignalKind
from health.services.detection import Wanted, signals_sync
from renewals import services
from renewals.models import ContractAmendment, ExpansionOpportunity
from tenancy.models import Role

from .builders import contract_for, make_account, reload_contract, today_of

pytestmark = pytest.mark.django_db

BOARD = reverse("renewals:pipeline")
LIST = reverse("renewals:opportunity_list")
NEW = reverse("renewals:opportunity_new")
HTMX = {"HTTP_HX_REQUEST": "true"}


def opportunity(tenant, account, *, title="More seats", value=10_000, kind="seats", days_ago=0, **kw):
    with scope(tenant=tenant):
        return services.opportunity_create(
            tenant=tenant,
            account=account,
            title=title,
            kind=kind,
            value=Decimal(value),
            by=None,
            identified_on=today_of(tenant) - dt.timedelta(days=days_ago),
            **kw,
        )


def move(tenant, item, stage, *, days_ago=0, **kw):
    with scope(tenant=tenant):
        return services.opportunity_move(
            opportunity=item, stage=stage, by=None, on=today_of(tenant) - dt.timedelta(days=days_ago), **kw
        )


def reload(tenant, item) -> ExpansionOpportunity:
    with scope(tenant=tenant):
        return ExpansionOpportunity.objects.get(tenant=tenant, pk=item.pk)


def move_url(item):
    return reverse("renewals:opportunity_move", args=[item.pk])


def column(response, stage):
    return next(c for c in response.context["columns"] if c.stage == stage)


# The board


def test_board_shows_five_columns_with_counts_values_and_cards(tenant_a, alice, bob, login):
    account = make_account(tenant_a, 1, owner=bob)
    opportunity(tenant_a, account, title="20 seats for Support", value=12_000, owner=bob)
    opportunity(tenant_a, account, title="Finance seats", value=3_000)
    move(tenant_a, opportunity(tenant_a, account, title="Analytics add-on", kind="cross_sell", value=7_500), "proposed")
    move(tenant_a, opportunity(tenant_a, account, title="Enterprise tier", value=40_000, days_ago=30), "won")
    move(tenant_a, opportunity(tenant_a, account, title="API usage", value=2_000), "lost", lost_reason="Budget frozen")
    old = opportunity(tenant_a, account, title="Old win", value=99_000, days_ago=200)
    move(tenant_a, old, "won", days_ago=120)

    response = login(alice).get(BOARD)

    assert response.status_code == 200
    assert [c.stage for c in response.context["columns"]] == ["identified", "qualified", "proposed", "won", "lost"]
    counts = {c.stage: (c.total, c.value) for c in response.context["columns"]}
    assert counts == {
        "identified": (2, Decimal(15000)),
        "qualified": (0, Decimal(0)),
        "proposed": (1, Decimal(7500)),
        # Won and lost of the last 90 days only: the old win is not on the board.
        "won": (1, Decimal(40000)),
        "lost": (1, Decimal(2000)),
    }
    body = response.content.decode()
    assert 'data-testid="value-identified">15,000 EUR<' in body
    assert "20 seats for Support" in body and "Old win" not in body
    assert [o.title for o in column(response, "identified").cards] == ["20 seats for Support", "Finance seats"]
    assert 'data-testid="source-badge">manual<' in body


def test_board_shows_the_pipeline_metrics(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    opportunity(tenant_a, account, value=5_000)
    move(tenant_a, opportunity(tenant_a, account, value=30_000, days_ago=20), "won")
    move(tenant_a, opportunity(tenant_a, account, value=10_000, days_ago=40), "won", days_ago=10)
    move(tenant_a, opportunity(tenant_a, account, value=1_000), "lost", lost_reason="No need")

    response = login(alice).get(BOARD)

    metrics = response.context["metrics"]
    assert (metrics.won_count, metrics.lost_count) == (2, 1)
    assert metrics.open_value == Decimal(5000)
    body = response.content.decode()
    assert 'data-testid="metric-close-rate">66.7%<' in body
    assert 'data-testid="metric-average-deal">20,000 EUR<' in body
    assert 'data-testid="metric-days-to-close">25 d<' in body


def test_board_filters(tenant_a, alice, bob, login):
    smb = make_account(tenant_a, 1, segment="smb", owner=bob)
    other = make_account(tenant_a, 2, segment="enterprise")
    bobs = opportunity(tenant_a, smb, title="Seats for Bob", owner=bob)
    upgrade = opportunity(tenant_a, other, title="Tier upgrade", kind="tier_upgrade", owner=alice)
    with scope(tenant=tenant_a):
        services.opportunity_update(opportunity=upgrade, by=None, handed_to_sales=True)
    web = login(alice)

    def shown(**query):
        return [o.pk for c in web.get(BOARD, query).context["columns"] for o in c.cards]

    assert sorted(shown()) == sorted([bobs.pk, upgrade.pk])
    assert shown(owner="me") == [upgrade.pk]
    assert shown(owner=str(bob.pk)) == [bobs.pk]
    assert shown(kind="tier_upgrade") == [upgrade.pk]
    assert shown(segment="smb") == [bobs.pk]
    assert shown(q="account 002") == [upgrade.pk]
    assert shown(source="signal") == []
    assert sorted(shown(source="manual")) == sorted([bobs.pk, upgrade.pk])
    assert 'data-testid="sales-badge"' in web.get(BOARD, {"kind": "tier_upgrade"}).content.decode()
    # A CSM's board starts with their own.
    assert [o.pk for c in login(bob).get(BOARD).context["columns"] for o in c.cards] == [bobs.pk]


def test_columns_are_capped_with_a_link_to_the_rest(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    for n in range(30):
        opportunity(tenant_a, account, title=f"Opportunity {n}", value=1_000 + n)

    response = login(alice).get(BOARD)

    identified = column(response, "identified")
    assert (identified.total, len(identified.cards), identified.more) == (30, 25, 5)
    body = response.content.decode()
    assert 'data-testid="more-identified"' in body and "and 5 more" in body
    listed = login(alice).get(LIST, {"owner": "all", "stage": "identified"})
    assert listed.context["page"].paginator.count == 30
    assert len(listed.context["page"].object_list) == 25


def test_the_list_of_closed_ones_keeps_the_boards_window(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    recent = move(tenant_a, opportunity(tenant_a, account, title="Recent win"), "won")
    move(tenant_a, opportunity(tenant_a, account, title="Old win", days_ago=200), "won", days_ago=120)

    web = login(alice)
    windowed = web.get(LIST, {"stage": "won", "closed_within": "90"})
    everything = web.get(LIST, {"stage": "won"})

    assert [o.pk for o in windowed.context["page"].object_list] == [recent.pk]
    assert everything.context["page"].paginator.count == 2


@pytest.mark.parametrize("count", [5, 30])
def test_board_queries_do_not_grow_with_cards(tenant_a, alice, bob, login, count, django_assert_max_num_queries):
    accounts = [make_account(tenant_a, n, owner=bob if n % 2 else alice) for n in range(1, 4)]
    for n in range(count):
        item = opportunity(tenant_a, accounts[n % 3], title=f"Opportunity {n}", owner=bob if n % 2 else alice)
        if n % 5 == 1:
            move(tenant_a, item, "qualified")
        elif n % 5 == 2:
            move(tenant_a, item, "won")
        elif n % 5 == 3:
            move(tenant_a, item, "lost", lost_reason="Timing")
    web = login(alice)
    web.get(BOARD)

    with django_assert_max_num_queries(12):
        response = web.get(BOARD)
    with django_assert_max_num_queries(10):
        web.get(LIST)

    assert response.context["total"] == count


# An opportunity's page, creating and editing


def test_opportunity_page_shows_details_and_the_move_form(tenant_a, alice, login):
    item = opportunity(
        tenant_a, make_account(tenant_a, 1), title="Analytics add-on", kind="cross_sell", note="Asked twice"
    )

    response = login(alice).get(item.get_absolute_url())

    assert response.status_code == 200
    body = response.content.decode()
    assert "Analytics add-on" in body and "Cross-sell" in body and "Asked twice" in body
    assert 'id="opportunity-move"' in body and f'hx-post="{move_url(item)}"' in body
    assert 'id="opportunity-signal"' not in body


def test_an_opportunity_raised_by_a_signal_shows_it(tenant_a, alice, login, django_capture_on_commit_callbacks):
    account = make_account(tenant_a, 1, acv=50_000)
    message = "Seats at Account 001 are 92% used (46 of 50), with advanced features in use."
    with scope(tenant=tenant_a), django_capture_on_commit_callbacks(execute=True):
        signals_sync(
            tenant=tenant_a,
            account_ids=[account.pk],
            wanted=[Wanted(account.pk, SignalKind.EXPANSION, "account", Severity.OPPORTUNITY, message)],
            today=today_of(tenant_a),
            cooldown_days={},
        )
    with scope(tenant=tenant_a):
        item = ExpansionOpportunity.objects.get(tenant=tenant_a, account=account)
    web = login(alice)

    page = web.get(item.get_absolute_url()).content.decode()
    board = web.get(BOARD).content.decode()

    assert 'id="opportunity-signal"' in page and message in page
    assert f"raised {today_of(tenant_a):%-d %b %Y}" in page
    assert 'data-testid="source-badge">signal<' in board
    assert [o.pk for c in web.get(BOARD, {"source": "signal"}).context["columns"] for o in c.cards] == [item.pk]


def test_create_redirects_to_the_new_opportunity(tenant_a, alice, bob, login):
    account = make_account(tenant_a, 1, owner=bob)

    response = login(alice).post(
        f"{NEW}?account={account.pk}",
        {
            "account": account.pk,
            "title": "50 seats for Finance",
            "kind": "seats",
            "value": "15000",
            "owner": bob.pk,
            "expected_close_on": (today_of(tenant_a) + dt.timedelta(days=30)).isoformat(),
            "note": "Champion asked",
        },
    )

    with scope(tenant=tenant_a):
        item = ExpansionOpportunity.objects.get(tenant=tenant_a)
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    assert (item.title, item.value, item.owner, item.stage, item.source) == (
        "50 seats for Finance",
        Decimal(15000),
        bob,
        "identified",
        "manual",
    )


def test_create_shows_errors_and_refuses_another_tenants_account(tenant_a, tenant_b, alice, login):
    account = make_account(tenant_a, 1)
    theirs = make_account(tenant_b, 1)
    web = login(alice)
    data = {"account": account.pk, "title": "Seats", "kind": "seats", "value": "-5"}

    negative = web.post(NEW, data)
    foreign = web.post(NEW, data | {"account": theirs.pk, "value": "5"})

    assert "value" in negative.context["form"].errors
    assert "zero or more" in negative.content.decode()
    assert "account" in foreign.context["form"].errors
    with scope(tenant=tenant_a):
        assert not ExpansionOpportunity.objects.filter(tenant=tenant_a).exists()
    assert web.get(NEW, {"account": theirs.pk}).status_code == 404


def test_edit_saves_and_hands_off_to_sales(tenant_a, alice, login):
    item = opportunity(tenant_a, make_account(tenant_a, 1), title="Seats")
    url = reverse("renewals:opportunity_edit", args=[item.pk])
    web = login(alice)

    assert web.get(url).status_code == 200
    response = web.post(
        url, {"title": "60 seats", "kind": "seats", "value": "18000", "owner": alice.pk, "handed_to_sales": "on"}
    )

    assert response.status_code == 302
    item = reload(tenant_a, item)
    assert (item.title, item.value, item.owner_id, item.handed_to_sales) == ("60 seats", Decimal(18000), alice.pk, True)
    assert item.handed_to_sales_on == today_of(tenant_a)


# Moving


def test_move_to_won_adds_the_amendment_shown_on_the_contract(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    contract = contract_for(tenant_a, account, arr=40_000)
    item = opportunity(tenant_a, account, title="Analytics add-on", kind="cross_sell", value=6_000)
    web = login(alice)

    response = web.post(move_url(item), {"stage": "won", "add_to_contract": "on"}, **HTMX)

    assert response.status_code == 200 and response["HX-Redirect"] == item.get_absolute_url()
    assert reload(tenant_a, item).stage == "won"
    assert reload_contract(tenant_a, contract).current_arr == Decimal(46000)
    page = web.get(contract.get_absolute_url()).content.decode()
    assert "Analytics add-on" in page and "+6,000 EUR" in page
    assert reverse("renewals:opportunity", args=[item.pk]) in page
    assert 'id="opportunity-amendment"' in web.get(item.get_absolute_url()).content.decode()


def test_move_to_won_without_adding_to_the_contract(tenant_a, alice, login):
    account = make_account(tenant_a, 1)
    contract = contract_for(tenant_a, account, arr=40_000)
    item = opportunity(tenant_a, account, value=6_000)

    response = login(alice).post(move_url(item), {"stage": "won"})

    assert response.status_code == 302
    assert reload_contract(tenant_a, contract).current_arr == Decimal(40000)
    with scope(tenant=tenant_a):
        assert not ContractAmendment.objects.filter(tenant=tenant_a).exists()


def test_lost_needs_a_reason(tenant_a, alice, login):
    item = opportunity(tenant_a, make_account(tenant_a, 1))
    web = login(alice)

    refused = web.post(move_url(item), {"stage": "lost", "lost_reason": "  "}, **HTMX)

    assert refused.status_code == 200
    assert "HX-Redirect" not in refused
    body = refused.content.decode()
    assert body.lstrip().startswith("<form") and 'data-testid="move-errors"' in body and "Say why it was lost" in body
    assert reload(tenant_a, item).stage == "identified"

    web.post(move_url(item), {"stage": "lost", "lost_reason": "Budget frozen until next year"}, **HTMX)
    item = reload(tenant_a, item)
    assert (item.stage, item.lost_reason) == ("lost", "Budget frozen until next year")
    assert "Budget frozen until next year" in web.get(item.get_absolute_url()).content.decode()


def test_the_move_form_asks_for_what_the_stage_needs(tenant_a, alice, login):
    item = opportunity(tenant_a, make_account(tenant_a, 1))
    web = login(alice)

    lost = web.get(move_url(item), {"stage": "lost"}, **HTMX).content.decode()
    won = web.get(move_url(item), {"stage": "won"}, **HTMX).content.decode()
    page = web.get(move_url(item), {"stage": "won"})

    assert 'name="lost_reason"' in lost and 'name="add_to_contract"' not in lost
    assert 'name="add_to_contract"' in won and 'name="lost_reason"' not in won
    assert page.status_code == 200 and "<html" in page.content.decode()


# Who may


def test_a_csm_changes_only_their_own_opportunities(tenant_a, alice, bob, login):
    account = make_account(tenant_a, 1, owner=alice)
    theirs = opportunity(tenant_a, account, owner=alice)
    own = opportunity(tenant_a, make_account(tenant_a, 2, owner=bob), owner=bob)
    web = login(bob)

    assert web.post(move_url(theirs), {"stage": "qualified"}).status_code == 403
    edit = {"title": "Mine now", "kind": "seats", "value": "1"}
    assert web.post(reverse("renewals:opportunity_edit", args=[theirs.pk]), edit).status_code == 403
    assert web.get(NEW, {"account": account.pk}).status_code == 403
    assert list(web.get(NEW).context["form"].fields["account"].queryset) == [own.account]
    assert reload(tenant_a, theirs).stage == "identified"
    assert "move_form" not in web.get(theirs.get_absolute_url()).context
    assert web.post(move_url(own), {"stage": "qualified"}).status_code == 302
    assert reload(tenant_a, own).stage == "qualified"


def test_a_csm_may_not_give_an_opportunity_to_someone_else(tenant_a, alice, bob, login):
    account = make_account(tenant_a, 1, owner=bob)

    response = login(bob).post(
        NEW, {"account": account.pk, "title": "Seats", "kind": "seats", "value": "100", "owner": alice.pk}
    )

    assert response.status_code == 200
    assert "Only a CS leader or an admin" in response.content.decode()
    with scope(tenant=tenant_a):
        assert not ExpansionOpportunity.objects.filter(tenant=tenant_a).exists()


def test_a_viewer_reads_and_may_not_post(tenant_a, member_of, login):
    viewer = member_of(Role.VIEWER)
    account = make_account(tenant_a, 1)
    item = opportunity(tenant_a, account)
    web = login(viewer)

    assert web.get(BOARD).status_code == 200
    assert web.get(item.get_absolute_url()).status_code == 200
    assert web.post(move_url(item), {"stage": "won"}).status_code == 403
    edit = {"title": "X", "kind": "seats", "value": "1"}
    assert web.post(reverse("renewals:opportunity_edit", args=[item.pk]), edit).status_code == 403
    assert web.post(NEW, {"account": account.pk, "title": "X", "kind": "seats", "value": "1"}).status_code == 403
    assert reload(tenant_a, item).stage == "identified"


def test_another_tenant_gets_404(tenant_a, charlie, login):
    item = opportunity(tenant_a, make_account(tenant_a, 1))

    assert login(charlie).get(item.get_absolute_url()).status_code == 404
    assert login(charlie).post(move_url(item), {"stage": "won"}).status_code == 404
