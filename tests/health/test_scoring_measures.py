"""Every measure of the health model against a fixture whose raw value and points are worked out by
hand: usage sent through ingestion on known days of the tenant (Europe/Berlin), signal records
through the signal service, scored for DAY by the scoring service."""

import datetime as dt

import pytest
from django_scopes import scope

from accounts import services as account_services

from .builders import (
    DAY,
    account,
    ago,
    catalogue,
    measure,
    noon,
    people,
    record,
    save_model,
    score_day,
    send,
    track_on,
    uses,
)

pytestmark = pytest.mark.django_db


# Product adoption


def test_active_seats_are_people_active_in_the_last_30_tenant_days_over_seats(tenant_a):
    acme, beta = account(tenant_a, 1, seats=10), account(tenant_a, 2, seats=10)
    team = people(tenant_a, acme, 8)
    calls = [track_on(p, "Logged In", ago(2)) for p in team[:6]]
    # 23:30 UTC on day -30 is 01:30 on day -29 in Berlin: inside the 30 days.
    calls.append(track_on(team[6], "Logged In", ago(30), at="23:30"))
    # Day -30 at noon is outside; 23:30 UTC on DAY is the next day in Berlin: person 8 is not active.
    calls += [track_on(team[7], "Logged In", ago(30)), track_on(team[7], "Logged In", DAY, at="23:30")]
    calls += [track_on(p, "Logged In", ago(5)) for p in people(tenant_a, beta, 4)]
    send(tenant_a, calls)

    scores = score_day(tenant_a, DAY, acme, beta, detect=False)
    # 7 of 10 = 0.7: the curve reaches 100 at 0.7.
    assert scores[acme.pk].measures["active_seats"]["raw"] == 0.7
    assert scores[acme.pk].measures["active_seats"]["points"] == 100.0
    assert scores[acme.pk].measures["active_seats"]["detail"] == {"active": 7, "seats": 10}
    # 4 of 10 = 0.4: the breakpoint (0.4, 40).
    assert scores[beta.pk].measures["active_seats"]["raw"] == 0.4
    assert scores[beta.pk].measures["active_seats"]["points"] == 40.0


def test_active_seats_need_seats_purchased(tenant_a):
    acme = account(tenant_a, 1, seats=0)
    send(tenant_a, [track_on(p, "Logged In", ago(1)) for p in people(tenant_a, acme, 3)])
    assert measure(tenant_a, DAY, acme, "active_seats")["points"] is None


def test_power_users_are_the_top_share_by_points_and_the_least_active_one_counts(tenant_a):
    acme = account(tenant_a, 1)
    jane, *others = people(tenant_a, acme, 5, names=("Jane Roe",))
    catalogue(tenant_a, "Report Created", points=10)
    # Jane: 6 x 10 = 60 points, last on day -23; the other four: 1 point each yesterday.
    calls = uses(jane, "Report Created", ago(60), ago(50), ago(40), ago(30), ago(25), ago(23))
    calls += [track_on(p, "Logged In", ago(1)) for p in others]
    send(tenant_a, calls)

    power = measure(tenant_a, DAY, acme, "power_users")
    # 5 people with points x 0.2 = 1 power user, Jane, away 23 days: on (21, 10)-(30, 0),
    # 10 - 10 x 2/9 = 7.78 -> 7.8.
    assert power["raw"] == 23
    assert power["points"] == 7.8
    assert power["detail"]["name"] == "Jane Roe"
    assert power["detail"]["count"] == 1
    assert power["detail"]["inactive"] == [{"contact_id": jane.pk, "name": "Jane Roe", "days": 23}]


def test_a_contact_whose_role_says_power_user_counts_once_seen(tenant_a):
    acme = account(tenant_a, 1)
    active = people(tenant_a, acme, 2)
    with scope(tenant=tenant_a):
        _sam, tom = (
            account_services.contact_create(
                tenant=tenant_a, account=acme, external_id=external_id, name=name, roles=["power_user"]
            )
            for external_id, name in (("sam", "Sam Idle"), ("tom", "Tom Gone"))
        )
    send(tenant_a, [track_on(p, "Logged In", ago(2)) for p in active] + [track_on(tom, "Logged In", ago(100))])
    power = measure(tenant_a, DAY, acme, "power_users")
    # Tom was seen 100 days ago, outside the 90-day window: 90 days away, beyond the curve's last
    # point (30, 0). Sam was never seen at all, so he is no power user yet.
    assert (power["raw"], power["points"], power["detail"]["name"]) == (90, 0.0, "Tom Gone")
    assert [p["name"] for p in power["detail"]["inactive"]] == ["Tom Gone"]


