"""Scoring a day: measures without data are left out of the weighted mean and named, per-segment
models apply to their segment only, and the daily snapshot is upserted once per account and day
with its deltas over 7 and 30 days."""

import pytest
from django.db.models import Count
from django_scopes import scope

from accounts.models import Account
from health.models import ContactHealth, HealthModel, HealthScore

from .builders import (
    DAY,
    account,
    ago,
    catalogue,
    jane_story,
    people,
    record,
    save_model,
    score_day,
    send,
    snapshot,
    snapshots,
    track_on,
    uses,
)

pytestmark = pytest.mark.django_db


def _reload(tenant, acme) -> Account:
    with scope(tenant=tenant):
        return Account.objects.get(tenant=tenant, pk=acme.pk)


def test_measures_without_data_are_left_out_of_the_mean_and_named(tenant_a):
    acme = account(tenant_a, 1, seats=10)
    catalogue(tenant_a, "Report Created", points=2, is_core=True)
    calls = []
    for person in people(tenant_a, acme, 7):
        calls += uses(person, "Report Created", ago(89), ago(50), ago(3)) + uses(person, "Logged In", ago(10), ago(3))
    send(tenant_a, calls)
    record(tenant_a, "invoice", acme, number="INV-1", amount=500, issued_on=ago(50), due_on=ago(20), paid_on=ago(21))

    result = score_day(tenant_a, DAY, acme)[acme.pk]
    points = {key: m["points"] for key, m in result.measures.items()}
    # 7 people, 10 seats:
    #   active seats 7/10 = 100; power users (2 of 7, all seen day -3) 3 days = 100;
    #   core trend: last 30 days 7 x 2 = 14 against (7 x 2 x 2 = 28 over 60 days) 14 per 30 = 1.0 -> 90;
    #   saturation 0.7 on (0.5, 60)-(0.8, 100) = 86.7; engagement 21 vs 7 points = +200% -> 100;
    #   breadth 2 features -> 35; the invoice paid a day early: 0 days late -> 100; no cuts -> 100.
    assert points == {
        "active_seats": 100.0,
        "power_users": 100.0,
        "core_trend": 90.0,
        "seat_saturation": 86.7,
        "engagement_change": 100.0,
        "feature_breadth": 35.0,
        "open_tickets": None,
        "csat": None,
        "late_payments": 100.0,
        "downgrades": 100.0,
        "executive_touchpoint": None,
        "no_shows": None,
        "nps": None,
    }
    # 15x100 + 15x100 + 10x90 + 5x86.7 + 5x100 + 5x35 + 8x100 + 7x100 = 6508.5 over weights 70 = 92.98.
    assert (result.score, result.band) == (93, "green")
    assert sorted(result.missing) == ["csat", "executive_touchpoint", "no_shows", "nps", "open_tickets"]
    stored = snapshot(tenant_a, acme, DAY)
    assert stored.score == 93
    # Named in the model's order of measures, on every database.
    assert stored.explanation.endswith(
        " Left out for lack of data: Open tickets, CSAT, Executive touchpoint, Meeting no-shows, Latest NPS."
    )
    reloaded = _reload(tenant_a, acme)
    assert (reloaded.health_score, reloaded.health_band) == (93, "green")


def test_an_account_without_any_data_has_no_score(tenant_a):
    acme = account(tenant_a, 1)
    result = score_day(tenant_a, DAY, acme)[acme.pk]
    assert result.score is None and result.band == ""
    assert all(m["points"] is None for m in result.measures.values())
    stored = snapshot(tenant_a, acme, DAY)
    assert stored.score is None
    assert stored.explanation.startswith("No health score: none of the model's measures has data")
    assert _reload(tenant_a, acme).health_score is None


def test_a_segment_model_changes_only_that_segments_scores(tenant_a):
    smb, mid = account(tenant_a, 1, segment="smb"), account(tenant_a, 2, segment="mid_market")
    calls = [track_on(p, "Logged In", ago(1)) for p in people(tenant_a, smb, 4) + people(tenant_a, mid, 4)]
    send(tenant_a, calls)
    # Both: active 4/10 = 40, power user 1 day = 100, saturation 4/10 = 40, 1 feature = 10, no trend
    # or week before: (15x40 + 15x100 + 5x40 + 5x10) / 40 = 58.75.
    before = score_day(tenant_a, DAY, smb, mid)
    assert (before[smb.pk].score, before[mid.pk].score) == (59, 59)

    smb_model = save_model(tenant_a, segment="smb", weights={"active_seats": 1, "power_users": 0})
    after = score_day(tenant_a, DAY, smb, mid)
    # SMB: active seats alone, 40. Mid-market: the all-segments model, as before.
    assert after[smb.pk].score == 40
    assert set(after[smb.pk].measures) == {"active_seats", "power_users"}
    assert after[mid.pk].score == 59
    with scope(tenant=tenant_a):
        everyone = HealthModel.objects.get(tenant=tenant_a, segment="", is_current=True)
    assert snapshot(tenant_a, smb, DAY).model_id == smb_model.pk
    assert snapshot(tenant_a, mid, DAY).model_id == everyone.pk
    assert (_reload(tenant_a, smb).health_score, _reload(tenant_a, mid).health_score) == (40, 59)


