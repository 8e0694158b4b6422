"""A bulk replay of history judges each track once, at the end, and ends where judging every move ends."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope

from journeys import services
from journeys.models import FlagStatus, JourneyTrack, TrackFlag

from .builders import make_account, reload, tick_manual, track_at

pytestmark = pytest.mark.django_db


def _ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def _history(tenant, account) -> tuple[JourneyTrack, JourneyTrack]:
    """A core track stalled in onboarding, ticked, moved on and stalled again; an add-on that moves and ends."""
    core = track_at(tenant, account, days_ago=200)
    addon = track_at(tenant, account, days_ago=150, name="Add-on")
    with scope(tenant=tenant):
        tick_manual(tenant, core)
        services.track_transition(track=core, to_stage="adoption", by=None, override_reason="Live", at=_ago(120))
        services.track_transition(track=addon, to_stage="adoption", by=None, override_reason="Live", at=_ago(100))
        addon = reload(tenant, addon)
        tick_manual(tenant, addon)
        services.track_end(track=addon, by=None, reason_text="The add-on was dropped", at=_ago(90))
    return reload(tenant, core), reload(tenant, addon)


def _judged(track: JourneyTrack) -> tuple:
    return (track.stage, track.status, track.status_reason, track.criteria_met, track.criteria_total)


def _flags(tenant, track: JourneyTrack) -> list[tuple]:
    with scope(tenant=tenant):
        return sorted(TrackFlag.objects.filter(tenant=tenant, track=track).values_list("kind", "status", "data"))


def test_a_deferred_replay_ends_as_judging_every_move_does(tenant_a):
    each = _history(tenant_a, make_account(tenant_a, 1, segment="product_led"))
    with scope(tenant=tenant_a), services.track_status_deferred():
        once = _history(tenant_a, make_account(tenant_a, 2, segment="product_led"))
        # Nothing judged yet inside the block: the core track, stalled in adoption, still reads as started.
        assert reload(tenant_a, once[0]).status_checked_at is None
    once = [reload(tenant_a, track) for track in once]
    assert _judged(once[0])[:2] == ("adoption", "stalled")
    for judged_each, judged_once in zip(each, once, strict=True):
        assert _judged(judged_once) == _judged(judged_each)
    # The ended add-on keeps its last stay's checklist count, judged on the day it ended.
    assert _judged(once[1])[1:3] == ("ended", "Ended: The add-on was dropped") and once[1].criteria_met > 0
    # One open stalled flag on the core track, as judging every move leaves; the ones moves cleared stay cleared.
    assert [f for f in _flags(tenant_a, once[0]) if f[1] == FlagStatus.OPEN] == [
        f for f in _flags(tenant_a, each[0]) if f[1] == FlagStatus.OPEN
    ]
    assert len([f for f in _flags(tenant_a, once[0]) if f[1] == FlagStatus.OPEN]) == 1


def test_a_failed_block_judges_nothing_and_a_nested_one_leaves_it_to_the_outer(tenant_a):
    account = make_account(tenant_a, 1, segment="product_led")
    with scope(tenant=tenant_a):
        with pytest.raises(RuntimeError), services.track_status_deferred():
            track = track_at(tenant_a, account, days_ago=45)
            raise RuntimeError("the replay failed")
        assert reload(tenant_a, track).status_checked_at is None
        with services.track_status_deferred():
            with services.track_status_deferred():
                other = track_at(tenant_a, account, days_ago=45, name="Add-on")
            assert reload(tenant_a, other).status_checked_at is None
        assert reload(tenant_a, other).status == "stalled"
    # Outside a block, a move is judged at once, as before.
    third = track_at(tenant_a, account, days_ago=45, name="Third")
    assert reload(tenant_a, third).status == "stalled"