def test_core_trend_compares_the_last_30_days_with_the_average_30_of_the_60_before(tenant_a):
    acme, young, too_young = account(tenant_a, 1), account(tenant_a, 2), account(tenant_a, 3)
    catalogue(tenant_a, "Report Created", points=5, is_core=True)
    (a,), (y,), (t,) = people(tenant_a, acme, 1), people(tenant_a, young, 1), people(tenant_a, too_young, 1)
    prior = [ago(d) for d in (89, 85, 80, 75, 70, 65, 60, 55, 50, 45, 40, 30)]
    calls = uses(a, "Report Created", *prior, ago(29), ago(20), ago(10), DAY)
    # Outside the 90-day window, and not a core event: neither counts.
    calls += uses(a, "Report Created", ago(90)) + uses(a, "Logged In", ago(1), ago(1))
    calls += uses(y, "Report Created", ago(44), ago(37), ago(25), ago(20), ago(15), ago(5))
    calls += uses(t, "Report Created", ago(40), ago(5))
    send(tenant_a, calls)

    scores = score_day(tenant_a, DAY, acme, young, too_young, detect=False)
    trend = scores[acme.pk].measures["core_trend"]
    # Prior 60 days (-89..-30): 12 x 5 = 60 points, 30 per 30 days; last 30: 4 x 5 = 20.
    # 20 / 30 = 0.667 on (0.5, 0)-(0.8, 50): 50 x 0.1667/0.3 = 27.8.
    assert trend["raw"] == 0.6667
    assert trend["points"] == 27.8
    assert trend["detail"] == {"last_30": 20.0, "baseline_30": 30.0}
    # First seen on day -44: the prior period is 15 days (-44..-30) with 2 x 5 = 10 points, 20 per 30 days;
    # last 30: 4 x 5 = 20 -> 1.0 -> 90.
    assert scores[young.pk].measures["core_trend"]["raw"] == 1.0
    assert scores[young.pk].measures["core_trend"]["points"] == 90.0
    # First seen on day -40: 11 prior days, under 14, is no baseline.
    assert scores[too_young.pk].measures["core_trend"]["points"] is None


def test_seat_saturation_is_people_seen_in_90_days_over_seats(tenant_a):
    full, some = account(tenant_a, 1, seats=10), account(tenant_a, 2, seats=10)
    crowd = people(tenant_a, full, 10)
    calls = [track_on(p, "Logged In", ago(1)) for p in crowd[:6]]
    calls += [track_on(p, "Logged In", ago(89)) for p in crowd[6:9]]
    calls.append(track_on(crowd[9], "Logged In", ago(90)))  # one day too old
    calls += [track_on(p, "Logged In", ago(50)) for p in people(tenant_a, some, 6)]
    send(tenant_a, calls)

    scores = score_day(tenant_a, DAY, full, some, detect=False)
    # 9 of 10 = 0.9: past the last point (0.8, 100).
    assert scores[full.pk].measures["seat_saturation"]["raw"] == 0.9
    assert scores[full.pk].measures["seat_saturation"]["points"] == 100.0
    assert scores[full.pk].measures["seat_saturation"]["detail"] == {"seen": 9, "seats": 10}
    # 6 of 10 = 0.6 on (0.5, 60)-(0.8, 100): 60 + 40 x 0.1/0.3 = 73.3.
    assert scores[some.pk].measures["seat_saturation"]["raw"] == 0.6
    assert scores[some.pk].measures["seat_saturation"]["points"] == 73.3