def test_recomputing_a_day_updates_its_one_snapshot_and_the_deltas(tenant_a):
    acme, jane, _others = jane_story(tenant_a)
    score_day(tenant_a, ago(30), acme, detect=False)
    score_day(tenant_a, ago(7), acme, detect=False)
    score_day(tenant_a, DAY, acme)
    first = snapshot(tenant_a, acme, DAY)
    # 66 a month ago, 74 a week ago, 54 today (see jane_story).
    assert [(s.day, s.score) for s in snapshots(tenant_a, acme)] == [(ago(30), 66), (ago(7), 74), (DAY, 54)]
    assert (first.delta_7, first.delta_30) == (54 - 74, 54 - 66)
    assert snapshot(tenant_a, acme, ago(7)).delta_30 is None  # nothing 30 days before day -7

    score_day(tenant_a, DAY, acme)
    assert len(snapshots(tenant_a, acme)) == 3

    # Jane comes back today: 86 (see test_a_rise_names_the_power_user_who_came_back).
    send(tenant_a, uses(jane, "Report Created", DAY))
    score_day(tenant_a, DAY, acme)
    again = snapshot(tenant_a, acme, DAY)
    assert again.pk == first.pk
    assert (again.score, again.delta_7, again.delta_30) == (86, 86 - 74, 86 - 66)
    assert again.computed_at >= first.computed_at
    assert "Health rose 12 points (74 to 86)" in again.explanation
    with scope(tenant=tenant_a):
        assert HealthScore.objects.filter(tenant=tenant_a, account=acme, day=DAY).count() == 1
        # One row per person, however often the day is scored.
        assert ContactHealth.objects.filter(tenant=tenant_a, account=acme).count() == 8
        mine = ContactHealth.objects.get(tenant=tenant_a, contact=jane)
    assert (mine.last_seen_on, mine.is_power_user, float(mine.points), mine.score) == (DAY, True, 60.0, 100)
    assert _reload(tenant_a, acme).health_score == 86


def test_a_day_without_detection_writes_the_snapshot_only(tenant_a):
    acme, _jane, _others = jane_story(tenant_a)
    score_day(tenant_a, DAY, acme, detect=False)
    assert snapshot(tenant_a, acme, DAY).score == 54
    assert _reload(tenant_a, acme).health_score is None
    with scope(tenant=tenant_a):
        assert not ContactHealth.objects.filter(tenant=tenant_a, account=acme).exists()


def test_an_account_that_stopped_using_the_product_scores_zero_adoption_not_missing_data(tenant_a):
    gone, never = account(tenant_a, 1, seats=10), account(tenant_a, 2, seats=10)
    send(tenant_a, [track_on(p, "Logged In", day) for p in people(tenant_a, gone, 3) for day in (ago(100), ago(90))])
    for target, n in ((gone, 1), (never, 2)):
        record(
            tenant_a,
            "invoice",
            target,
            number=f"INV-{n}",
            amount=500,
            issued_on=ago(50),
            due_on=ago(20),
            paid_on=ago(20),
        )

    scores = score_day(tenant_a, DAY, gone, never, detect=False)
    points = {k: m["points"] for k, m in scores[gone.pk].measures.items() if m["points"] is not None}
    # Last seen on day -90, a day before the window: 0 of 10 seats active and seen (0 points), no feature
    # used (below the curve's first point, 10); nobody has points, so no power user to follow.
    assert points == {
        "active_seats": 0.0,
        "seat_saturation": 0.0,
        "feature_breadth": 10.0,
        "late_payments": 100.0,
        "downgrades": 100.0,
    }
    # (15x0 + 5x0 + 5x10 + 8x100 + 7x100) / 40 = 38.75: red, not the 100 of the financial measures alone.
    assert (scores[gone.pk].score, scores[gone.pk].band) == (39, "red")
    # Never sent usage at all: adoption has no data, the invoices alone make the score.
    assert scores[never.pk].measures["active_seats"]["points"] is None
    assert scores[never.pk].score == 100


def test_a_segment_models_power_user_share_applies_to_its_accounts(tenant_a):
    smb, mid = account(tenant_a, 1, segment="smb"), account(tenant_a, 2, segment="mid_market")
    for acme in (smb, mid):
        busy, *rest = people(tenant_a, acme, 5)
        # One busy person (4 logins), four with one each: the busy one is the top 20%.
        send(
            tenant_a,
            uses(busy, "Logged In", ago(1), ago(2), ago(3), ago(4)) + [track_on(p, "Logged In", ago(1)) for p in rest],
        )
    save_model(tenant_a, segment="smb", weights={"active_seats": 1, "power_users": 1}, power_user_share=1)
    score_day(tenant_a, DAY, smb, mid)
    with scope(tenant=tenant_a):
        power = dict(
            ContactHealth.objects.filter(tenant=tenant_a, is_power_user=True)
            .values_list("account_id")
            .annotate(n=Count("pk"))
        )
    # SMB's model calls everyone with activity a power user; the all-segments model, the top 20% (1 of 5).
    assert power == {smb.pk: 5, mid.pk: 1}
