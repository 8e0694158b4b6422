"""Signals from the daily scoring: each fires once per kind and subject however often the day is
rerun, is refreshed rather than duplicated, resolves when its condition clears, stays quiet for its
cooldown, and is announced (signals_changed, raised or resolved) once, delivered after commit."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope

from accounts import services as account_services
from core.events import receives
from health.models import HealthSignal, SignalStatus
from health.services import detection
from health.signals import signals_changed

from .builders import (
    DAY,
    DEFAULT_WEIGHTS,
    account,
    ago,
    catalogue,
    jane_story,
    noon,
    open_signals,
    people,
    record,
    record_update,
    save_model,
    score_day,
    send,
    signals,
    track_on,
    uses,
)

pytestmark = pytest.mark.django_db

OPEN, RESOLVED = SignalStatus.OPEN, SignalStatus.RESOLVED


def later(days: int) -> dt.date:
    return DAY + dt.timedelta(days=days)


_heard: list[tuple[str, str, str]] = []


@receives(signals_changed)
def _on_signals_changed(*, tenant, raised, resolved):
    for what, ids in (("raised", raised), ("resolved", resolved)):
        for signal in HealthSignal.objects.filter(tenant=tenant, pk__in=ids).order_by("pk"):
            _heard.append((what, signal.kind, signal.subject))


@pytest.fixture
def announced():
    """(raised|resolved, kind, subject) of every signal delivered to a receiver, in order."""
    _heard.clear()
    yield _heard
    _heard.clear()


@pytest.fixture
def run(tenant_a, django_capture_on_commit_callbacks):
    """Score accounts for a day with signals, running what waits for the commit."""

    def score(day, *accounts):
        with django_capture_on_commit_callbacks(execute=True):
            return score_day(tenant_a, day, *accounts)

    return score


def test_a_rerun_of_the_day_raises_each_signal_once_and_announces_it_once(tenant_a, run, announced):
    acme, jane, _others = jane_story(tenant_a)
    score_day(tenant_a, ago(7), acme, detect=False)
    run(DAY, acme)
    run(DAY, acme)

    expected = [("band_change", "account"), ("power_user_inactive", f"contact:{jane.pk}"), ("score_drop", "account")]
    assert open_signals(tenant_a, acme) == expected
    assert len(signals(tenant_a, acme)) == 3
    assert sorted((kind, subject) for _what, kind, subject in announced) == expected
    assert {what for what, _k, _s in announced} == {"raised"}
    messages = {s.kind: s.message for s in signals(tenant_a, acme)}
    assert messages == {
        "power_user_inactive": "Power user Jane Roe at Account 001 inactive 23 days. Time for a check-in.",
        "score_drop": "Health at Account 001 fell 20 points in 7 days (74 to 54).",
        "band_change": "Account 001 moved from green to yellow this week (health 54).",
    }
    (inactive,) = signals(tenant_a, acme, kind="power_user_inactive")
    assert (inactive.contact_id, inactive.severity, inactive.raised_on) == (jane.pk, "high", DAY)


def test_the_power_user_back_resolves_the_signal_and_the_cooldown_keeps_it_quiet(tenant_a, run, announced):
    acme, jane, _others = jane_story(tenant_a)
    run(DAY, acme)
    subject = f"contact:{jane.pk}"
    assert ("power_user_inactive", subject) in open_signals(tenant_a, acme)

    send(tenant_a, uses(jane, "Report Created", later(1)))
    run(later(1), acme)
    (resolved,) = signals(tenant_a, acme, kind="power_user_inactive")
    assert resolved.status == RESOLVED and resolved.resolved_at is not None
    assert announced.count(("resolved", "power_user_inactive", subject)) == 1

    # 24 days after her return Jane is away again, but the signal resolved moments ago: within the
    # 14 days' cooldown, nothing is raised for her.
    run(later(25), acme)
    assert [s.status for s in signals(tenant_a, acme, kind="power_user_inactive") if s.subject == subject] == [RESOLVED]
    assert announced.count(("raised", "power_user_inactive", subject)) == 1

    # With no cooldown for the kind, the same day raises it anew.
    save_model(tenant_a, weights=DEFAULT_WEIGHTS, signal_cooldowns={"power_user_inactive": 0})
    run(later(25), acme)
    mine = [s for s in signals(tenant_a, acme, kind="power_user_inactive") if s.subject == subject]
    assert [s.status for s in mine] == [RESOLVED, OPEN]
    assert mine[1].message == "Power user Jane Roe at Account 001 inactive 24 days. Time for a check-in."
    assert announced.count(("raised", "power_user_inactive", subject)) == 2


def test_a_late_invoice_is_refreshed_each_day_and_resolved_once_paid(tenant_a, run, announced):
    acme = account(tenant_a, 1)
    invoice = record(
        tenant_a, "invoice", acme, external_id="i1", number="INV-7", amount=1000, issued_on=ago(40), due_on=ago(10)
    )
    run(DAY, acme)
    (first,) = signals(tenant_a, acme, kind="late_payment")
    assert first.subject == f"invoice:{invoice.pk}"
    assert first.message == "Invoice INV-7 at Account 001 is 10 days late (1,000 EUR unpaid)."

    run(later(1), acme)
    (refreshed,) = signals(tenant_a, acme, kind="late_payment")
    assert refreshed.pk == first.pk and refreshed.status == OPEN
    assert "is 11 days late" in refreshed.message
    assert refreshed.data["days"] == 11

    record_update(tenant_a, invoice, paid_on=later(2))
    run(later(2), acme)
    (paid,) = signals(tenant_a, acme, kind="late_payment")
    assert paid.pk == first.pk and paid.status == RESOLVED
    assert [what for what, kind, _s in announced if kind == "late_payment"] == ["raised", "resolved"]


def test_a_detractor_answer_is_raised_once_and_resolved_by_a_better_answer(tenant_a, run, announced):
    acme = account(tenant_a, 1)
    (jane,) = people(tenant_a, acme, 1, names=("Jane Roe",))
    answer = record(tenant_a, "nps", acme, external_id="n1", score=4, responded_on=dt.date(2026, 9, 5), contact=jane)
    run(DAY, acme)
    run(DAY, acme)
    (detractor,) = signals(tenant_a, acme, kind="nps_detractor")
    assert detractor.subject == f"nps:{answer.pk}"
    assert detractor.message == "Jane Roe at Account 001 answered NPS 4 (detractor) on 5 Sep 2026."

    record(tenant_a, "nps", acme, external_id="n2", score=9, responded_on=later(1), contact=jane)
    run(later(1), acme)
    assert signals(tenant_a, acme, kind="nps_detractor")[0].status == RESOLVED
    assert [what for what, kind, _s in announced if kind == "nps_detractor"] == ["raised", "resolved"]


def test_a_ticket_spike_is_raised_once_and_resolves_when_the_week_is_quiet(tenant_a, run, announced):
    acme = account(tenant_a, 1)
    for n, day in enumerate((ago(6), ago(3), ago(1)), start=1):
        record(
            tenant_a, "ticket", acme, external_id=f"t{n}", subject=f"Broken {n}", priority="p1" if n == 1 else "p3",
            opened_at=noon(day),
        )  # fmt: skip
    run(DAY, acme)
    run(DAY, acme)
    (spike,) = signals(tenant_a, acme, kind="ticket_spike")
    # 3 tickets in 7 days against none in the 90 before: 3 >= 3 and 3 >= 3 x 0.
    assert spike.message == "Account 001 opened 3 tickets in 7 days (1 P1), against a usual 0.0 a week."
    assert spike.severity == "high"

    run(later(7), acme)  # the last 7 days are now days +1..+7: no ticket opened
    assert signals(tenant_a, acme, kind="ticket_spike")[0].status == RESOLVED
    assert [what for what, kind, _s in announced if kind == "ticket_spike"] == ["raised", "resolved"]


def test_seat_saturation_with_advanced_use_is_an_expansion_signal_until_seats_are_added(tenant_a, run, announced):
    acme = account(tenant_a, 1, seats=10)
    catalogue(tenant_a, "Workflow Automated", is_advanced=True)
    crowd = people(tenant_a, acme, 9)
    send(
        tenant_a,
        [track_on(p, "Logged In", ago(3)) for p in crowd] + uses(crowd[0], "Workflow Automated", ago(2), ago(1)),
    )
    run(DAY, acme)
    run(DAY, acme)
    (expansion,) = signals(tenant_a, acme, kind="expansion")
    assert expansion.message == (
        "Account 001 uses 90% of its seats (9 of 10) and advanced features (2 uses in 30 days): ready to expand."
    )

    with scope(tenant=tenant_a):
        account_services.account_update(account=acme, by=None, seats_purchased=20)
    run(DAY, acme)  # 9 of 20 = 45%
    assert signals(tenant_a, acme, kind="expansion")[0].status == RESOLVED
    assert [what for what, kind, _s in announced if kind == "expansion"] == ["raised", "resolved"]


def test_saturation_without_advanced_use_is_no_expansion_signal(tenant_a, run):
    acme = account(tenant_a, 1, seats=10)
    send(tenant_a, [track_on(p, "Logged In", ago(3)) for p in people(tenant_a, acme, 9)])
    run(DAY, acme)
    assert signals(tenant_a, acme, kind="expansion") == []


def test_locked_feature_and_upgrade_page_interest_is_one_signal_that_lapses_after_14_days(tenant_a, run, announced):
    acme = account(tenant_a, 1)
    catalogue(tenant_a, "SSO Setup", is_locked=True)
    catalogue(tenant_a, "Pricing Page", is_upgrade_page=True)
    (p,) = people(tenant_a, acme, 1)
    send(tenant_a, uses(p, "SSO Setup", ago(13), ago(2)) + uses(p, "Pricing Page", ago(1)))
    run(DAY, acme)
    run(DAY, acme)
    (interest,) = signals(tenant_a, acme, kind="locked_feature")
    assert interest.message == (
        "People at Account 001 clicked locked features 2 times and visited the upgrade page once in 14 days."
    )
    assert interest.data == {"locked": 2, "upgrade": 1}

    run(later(13), acme)  # the 14 days are now days 0..+13: every click and visit is older
    assert signals(tenant_a, acme, kind="locked_feature")[0].status == RESOLVED
    assert [what for what, kind, _s in announced if kind == "locked_feature"] == ["raised", "resolved"]


def test_signals_of_accounts_not_rescored_are_left_alone(tenant_a, run):
    acme, jane, _others = jane_story(tenant_a)
    beta, _jane_b, _others_b = jane_story(tenant_a, 2)
    run(DAY, acme, beta)
    # Rescoring acme alone, with Jane back, resolves acme's signal and not beta's.
    send(tenant_a, uses(jane, "Report Created", later(1)))
    run(later(1), acme)
    assert signals(tenant_a, acme, kind="power_user_inactive")[0].status == RESOLVED
    assert signals(tenant_a, beta, kind="power_user_inactive")[0].status == OPEN


def test_new_signals_go_in_at_once_and_one_raised_elsewhere_meanwhile_is_skipped(tenant_a):
    first, second, third = (account(tenant_a, n) for n in range(1, 4))

    def signal(holder):
        return HealthSignal(
            tenant=tenant_a,
            account=holder,
            kind="band_change",
            subject="band_change",
            severity="medium",
            message="Band changed.",
            raised_on=timezone.localdate(),
        )

    with scope(tenant=tenant_a):
        theirs = signal(second)
        theirs.save()  # another worker on the same accounts raised this one a moment ago
        made = detection._signals_create([signal(first), signal(second), signal(third)])
        open_now = HealthSignal.objects.filter(tenant=tenant_a, status="open").order_by("account_id")
        assert [s.account_id for s in made] == [first.pk, third.pk]
        assert [s.pk for s in open_now] == [made[0].pk, theirs.pk, made[1].pk]