def test_engagement_change_is_the_last_7_days_points_against_the_7_before(tenant_a):
    acme = account(tenant_a, 1)
    (p,) = people(tenant_a, acme, 1)
    # Last 7 days (-6..0): 6 logins; the 7 before (-13..-7): 10; day -14 is in neither.
    calls = uses(p, "Logged In", *[ago(6)] * 3, *[DAY] * 3)
    calls += uses(p, "Logged In", *[ago(7)] * 5, *[ago(13)] * 5, *[ago(14)] * 4)
    send(tenant_a, calls)

    change = measure(tenant_a, DAY, acme, "engagement_change")
    # (6 - 10) / 10 = -0.4 on (-0.5, 0)-(-0.2, 50): 50 x 0.1/0.3 = 16.7.
    assert change["raw"] == -0.4
    assert change["points"] == 16.7
    assert change["detail"] == {"last_7": 6.0, "prev_7": 10.0}


def test_engagement_change_has_no_data_without_a_week_before(tenant_a):
    acme = account(tenant_a, 1)
    (p,) = people(tenant_a, acme, 1)
    send(tenant_a, uses(p, "Logged In", ago(1)))
    assert measure(tenant_a, DAY, acme, "engagement_change")["points"] is None


def test_feature_breadth_counts_distinct_features_without_locked_ones_and_the_upgrade_page(tenant_a):
    acme = account(tenant_a, 1)
    (p,) = people(tenant_a, acme, 1)
    catalogue(tenant_a, "SSO Setup", is_locked=True)
    catalogue(tenant_a, "Pricing Page", is_upgrade_page=True)
    calls = uses(p, "Logged In", ago(29), ago(2), ago(1)) + uses(p, "Report Created", ago(3))
    calls += uses(p, "Dashboard Viewed", ago(4)) + uses(p, "SSO Setup", ago(4)) + uses(p, "Pricing Page", ago(4))
    calls += uses(p, "Export", ago(30))  # a day before the 30
    send(tenant_a, calls)

    breadth = measure(tenant_a, DAY, acme, "feature_breadth")
    # Logged In, Report Created, Dashboard Viewed = 3: the point (3, 60).
    assert (breadth["raw"], breadth["points"]) == (3, 60.0)


# Support


def _ticket(tenant, acme, n: int, **fields):
    return record(tenant, "ticket", acme, external_id=f"t{n}", subject=f"Ticket {n}", **fields)


def test_open_tickets_are_weighted_by_priority_as_they_stood_that_day(tenant_a):
    acme = account(tenant_a, 1)
    _ticket(tenant_a, acme, 1, priority="p1", opened_at=noon(ago(3)))
    # Closed two days after DAY: still open on DAY.
    _ticket(
        tenant_a,
        acme,
        2,
        priority="p2",
        status="closed",
        opened_at=noon(ago(9)),
        closed_at=noon(DAY + dt.timedelta(days=2)),
    )
    _ticket(tenant_a, acme, 3, priority="p3", status="pending", opened_at=noon(ago(1)))
    _ticket(tenant_a, acme, 4, priority="p4", opened_at=noon(ago(20)))
    _ticket(tenant_a, acme, 5, priority="p1", status="closed", opened_at=noon(ago(8)), closed_at=noon(ago(2)))
    _ticket(tenant_a, acme, 6, priority="p1", opened_at=noon(DAY + dt.timedelta(days=1)))  # opened later

    tickets = measure(tenant_a, DAY, acme, "open_tickets")
    # P1 4 + P2 2 + P3 1 + P4 0.5 = 7.5 on (5, 30)-(8, 0): 30 - 30 x 2.5/3 = 5.0.
    assert tickets["raw"] == 7.5
    assert tickets["points"] == 5.0
    assert tickets["detail"] == {"p1": 1, "p2": 1, "p3": 1, "p4": 1}


def test_csat_is_the_mean_of_tickets_closed_in_the_last_90_days(tenant_a):
    acme = account(tenant_a, 1)
    for n, (closed, csat) in enumerate([(ago(2), 5), (ago(40), 4), (ago(85), 3), (ago(100), 1)], start=1):
        _ticket(
            tenant_a,
            acme,
            n,
            status="closed",
            opened_at=noon(closed - dt.timedelta(days=3)),
            closed_at=noon(closed),
            csat=csat,
        )
    # Closed after DAY: not yet counted.
    _ticket(
        tenant_a, acme, 9, status="closed", opened_at=noon(ago(1)), closed_at=noon(DAY + dt.timedelta(days=1)), csat=1
    )

    scores = score_day(tenant_a, DAY, acme, detect=False)[acme.pk].measures
    # (5 + 4 + 3) / 3 = 4.0: the point (4, 75); the 1 of day -100 is the prior period's.
    assert (scores["csat"]["raw"], scores["csat"]["points"]) == (4.0, 75.0)
    assert scores["csat"]["detail"] == {"prior": 1.0}
    # Only ticket 9 was open on DAY: P3, weight 1, on (0, 100)-(2, 70): 85.
    assert (scores["open_tickets"]["raw"], scores["open_tickets"]["points"]) == (1.0, 85.0)


