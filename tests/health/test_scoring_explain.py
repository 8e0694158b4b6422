"""The sentence every score carries: the move since last week with its numbers, the people and
measures behind it, and a change of the model told apart from a change in behaviour."""

import pytest

from core.text import day_of

from .builders import DAY, DEFAULT_WEIGHTS, ago, jane_story, save_model, score_day, send, snapshot, uses

pytestmark = pytest.mark.django_db


def test_the_sentence_names_the_silent_power_user_and_the_seats_that_went(tenant_a):
    acme, _jane, _others = jane_story(tenant_a)
    score_day(tenant_a, ago(7), acme, detect=False)
    score_day(tenant_a, DAY, acme)

    text = snapshot(tenant_a, acme, DAY).explanation
    # 74 last week, 54 today (see jane_story). Jane's points went from 45.7 to 7.8 at weight 15 of 45
    # (-12.6 on the score), active seats from 100 to 80 (-6.7): the two reasons, largest first.
    # Saturation, engagement and breadth held their values and are not reasons.
    assert text.startswith(
        "Health fell 20 points (74 to 54) since last week: "
        "power user Jane Roe inactive 23 days; active seats down from 80% to 60%."
    )
    assert "saturation" not in text and "engagement" not in text and "features" not in text
    assert "from the model" not in text


def test_the_first_snapshot_names_the_weakest_measures(tenant_a):
    acme, _jane, _others = jane_story(tenant_a)
    score_day(tenant_a, ago(7), acme, detect=False)

    text = snapshot(tenant_a, acme, ago(7)).explanation
    # Shortfall x weight: power users (100 - 45.7) x 15 = 815, breadth (100 - 35) x 5 = 325,
    # engagement 10 x 5 = 50, the rest 0.
    assert text.startswith(
        "Health 74 (green): weakest power user Jane Roe inactive 16 days; 2 features used in 30 days."
    )


def test_a_rise_names_the_power_user_who_came_back(tenant_a):
    acme, jane, _others = jane_story(tenant_a)
    score_day(tenant_a, ago(7), acme, detect=False)
    send(tenant_a, uses(jane, "Report Created", DAY))
    score_day(tenant_a, DAY, acme)

    text = snapshot(tenant_a, acme, DAY).explanation
    # Jane back today: the least active power user is person 2, 2 days away (100 points); engagement
    # 15 vs 5 points = +200% (100). (1200 + 1500 + 500 + 500 + 175) / 45 = 86.1 -> 86.
    assert text.startswith("Health rose 12 points (74 to 86) since last week: power users active")
    assert "Jane Roe inactive" not in text


def test_a_model_change_between_the_two_days_is_told_apart_from_behaviour(tenant_a):
    acme, _jane, _others = jane_story(tenant_a)
    score_day(tenant_a, ago(7), acme, detect=False)
    new = save_model(tenant_a, weights={**DEFAULT_WEIGHTS, "power_users": 30}, note="Power users count double")
    score_day(tenant_a, DAY, acme)

    stored = snapshot(tenant_a, acme, DAY)
    assert stored.model_id == new.pk and new.version == 2
    # Under version 2 (power users 30, total weight 60):
    #   last week's raw values: 1500 + 30 x 45.7 + 500 + 450 + 175 = 3996 / 60 = 67 (7 below the 74 it had);
    #   today: 1200 + 30 x 7.8 + 500 + 450 + 175 = 2559 / 60 = 43, 24 below 67 from behaviour.
    assert stored.score == 43
    text = stored.explanation
    assert text.startswith("Health fell 31 points (74 to 43) since last week: ")
    assert "power user Jane Roe inactive 23 days" in text
    assert "active seats down from 80% to 60%" in text
    assert (
        f" 7 points of it from the model (weights changed on {_local_day(tenant_a, new)}, version 2), "
        "24 from behaviour." in text
    )


def test_a_model_pulling_the_other_way_says_which_way_each_went(tenant_a):
    acme, _jane, _others = jane_story(tenant_a)
    score_day(tenant_a, ago(7), acme, detect=False)
    new = save_model(tenant_a, weights={**DEFAULT_WEIGHTS, "active_seats": 30})
    score_day(tenant_a, DAY, acme)

    # Under version 2 (active seats 30, total weight 60):
    #   last week's raw values: 30 x 100 + 15 x 45.7 + 500 + 450 + 175 = 4810.5 / 60 = 80, 6 above the 74 it had;
    #   today: 30 x 80 + 15 x 7.8 + 500 + 450 + 175 = 3642 / 60 = 61, 19 below 80 from behaviour.
    text = snapshot(tenant_a, acme, DAY).explanation
    assert text.startswith("Health fell 13 points (74 to 61) since last week: ")
    assert (
        f" Behaviour moved it down 19 points; the model (weights changed on {_local_day(tenant_a, new)}, version 2) "
        "moved it up 6." in text
    )
    assert "of it from the model" not in text


def _local_day(tenant, model) -> str:
    """The day a model version was saved, in the tenant's zone."""
    return day_of(model.created_at, tenant)


def test_the_same_model_on_both_days_says_nothing_of_the_model(tenant_a):
    acme, _jane, _others = jane_story(tenant_a)
    score_day(tenant_a, ago(7), acme, detect=False)
    # A new version for another segment does not touch this mid-market account's model.
    save_model(tenant_a, segment="smb", weights={"active_seats": 1})
    score_day(tenant_a, DAY, acme)
    text = snapshot(tenant_a, acme, DAY).explanation
    assert text.startswith("Health fell 20 points (74 to 54)")
    assert "weights changed" not in text
