"""The renewals list, a renewal's page and its changes, the checkpoint tasks and the account card, from the outside."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scope

from renewals import selectors, services
from renewals.models import CheckpointStatus, ForecastChange, OutcomeReason, RenewalStatus
from tenancy.models import Role

from .builders import checkpoints_of, contract_for, make_account, reload_renewal, renewal_of, today_of

pytestmark = pytest.mark.django_db


def renewal_in(tenant, n, *, days_to_end=60, owner=None, arr=50_000, segment="mid_market", **kw):
    """Account n with one contract ending `days_to_end` days from today, and its renewal."""
    account = make_account(tenant, n, owner=owner, segment=segment, acv=arr)
    return renewal_of(tenant, contract_for(tenant, account, days_to_end=days_to_end, arr=arr, **kw))


def set_forecast(tenant, renewal, category, by, reason="Champion confirmed the budget"):
    with scope(tenant=tenant):
        return services.renewal_set_forecast(renewal=renewal, category=category, by=by, reason=reason)


def reason_called(tenant, label) -> OutcomeReason:
    with scope(tenant=tenant):
        services.outcome_reasons(tenant=tenant)
        return OutcomeReason.objects.get(tenant=tenant, label=label)


def shown(client, **params) -> list[int]:
    response = client.get(reverse("renewals:index"), params)
    assert response.status_code == 200
    return [r.pk for r in response.context["page"].object_list]


# The list


def test_windows_show_the_open_renewals_due_in_them(tenant_a, alice, login):
    soon = renewal_in(tenant_a, 1, days_to_end=20)
    later = renewal_in(tenant_a, 2, days_to_end=70)
    far = renewal_in(tenant_a, 3, days_to_end=150)
    late = renewal_in(tenant_a, 4, days_to_end=-3, known_days_before_end=30)
    client = login(alice)

    assert shown(client) == [soon.pk, later.pk]  # the default window: 90 days
    assert shown(client, window="30") == [soon.pk]
    assert shown(client, window="180") == [soon.pk, later.pk, far.pk]
    assert shown(client, window="overdue") == [late.pk]
    body = client.get(reverse("renewals:index"), {"window": "overdue"}).content.decode()
    assert "3 days overdue" in body and "Account 004" in body


def test_rows_show_arr_health_forecast_next_checkpoint_and_a_late_start(tenant_a, alice, login):
    renewal = renewal_in(tenant_a, 1, days_to_end=45, known_days_before_end=45, arr=72_500, segment="enterprise")
    set_forecast(tenant_a, renewal, "at_risk", alice, reason="Champion left in March")
    response = login(alice).get(reverse("renewals:index"))
    row = response.context["page"].object_list[0]
    body = response.content.decode()
    assert f"72,500 {tenant_a.currency}" in body and "45 days left" in body
    assert "At risk" in body and "override" in body
    assert "late start" in body
    assert row.next_checkpoint_title == checkpoints_of(tenant_a, renewal)[0].title
    assert "compressed" in body or "on schedule" in body


def test_filters_owner_segment_forecast_flagged_and_search(tenant_a, alice, bob, login):
    mine = renewal_in(tenant_a, 1, days_to_end=30, owner=bob, segment="smb")
    other = renewal_in(tenant_a, 2, days_to_end=40, owner=alice, segment="enterprise")
    set_forecast(tenant_a, other, "commit", alice, reason="Signed order form on its way")
    assert reload_renewal(tenant_a, other).needs_review  # commit against the data inside 60 days
    client = login(alice)

    assert shown(client) == [mine.pk, other.pk]
    assert shown(client, owner="me") == [other.pk]
    assert shown(client, owner=str(bob.pk)) == [mine.pk]
    assert shown(client, segment="smb") == [mine.pk]
    assert shown(client, forecast="commit") == [other.pk]
    assert shown(client, flagged="on") == [other.pk]
    assert shown(client, q="account 001") == [mine.pk]
    # A CSM sees their own first, and everyone's when asked.
    assert shown(login(bob)) == [mine.pk]
    assert shown(login(bob), owner="all") == [mine.pk, other.pk]


def test_sorting_by_arr_and_health(tenant_a, alice, login):
    small = renewal_in(tenant_a, 1, days_to_end=20, arr=10_000)
    big = renewal_in(tenant_a, 2, days_to_end=30, arr=90_000)
    client = login(alice)
    assert shown(client, sort="-arr") == [big.pk, small.pk]
    assert shown(client, sort="arr") == [small.pk, big.pk]
    assert shown(client, sort="-due") == [big.pk, small.pk]
    assert set(shown(client, sort="health")) == {small.pk, big.pk}


@pytest.mark.parametrize("rows", [5, 30])
def test_the_list_costs_the_same_for_5_rows_as_for_30(tenant_a, alice, login, rows, django_assert_max_num_queries):
    for n in range(1, rows + 1):
        renewal_in(tenant_a, n, days_to_end=10 + n, segment="enterprise", known_days_before_end=30 + n)
    client = login(alice)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("renewals:index"), {"window": "90"})
    assert len(response.context["page"].object_list) == min(rows, 25)


def test_nothing_due_says_so(tenant_a, alice, login):
    body = login(alice).get(reverse("renewals:index")).content.decode()
    assert "No renewals due" in body and "No open renewal is due in the next 12 months" in body
    body = login(alice).get(reverse("renewals:index"), {"window": "overdue"}).content.decode()
    assert "Nothing overdue" in body


def test_the_quarter_rollup_counts_open_by_category_and_what_closed(tenant_a, alice, login):
    today = today_of(tenant_a)
    _start, end = selectors.quarter_of(today)
    days = (end - today).days
    risky = renewal_in(tenant_a, 1, days_to_end=days, arr=30_000)
    safe = renewal_in(tenant_a, 2, days_to_end=days, arr=20_000)
    lost = renewal_in(tenant_a, 3, days_to_end=days, arr=5_000)
    next_quarter = renewal_in(tenant_a, 4, days_to_end=days + 10, arr=7_000)
    set_forecast(tenant_a, risky, "at_risk", alice, reason="Budget frozen")
    set_forecast(tenant_a, safe, "commit", alice, reason="Verbal yes")
    with scope(tenant=tenant_a):
        services.renewal_close(
            renewal=lost, outcome="churned", by=alice, reason=reason_called(tenant_a, "Replaced by a competitor")
        )
    response = login(alice).get(reverse("renewals:index"))
    rollup = response.context["rollup"]
    totals = {c.category: (c.count, c.arr) for c in rollup.categories}
    assert totals["at_risk"] == (1, Decimal(30_000))
    assert totals["commit"] == (1, Decimal(20_000))
    assert rollup.at_risk_arr == Decimal(30_000)
    assert (rollup.churned_count, rollup.churned_arr) == (1, Decimal(5_000))
    assert f"At-risk ARR: 30,000 {tenant_a.currency}" in response.content.decode()

    upcoming = login(alice).get(reverse("renewals:index"), {"quarter": "next"}).context["rollup"]
    assert upcoming.start == end + dt.timedelta(days=1)
    assert upcoming.open_arr == Decimal(7_000) and next_quarter.arr == Decimal(7_000)


def test_the_chart_data_stacks_open_arr_by_month_and_category(tenant_a, alice, login):
    renewal_in(tenant_a, 1, days_to_end=40, arr=12_000)
    response = login(alice).get(reverse("renewals:index"))
    chart = response.context["chart"]
    assert len(chart["labels"]) == 12
    assert sum(sum(s["data"]) for s in chart["series"]) == 12_000
    assert 'id="chart-forecast"' in response.content.decode()


def test_leaders_see_the_flagged_list_csms_do_not(tenant_a, alice, bob, login):
    flagged = renewal_in(tenant_a, 1, days_to_end=40, owner=bob)
    set_forecast(tenant_a, flagged, "commit", bob, reason="Verbal yes from the CFO")
    assert f'data-testid="flagged-{flagged.pk}"' in login(alice).get(reverse("renewals:index")).content.decode()
    assert 'id="flagged"' not in login(bob).get(reverse("renewals:index")).content.decode()


# A renewal's page


def test_the_page_shows_the_runway_late_start_and_forecast(tenant_a, alice, login):
    renewal = renewal_in(tenant_a, 1, days_to_end=45, known_days_before_end=45, segment="enterprise")
    body = login(alice).get(reverse("renewals:renewal", args=[renewal.pk])).content.decode()
    compressed = sum(1 for c in checkpoints_of(tenant_a, renewal) if c.is_compressed)
    assert (
        f"Runway started late: contract known 45 days before its end; enterprise runways start at T-180; "
        f"{compressed} checkpoints compressed" in body
    )
    for checkpoint in checkpoints_of(tenant_a, renewal):
        assert f'id="checkpoint-{checkpoint.pk}"' in body
    assert "The data suggests" in body and 'id="override-form"' in body and 'id="outcome-form"' in body


def test_override_with_a_reason_is_kept_in_the_history(tenant_a, bob, login):
    renewal = renewal_in(tenant_a, 1, days_to_end=200, owner=bob)
    client = login(bob)
    response = client.post(
        reverse("renewals:renewal_forecast", args=[renewal.pk]),
        {"action": "override", "category": "at_risk", "reason": "Champion left; new VP reviews all tools"},
    )
    assert response.status_code == 302
    renewal = reload_renewal(tenant_a, renewal)
    assert (renewal.forecast, renewal.is_override) == ("at_risk", True)
    body = client.get(reverse("renewals:renewal", args=[renewal.pk])).content.decode()
    assert "Champion left; new VP reviews all tools" in body
    with scope(tenant=tenant_a):
        change = ForecastChange.objects.filter(tenant=tenant_a, renewal=renewal).first()
    assert (change.to_category, change.is_override, change.by) == ("at_risk", True, bob)
    assert f'data-testid="forecast-change-{change.pk}"' in body

    client.post(reverse("renewals:renewal_forecast", args=[renewal.pk]), {"action": "follow"})
    renewal = reload_renewal(tenant_a, renewal)
    assert not renewal.is_override and renewal.forecast == renewal.suggested_forecast


def test_override_without_a_reason_shows_the_services_message(tenant_a, bob, login):
    renewal = renewal_in(tenant_a, 1, days_to_end=200, owner=bob)
    response = login(bob).post(
        reverse("renewals:renewal_forecast", args=[renewal.pk]), {"action": "override", "category": "commit"}
    )
    assert response.status_code == 200
    suggested = reload_renewal(tenant_a, renewal).get_suggested_forecast_display().lower()
    assert response.context["override_form"].errors["reason"] == [
        f"Say why the forecast is commit when the data says {suggested}."
    ]
    assert not reload_renewal(tenant_a, renewal).is_override


def test_churn_needs_a_reason_and_a_contraction_must_fit_its_arr(tenant_a, alice, login):
    renewal = renewal_in(tenant_a, 1, days_to_end=30, arr=50_000)
    client = login(alice)
    url = reverse("renewals:renewal_outcome", args=[renewal.pk])

    response = client.post(url, {"outcome": "churned"})
    assert response.context["outcome_form"].errors["reason"] == ["Say why: a churn needs a reason from the list."]
    response = client.post(url, {"outcome": "contracted", "new_arr": "60000"})
    errors = response.context["outcome_form"].errors
    assert "Contracted does not fit a new ARR of" in errors["outcome"][0] and "expanded" in errors["outcome"][0]
    assert "Contracted does not fit" in response.content.decode()
    assert reload_renewal(tenant_a, renewal).status == RenewalStatus.OPEN


def test_an_outcome_closes_the_renewal_and_links_the_next_one(tenant_a, alice, login):
    renewal = renewal_in(tenant_a, 1, days_to_end=30, arr=50_000)
    client = login(alice)
    fewer = reason_called(tenant_a, "Low adoption: fewer seats needed")
    response = client.post(
        reverse("renewals:renewal_outcome", args=[renewal.pk]),
        {
            "outcome": "contracted",
            "new_arr": "40000",
            "term_months": "24",
            "reason": fewer.pk,
            "levers": ["multi_year", "payment_terms"],
            "note": "Dropped the analytics add-on",
        },
    )
    assert response.status_code == 302
    renewal = reload_renewal(tenant_a, renewal)
    assert (renewal.status, renewal.outcome, renewal.outcome_arr) == ("closed", "contracted", Decimal(40_000))
    assert renewal.outcome_reason == fewer and renewal.levers == ["multi_year", "payment_terms"]
    body = client.get(reverse("renewals:renewal", args=[renewal.pk]), follow=True).content.decode()
    assert "Outcome: Contracted" in body and "Multi-year term with discount" in body
    with scope(tenant=tenant_a):
        following = renewal.new_contract.renewal
    assert reverse("renewals:renewal", args=[following.pk]) in body
    assert 'id="outcome-form"' not in body


def test_a_checkpoint_is_done_or_skipped_in_place(tenant_a, bob, login):
    renewal = renewal_in(tenant_a, 1, days_to_end=200, owner=bob)
    first, second = checkpoints_of(tenant_a, renewal)[:2]
    client = login(bob)
    url = reverse("renewals:checkpoint_complete", args=[first.pk])

    response = client.post(
        url, {"status": "done", "note": "Reviewed with the team", "layout": "timeline"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<li class="list-group-item text-body-secondary" id="checkpoint-{first.pk}"')
    assert "Reviewed with the team" in body and ">done<" in body

    skip = reverse("renewals:checkpoint_complete", args=[second.pk])
    body = client.post(skip, {"status": "skipped", "layout": "task"}, headers={"HX-Request": "true"}).content.decode()
    assert f"Say why “{second.title}” is skipped." in body and f'id="task-{second.pk}"' in body
    response = client.post(skip, {"status": "skipped", "note": "Customer asked to wait"})
    assert response.status_code == 302 and response["Location"] == reverse("renewals:renewal", args=[renewal.pk])
    statuses = {c.pk: (c.status, c.completed_by) for c in checkpoints_of(tenant_a, renewal)}
    assert statuses[first.pk] == (CheckpointStatus.DONE, bob)
    assert statuses[second.pk] == (CheckpointStatus.SKIPPED, bob)


def test_assign_the_renewal_leaders_reassign_csms_only_take(tenant_a, alice, bob, login):
    renewal = renewal_in(tenant_a, 1, days_to_end=200, owner=bob)
    url = reverse("renewals:renewal_assign", args=[renewal.pk])
    assert login(bob).post(url, {"owner": alice.pk}).status_code == 403
    assert login(alice).post(url, {"owner": alice.pk}).status_code == 302
    assert reload_renewal(tenant_a, renewal).owner == alice
    assert {c.owner_id for c in checkpoints_of(tenant_a, renewal) if c.status == "open"} == {alice.pk}
    # Bob owns no more: he may not take it back himself.
    assert login(bob).post(url, {"owner": bob.pk}).status_code == 403


def test_acknowledge_is_for_leaders_and_admins(tenant_a, bob, member_of, login):
    renewal = renewal_in(tenant_a, 1, days_to_end=40, owner=bob)
    set_forecast(tenant_a, renewal, "commit", bob, reason="Verbal yes from the CFO")
    assert reload_renewal(tenant_a, renewal).needs_review
    url = reverse("renewals:renewal_review", args=[renewal.pk])
    assert login(bob).post(url, {"note": "Fine"}).status_code == 403
    leader = member_of(Role.LEADER)
    assert login(leader).post(url, {"note": "Spoke to Bob"}).status_code == 302
    renewal = reload_renewal(tenant_a, renewal)
    assert (renewal.needs_review, renewal.reviewed_by) == (False, leader)


def test_a_csm_changes_only_renewals_they_own(tenant_a, alice, bob, login):
    renewal = renewal_in(tenant_a, 1, days_to_end=200, owner=alice)
    checkpoint = checkpoints_of(tenant_a, renewal)[0]
    client = login(bob)
    body = client.get(reverse("renewals:renewal", args=[renewal.pk])).content.decode()
    assert 'id="override-form"' not in body and 'id="outcome-form"' not in body
    forecast = {"action": "override", "category": "at_risk", "reason": "x"}
    assert client.post(reverse("renewals:renewal_forecast", args=[renewal.pk]), forecast).status_code == 403
    assert (
        client.post(reverse("renewals:checkpoint_complete", args=[checkpoint.pk]), {"status": "done"}).status_code
        == 403
    )


def test_a_viewer_may_post_nowhere(tenant_a, alice, member_of, login):
    renewal = renewal_in(tenant_a, 1, days_to_end=40, owner=alice)
    set_forecast(tenant_a, renewal, "commit", alice, reason="Verbal yes")
    checkpoint = checkpoints_of(tenant_a, renewal)[0]
    client = login(member_of(Role.VIEWER))
    assert client.get(reverse("renewals:renewal", args=[renewal.pk])).status_code == 200
    posts = {
        "renewal_forecast": {"action": "override", "category": "at_risk", "reason": "No budget"},
        "renewal_outcome": {"outcome": "renewed", "new_arr": "50000"},
        "renewal_review": {"note": "ok"},
        "renewal_assign": {"owner": alice.pk},
    }
    for name, data in posts.items():
        assert client.post(reverse(f"renewals:{name}", args=[renewal.pk]), data).status_code == 403, name
    assert (
        client.post(reverse("renewals:checkpoint_complete", args=[checkpoint.pk]), {"status": "done"}).status_code
        == 403
    )
    renewal = reload_renewal(tenant_a, renewal)
    assert (renewal.status, renewal.forecast, renewal.needs_review) == ("open", "commit", True)


def test_another_tenant_gets_404(tenant_a, charlie, login):
    renewal = renewal_in(tenant_a, 1, days_to_end=40)
    assert login(charlie).get(reverse("renewals:renewal", args=[renewal.pk])).status_code == 404


# Tasks


def test_tasks_are_the_users_own_by_default_grouped_by_when(tenant_a, alice, bob, login):
    overdue = renewal_in(tenant_a, 1, days_to_end=100, owner=bob, segment="enterprise")  # T-180, T-120 past
    renewal_in(tenant_a, 2, days_to_end=100, owner=alice)
    response = login(bob).get(reverse("renewals:tasks"))
    groups = {key: tasks for key, _label, tasks in response.context["groups"]}
    owners = {t.owner_id for tasks in groups.values() for t in tasks}
    assert owners == {bob.pk}
    assert {t.renewal_id for t in groups["overdue"]} == {overdue.pk}
    assert [t.days_before for t in groups["overdue"]] == [180, 120]
    assert all(t.due_on > selectors.week_end(today_of(tenant_a)) for t in groups["later"])
    assert "overdue" in response.content.decode()
    # A CSM cannot look at someone else's; a leader (here the admin) can, or at everyone's.
    assert {t.owner_id for t in login(bob).get(reverse("renewals:tasks"), {"owner": "all"}).context["page"]} == {bob.pk}
    everyone = login(alice).get(reverse("renewals:tasks"), {"owner": "all"}).context["page"]
    assert {t.owner_id for t in everyone} == {alice.pk, bob.pk}
    of_bob = login(alice).get(reverse("renewals:tasks"), {"owner": str(bob.pk)}).context["page"]
    assert {t.owner_id for t in of_bob} == {bob.pk}


def test_tasks_list_costs_the_same_for_more_rows(tenant_a, bob, login, django_assert_max_num_queries):
    for n in range(1, 11):
        renewal_in(tenant_a, n, days_to_end=100 + n, owner=bob, segment="enterprise")
    client = login(bob)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("renewals:tasks"))
    assert response.context["page"].paginator.count == 50


# The account card


def test_the_account_card_shows_contracts_the_renewal_and_opportunities(tenant_a, alice, login):
    renewal = renewal_in(tenant_a, 1, days_to_end=45, known_days_before_end=45, segment="enterprise", arr=64_000)
    with scope(tenant=tenant_a):
        opportunity = services.opportunity_create(
            tenant=tenant_a,
            account=renewal.account,
            title="Add 20 analyst seats",
            kind="seats",
            value=Decimal(9_000),
            by=alice,
        )
    client = login(alice)
    response = client.get(reverse("renewals:account_card", args=[renewal.account_id]), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert f'data-testid="card-contract-{renewal.contract_id}"' in body and f"64,000 {tenant_a.currency}" in body
    assert reverse("renewals:renewal", args=[renewal.pk]) in body
    assert "Runway started late: contract known 45 days before its end" in body
    assert opportunity.title in body and f"9,000 {tenant_a.currency}" in body
    # The account page loads it.
    page = client.get(reverse("accounts:account_detail", args=[renewal.account_id])).content.decode()
    assert reverse("renewals:account_card", args=[renewal.account_id]) in page