# Financial


def _invoice(tenant, acme, number: str, *, due: dt.date, paid: dt.date | None = None):
    return record(
        tenant,
        "invoice",
        acme,
        external_id=number,
        number=number,
        amount=1000,
        issued_on=due - dt.timedelta(days=30),
        due_on=due,
        paid_on=paid,
    )


def test_late_payments_take_the_latest_days_late_of_late_paid_and_unpaid_invoices(tenant_a):
    acme, beta = account(tenant_a, 1), account(tenant_a, 2)
    _invoice(tenant_a, acme, "INV-A", due=ago(40), paid=ago(28))  # paid 12 days late
    _invoice(tenant_a, acme, "INV-B", due=ago(10))  # unpaid, 10 days late
    _invoice(tenant_a, acme, "INV-C", due=ago(20), paid=ago(21))  # on time
    _invoice(tenant_a, acme, "INV-D", due=ago(200))  # due before the 180 days
    # Paid three days after DAY: on DAY it was unpaid, 25 days late.
    _invoice(tenant_a, beta, "INV-E", due=ago(25), paid=DAY + dt.timedelta(days=3))

    scores = score_day(tenant_a, DAY, acme, beta, detect=False)
    late = scores[acme.pk].measures["late_payments"]
    # 12 days on (7, 80)-(30, 30): 80 - 50 x 5/23 = 69.1.
    assert (late["raw"], late["points"]) == (12, 69.1)
    assert late["detail"] == {"number": "INV-A", "days": 12, "unpaid": False}
    late = scores[beta.pk].measures["late_payments"]
    # 25 days: 80 - 50 x 18/23 = 40.9.
    assert (late["raw"], late["points"]) == (25, 40.9)
    assert late["detail"] == {"number": "INV-E", "days": 25, "unpaid": True}
    # Billed here and no cut in 90 days: a fact, 0 downgrades, 100 points.
    assert (scores[acme.pk].measures["downgrades"]["raw"], scores[acme.pk].measures["downgrades"]["points"]) == (
        0,
        100.0,
    )


def test_downgrades_count_plan_downgrades_and_seat_cuts_of_the_last_90_days(tenant_a):
    acme, beta = account(tenant_a, 1), account(tenant_a, 2)

    def change(target, n, kind, day, **fields):
        record(tenant_a, "subscription_change", target, external_id=f"c{n}", kind=kind, effective_on=day, **fields)

    change(acme, 1, "seats_removed", ago(30), seats_before=12, seats_after=10)
    change(acme, 2, "downgrade", ago(89), plan_before="Pro", plan_after="Team")
    change(acme, 3, "upgrade", ago(5))
    change(acme, 4, "downgrade", ago(90))  # 90 days ago: outside
    change(beta, 5, "seats_removed", ago(3), seats_before=20, seats_after=15)

    scores = score_day(tenant_a, DAY, acme, beta, detect=False)
    # Two cuts: the point (2, 0); one cut: (1, 40).
    assert scores[acme.pk].measures["downgrades"]["raw"] == 2
    assert scores[acme.pk].measures["downgrades"]["points"] == 0.0
    assert scores[acme.pk].measures["downgrades"]["detail"] == {"seats_removed": 2}
    assert scores[beta.pk].measures["downgrades"]["points"] == 40.0
    assert scores[beta.pk].measures["downgrades"]["detail"] == {"seats_removed": 5}


# Relationship


def test_executive_touchpoint_and_no_shows_read_the_meetings(tenant_a):
    acme = account(tenant_a, 1)

    def meeting(n, day, status, kind="check_in", executive=False):
        record(
            tenant_a,
            "meeting",
            acme,
            external_id=f"m{n}",
            kind=kind,
            status=status,
            scheduled_at=noon(day),
            executive_present=executive,
        )

    meeting(1, ago(45), "held", kind="executive")
    meeting(2, ago(20), "held", executive=True)  # the last executive touchpoint
    meeting(3, ago(5), "no_show", executive=True)  # missed: not a touchpoint
    meeting(4, ago(60), "held")
    meeting(5, ago(3), "cancelled")
    meeting(6, ago(120), "no_show")  # before the 90 days

    scores = score_day(tenant_a, DAY, acme, detect=False)[acme.pk].measures
    # 20 days on (0, 100)-(90, 80): 100 - 20 x 20/90 = 95.6.
    assert (scores["executive_touchpoint"]["raw"], scores["executive_touchpoint"]["points"]) == (20, 95.6)
    # Last 90 days: 3 held, 1 no-show (cancelled is neither): 1/4 = 0.25, the point (0.25, 50).
    assert (scores["no_shows"]["raw"], scores["no_shows"]["points"]) == (0.25, 50.0)
    assert scores["no_shows"]["detail"] == {"no_shows": 1, "meetings": 4}


def test_nps_is_the_latest_answer_of_the_last_365_days(tenant_a):
    acme = account(tenant_a, 1)
    (jane,) = people(tenant_a, acme, 1, names=("Jane Roe",))
    record(tenant_a, "nps", acme, external_id="n1", score=9, responded_on=ago(200))
    record(tenant_a, "nps", acme, external_id="n2", score=6, responded_on=ago(30), contact=jane)
    record(tenant_a, "nps", acme, external_id="n3", score=10, responded_on=DAY + dt.timedelta(days=3))

    nps = measure(tenant_a, DAY, acme, "nps")
    # 6: the point (6, 30).
    assert (nps["raw"], nps["points"]) == (6, 30.0)
    assert nps["detail"]["name"] == "Jane Roe"
    # Three days after DAY, the 10 answered that day is the latest.
    assert measure(tenant_a, DAY + dt.timedelta(days=3), acme, "nps")["raw"] == 10


# Custom measures


def test_custom_measures_score_an_account_field_a_custom_field_and_a_metric_by_rules(tenant_a):
    with scope(tenant=tenant_a):
        account_services.custom_field_define(
            tenant=tenant_a, label="Plan", key="plan", field_type="choice", choices=["Gold", "Silver"]
        )
    big = account(tenant_a, 1, acv=60_000, custom_fields={"plan": "Silver"})
    small = account(tenant_a, 2, acv=40_000, custom_fields={"plan": "Gold"})
    (p,) = people(tenant_a, big, 1)
    # 7 invoices sent in the last 30 days; the 5 of day -30 are a day too old.
    send(tenant_a, uses(p, "Invoice Sent", *[ago(1)] * 4, *[ago(29)] * 3, *[ago(30)] * 5))
    customs = [
        {"label": "Large customer", "source": "field", "name": "arr", "weight": 1, "default_points": 20,
         "rules": [{"op": ">=", "value": 50000, "points": 100}]},
        {"label": "Plan", "source": "custom_field", "name": "plan", "weight": 1,
         "rules": [{"op": "=", "value": "Gold", "points": 100}, {"op": "=", "value": "Silver", "points": 50}]},
        {"label": "Invoicing", "source": "metric", "name": "Invoice Sent", "weight": 1, "default_points": 0,
         "rules": [{"op": ">=", "value": 10, "points": 100}, {"op": ">=", "value": 5, "points": 60}]},
    ]  # fmt: skip
    save_model(tenant_a, weights={}, custom_measures=customs)

    scores = score_day(tenant_a, DAY, big, small, detect=False)
    mine = {k: (m["raw"], m["points"]) for k, m in scores[big.pk].measures.items()}
    # ARR 60,000 >= 50,000: 100; Silver: 50; 7 invoices >= 5: 60. (100 + 50 + 60) / 3 = 70.
    assert mine == {"custom_1": (60000.0, 100.0), "custom_2": ("Silver", 50.0), "custom_3": (7.0, 60.0)}
    assert scores[big.pk].score == 70
    theirs = {k: m["points"] for k, m in scores[small.pk].measures.items()}
    # ARR 40,000: the default 20; Gold: 100; no invoices: 0 matches no rule, the default 0. (20 + 100 + 0) / 3 = 40.
    assert theirs == {"custom_1": 20.0, "custom_2": 100.0, "custom_3": 0.0}
    assert scores[small.pk].score == 40
