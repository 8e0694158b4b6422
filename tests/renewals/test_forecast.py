"""The forecast of a renewal: each rule's category and reason, the owner's override with its audit, the
leader's review inside the window, idempotent refreshes, and the health signals that trigger them.

Health scores are another app's data that the forecast reads: the scores are written with health's own
writers (health.services.score_writes, and accounts' account_health_update for the account's columns) on purpose,
to set exact figures; signals go through health's signals_sync, which announces them on commit like the
nightly run does."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scope

from accounts.services import account_health_update
from core.text import day
from health.models import HealthScore, HealthSignal, Severity, SignalKind
from health.services import score_writes as writing
from health.services.detection import Wanted, signals_sync
from health.services.scores import health_model_current
from renewals import services
from renewals.models import Contract, Forecast, ForecastChange, RenewalStatus
from renewals.services.forecast import renewals_refresh_forecast

from .builders import checkpoints_of, contract_for, make_account, reload_renewal, renewal_of, today_of

pytestmark = pytest.mark.django_db

COMMIT, BEST_CASE, AT_RISK = Forecast.COMMIT, Forecast.BEST_CASE, Forecast.AT_RISK


def health_is(tenant, account, score: int, band: str, *, delta_30: int | None = None) -> None:
    """Today's snapshot of `account` and the figures on the account, as health's recompute writes them."""
    with scope(tenant=tenant):
        model = health_model_current(tenant=tenant)
        snapshot = HealthScore(
            tenant=tenant,
            account_id=account.pk,
            day=today_of(tenant),
            model=model,
            score=score,
            band=band,
            measures={},
            delta_30=delta_30,
            explanation="",
            computed_at=timezone.now(),
        )
        writing.health_scores_upsert(tenant_id=tenant.pk, scores=[snapshot])
        account_health_update(tenant_id=tenant.pk, scores=[(account.pk, score, band)])


def signals_are(tenant, account, *wanted: tuple[str, str, str], data: dict | None = None) -> None:
    """Make the account's open signals exactly these (kind, severity, message), as the nightly run does."""
    with scope(tenant=tenant):
        signals_sync(
            tenant=tenant,
            account_ids=[account.pk],
            wanted=[
                Wanted(
                    account.pk, kind, f"subject-{n}", severity, message, data=data if kind == "band_change" else None
                )
                for n, (kind, severity, message) in enumerate(wanted)
            ],
            today=today_of(tenant),
            cooldown_days={},
        )


def refreshed(tenant, contract):
    renewal = renewal_of(tenant, contract)
    with scope(tenant=tenant):
        services.renewal_refresh_forecast(renewal=renewal, today=today_of(tenant))
    return reload_renewal(tenant, renewal)


def changes(tenant, renewal) -> list[ForecastChange]:
    with scope(tenant=tenant):
        return list(ForecastChange.objects.filter(tenant=tenant, renewal=renewal).order_by("changed_at", "id"))


@pytest.fixture
def acme(tenant_a, bob):
    return make_account(tenant_a, 1, owner=bob)


@pytest.fixture
def contract(tenant_a, acme):
    # Far from the end, the runway still ahead: no checkpoint is overdue.
    return contract_for(tenant_a, acme, days_to_end=200)


@pytest.mark.parametrize(
    ("score", "band", "category"), [(78, "green", COMMIT), (55, "yellow", BEST_CASE), (34, "red", AT_RISK)]
)
def test_the_band_sets_the_starting_category(tenant_a, acme, contract, score, band, category):
    health_is(tenant_a, acme, score, band)
    renewal = refreshed(tenant_a, contract)
    assert (renewal.suggested_forecast, renewal.forecast) == (category, category)
    assert renewal.suggestion_reasons == [f"Health is {band} ({score})."]
    assert renewal.suggested_at is not None


def test_no_score_yet_is_best_case(tenant_a, contract):
    renewal = refreshed(tenant_a, contract)
    assert renewal.suggested_forecast == BEST_CASE
    assert renewal.suggestion_reasons == ["No health score yet."]


def test_a_falling_trend_takes_one_step_down(tenant_a, acme, contract):
    health_is(tenant_a, acme, 72, "green", delta_30=-14)
    renewal = refreshed(tenant_a, contract)
    assert renewal.suggested_forecast == BEST_CASE
    assert renewal.suggestion_reasons == ["Health is green (72).", "Health fell 14 points in 30 days (86 to 72)."]

    # Nine points is a wobble, not a trend.
    health_is(tenant_a, acme, 72, "green", delta_30=-9)
    assert refreshed(tenant_a, contract).suggested_forecast == COMMIT


def test_risk_signals_are_named_and_a_high_one_steps_down_once(tenant_a, acme, contract):
    health_is(tenant_a, acme, 80, "green")
    signals_are(tenant_a, acme, ("late_payment", Severity.MEDIUM, "Invoice INV-7 of 4,000 is 12 days late"))
    renewal = refreshed(tenant_a, contract)
    assert renewal.suggested_forecast == COMMIT
    assert renewal.suggestion_reasons == ["Health is green (80).", "Invoice INV-7 of 4,000 is 12 days late."]

    signals_are(
        tenant_a,
        acme,
        ("power_user_inactive", Severity.HIGH, "Power user Jane Roe inactive 23 days."),
        ("late_payment", Severity.HIGH, "Invoice INV-7 of 4,000 is 40 days late."),
    )
    renewal = refreshed(tenant_a, contract)
    # Two high signals, one step: commit to best case.
    assert renewal.suggested_forecast == BEST_CASE
    assert renewal.suggestion_reasons[1:] == [
        "Power user Jane Roe inactive 23 days.",
        "Invoice INV-7 of 4,000 is 40 days late.",
    ]


def test_three_risk_signals_make_it_at_risk(tenant_a, acme, contract):
    health_is(tenant_a, acme, 80, "green")
    signals_are(
        tenant_a,
        acme,
        ("nps_detractor", Severity.MEDIUM, "Jane Roe answered NPS 3."),
        ("ticket_spike", Severity.MEDIUM, "7 tickets this week, against a usual 1.5 a week."),
        ("score_drop", Severity.MEDIUM, "Health fell 16 points in 7 days (96 to 80)."),
    )
    renewal = refreshed(tenant_a, contract)
    assert renewal.suggested_forecast == AT_RISK
    assert len(renewal.suggestion_reasons) == 4


def test_a_band_change_counts_only_into_red_and_upside_never_raises(tenant_a, acme, contract):
    health_is(tenant_a, acme, 55, "yellow")
    signals_are(
        tenant_a,
        acme,
        ("band_change", Severity.MEDIUM, "Account 001 moved from green to yellow this week (health 55)."),
        ("expansion", Severity.OPPORTUNITY, "Seats at Account 001 are 92% used, with advanced features in use."),
        data={"from": "green", "to": "yellow"},
    )
    renewal = refreshed(tenant_a, contract)
    assert renewal.suggested_forecast == BEST_CASE
    assert renewal.suggestion_reasons == [
        "Health is yellow (55).",
        "Seats at Account 001 are 92% used, with advanced features in use.",
    ]

    signals_are(
        tenant_a,
        acme,
        ("band_change", Severity.HIGH, "Account 001 moved from yellow to red this week (health 34)."),
        data={"from": "yellow", "to": "red"},
    )
    health_is(tenant_a, acme, 34, "red")
    renewal = refreshed(tenant_a, contract)
    assert renewal.suggestion_reasons == [
        "Health is red (34).",
        "Account 001 moved from yellow to red this week (health 34).",
    ]
    assert renewal.suggested_forecast == AT_RISK


def test_overdue_checkpoints_step_down_until_done(tenant_a, acme, bob):
    # Known 200 days before the end, now 45 days out: T-120, T-90 and T-60 have passed undone.
    late = contract_for(tenant_a, acme, days_to_end=45, known_days_before_end=200)
    health_is(tenant_a, acme, 80, "green")
    renewal = refreshed(tenant_a, late)
    today = today_of(tenant_a)
    with scope(tenant=tenant_a):
        overdue = [c for c in checkpoints_of(tenant_a, renewal) if c.is_overdue(today)]
    assert [c.days_before for c in overdue] == [120, 90, 60]
    listed = ", ".join(f"{c.title} (due {day(c.due_on)})" for c in overdue)
    assert renewal.suggested_forecast == BEST_CASE
    assert renewal.suggestion_reasons == ["Health is green (80).", f"3 checkpoints overdue: {listed}."]

    with scope(tenant=tenant_a):
        for checkpoint in overdue:
            services.checkpoint_complete(checkpoint=checkpoint, by=bob)
    renewal = reload_renewal(tenant_a, renewal)
    assert renewal.suggested_forecast == COMMIT
    assert renewal.suggestion_reasons == ["Health is green (80)."]


def test_notice_of_cancellation_makes_it_at_risk(tenant_a, acme, contract, bob):
    health_is(tenant_a, acme, 90, "green")
    notice = today_of(tenant_a) - dt.timedelta(days=2)
    with scope(tenant=tenant_a):
        services.contract_cancel(contract=contract, cancelled_on=notice, note="Moving to a competitor", by=bob)
    renewal = reload_renewal(tenant_a, renewal_of(tenant_a, contract))
    assert renewal.forecast == AT_RISK
    assert renewal.suggestion_reasons[-1] == (f"Customer gave notice on {day(notice)}: Moving to a competitor.")


def test_an_override_stands_is_recorded_and_can_be_cleared(tenant_a, acme, contract, bob):
    health_is(tenant_a, acme, 34, "red")
    renewal = refreshed(tenant_a, contract)
    with scope(tenant=tenant_a):
        services.renewal_set_forecast(renewal=renewal, category=COMMIT, by=bob, reason="Signed PO expected next week")
    renewal = reload_renewal(tenant_a, renewal)
    assert (renewal.forecast, renewal.suggested_forecast, renewal.is_override) == (COMMIT, AT_RISK, True)
    assert renewal.override_reason == "Signed PO expected next week"

    # The data moving does not move an override.
    health_is(tenant_a, acme, 60, "yellow")
    renewal = refreshed(tenant_a, contract)
    assert (renewal.forecast, renewal.suggested_forecast) == (COMMIT, BEST_CASE)

    with scope(tenant=tenant_a):
        services.renewal_clear_override(renewal=renewal, by=bob)
    renewal = reload_renewal(tenant_a, renewal)
    assert (renewal.forecast, renewal.is_override, renewal.override_reason) == (BEST_CASE, False, "")

    history = [
        (c.from_category, c.to_category, c.suggested, c.is_override, c.by, c.reason) for c in changes(tenant_a, renewal)
    ]
    assert history[-4:] == [
        (BEST_CASE, AT_RISK, AT_RISK, False, None, ""),  # the red score
        (AT_RISK, COMMIT, AT_RISK, True, bob, "Signed PO expected next week"),
        (COMMIT, COMMIT, BEST_CASE, True, None, ""),  # the suggestion moved under the override
        (COMMIT, BEST_CASE, BEST_CASE, False, bob, "Override cleared: back to the data."),
    ]
    assert changes(tenant_a, renewal)[-2].reasons == ["Health is yellow (60)."]


def test_an_override_needs_a_reason_and_an_open_renewal(tenant_a, acme, contract, alice):
    renewal = refreshed(tenant_a, contract)
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        services.renewal_set_forecast(renewal=renewal, category=COMMIT, by=alice, reason="  ")
    assert refused.value.message_dict == {"reason": ["Say why the forecast is commit when the data says best case."]}
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        services.renewal_set_forecast(renewal=renewal, category="maybe", by=alice, reason="Gut feeling")
    assert "category" in refused.value.message_dict
    assert len(changes(tenant_a, renewal)) == 1  # only the first suggestion

    with scope(tenant=tenant_a):
        services.renewal_close(renewal=renewal, outcome="renewed", by=alice, new_arr=Decimal(50_000))
    renewal = reload_renewal(tenant_a, renewal)
    assert renewal.status == RenewalStatus.CLOSED
    with scope(tenant=tenant_a), pytest.raises(ValidationError) as refused:
        services.renewal_set_forecast(renewal=renewal, category=COMMIT, by=alice, reason="Renewed anyway")
    assert "no longer changes" in refused.value.message_dict["category"][0]
    # A closed renewal is not refreshed either.
    before = (renewal.suggested_at, len(changes(tenant_a, renewal)))
    health_is(tenant_a, acme, 20, "red")
    assert (refreshed(tenant_a, contract).suggested_at, len(changes(tenant_a, renewal))) == before


def test_a_disagreement_inside_the_window_is_flagged_for_review(tenant_a, acme, bob):
    late = contract_for(tenant_a, acme, days_to_end=45, known_days_before_end=200)
    health_is(tenant_a, acme, 34, "red")
    renewal = refreshed(tenant_a, late)
    with scope(tenant=tenant_a):
        services.renewal_set_forecast(renewal=renewal, category=COMMIT, by=bob, reason="Champion promised to sign")
    renewal = reload_renewal(tenant_a, renewal)
    assert renewal.needs_review
    assert renewal.review_reason == (
        "Owner says commit, the data says at risk 45 days before the end: health red (34); 3 checkpoints overdue."
    )


def test_no_flag_outside_the_window_or_when_they_agree(tenant_a, acme, contract, bob):
    health_is(tenant_a, acme, 34, "red")
    renewal = refreshed(tenant_a, contract)  # 200 days out
    with scope(tenant=tenant_a):
        services.renewal_set_forecast(renewal=renewal, category=COMMIT, by=bob, reason="Champion promised to sign")
    assert not reload_renewal(tenant_a, renewal).needs_review

    close = contract_for(tenant_a, make_account(tenant_a, 2, owner=bob), days_to_end=30)
    renewal = refreshed(tenant_a, close)
    with scope(tenant=tenant_a):
        services.renewal_set_forecast(
            renewal=renewal, category=renewal.suggested_forecast, by=bob, reason="Agree with the data"
        )
    assert not reload_renewal(tenant_a, renewal).needs_review


def test_an_acknowledged_review_stays_quiet_until_something_changes(tenant_a, acme, bob, alice):
    late = contract_for(tenant_a, acme, days_to_end=40)
    health_is(tenant_a, acme, 34, "red")
    renewal = refreshed(tenant_a, late)
    with scope(tenant=tenant_a):
        with pytest.raises(ValidationError) as refused:
            services.renewal_review_acknowledge(renewal=renewal, by=alice)
        assert refused.value.message_dict == {"needs_review": ["This renewal is not flagged for review."]}
        services.renewal_set_forecast(renewal=renewal, category=COMMIT, by=bob, reason="Verbal yes from the CFO")
        services.renewal_review_acknowledge(renewal=renewal, by=alice, note="Spoke to Bob; fine")
    renewal = reload_renewal(tenant_a, renewal)
    assert (renewal.needs_review, renewal.reviewed_by, renewal.reviewed_at is not None) == (False, alice, True)
    assert changes(tenant_a, renewal)[-1].reason == "Review acknowledged: Spoke to Bob; fine"

    # Nothing new: still acknowledged.
    renewal = refreshed(tenant_a, late)
    assert (renewal.needs_review, renewal.reviewed_by) == (False, alice)

    # The data moves (red to green, less the overdue checkpoints: best case, still not commit): flagged again.
    health_is(tenant_a, acme, 80, "green")
    renewal = refreshed(tenant_a, late)
    assert (renewal.needs_review, renewal.reviewed_by, renewal.reviewed_at) == (True, None, None)
    assert renewal.review_reason.startswith("Owner says commit, the data says best case 40 days before the end")


def test_a_refresh_with_nothing_new_records_nothing(tenant_a, acme, contract):
    health_is(tenant_a, acme, 34, "red")
    signals_are(tenant_a, acme, ("late_payment", Severity.HIGH, "Invoice INV-7 of 4,000 is 40 days late."))
    renewal = refreshed(tenant_a, contract)
    count = len(changes(tenant_a, renewal))
    for _ in range(2):
        refreshed(tenant_a, contract)
        with scope(tenant=tenant_a):
            renewals_refresh_forecast(tenant=tenant_a, today=today_of(tenant_a))
    assert len(changes(tenant_a, renewal)) == count


def test_the_nightly_refresh_costs_the_same_for_many_renewals(tenant_a, bob, django_assert_max_num_queries):
    def run() -> int:
        with scope(tenant=tenant_a):
            return renewals_refresh_forecast(tenant=tenant_a, today=today_of(tenant_a))

    first = make_account(tenant_a, 1, owner=bob)
    contract_for(tenant_a, first, days_to_end=45, known_days_before_end=200)
    health_is(tenant_a, first, 80, "green")
    # With nothing to record, two inserts fewer than below (the changes, and their forecast_changed news).
    with django_assert_max_num_queries(12) as one:
        assert run() == 1
    for n in range(2, 12):
        account = make_account(tenant_a, n, owner=bob)
        contract_for(tenant_a, account, days_to_end=30 + n, known_days_before_end=200)
        health_is(tenant_a, account, 40 + n, "yellow", delta_30=-n)
        signals_are(tenant_a, account, ("late_payment", Severity.HIGH, f"Invoice INV-{n} is {n} days late."))
    with django_assert_max_num_queries(len(one.captured_queries) + 2):
        assert run() == 11
    with scope(tenant=tenant_a):
        ninth = renewal_of(tenant_a, Contract.objects.get(tenant=tenant_a, account__external_id="ext-9"))
    assert ninth.suggested_forecast == AT_RISK
    assert "Invoice INV-9 is 9 days late." in ninth.suggestion_reasons


def test_a_closed_renewal_is_left_out_of_the_nightly_refresh(tenant_a, acme, contract, alice):
    renewal = renewal_of(tenant_a, contract)
    with scope(tenant=tenant_a):
        services.renewal_close(renewal=renewal, outcome="renewed", by=alice, new_arr=Decimal(50_000))
        # The next contract's renewal is open; the closed one is not refreshed.
        assert renewals_refresh_forecast(tenant=tenant_a, today=today_of(tenant_a)) == 1


def test_a_health_signal_refreshes_the_account_renewals(tenant_a, acme, contract, django_capture_on_commit_callbacks):
    health_is(tenant_a, acme, 80, "green")
    renewal = refreshed(tenant_a, contract)
    assert renewal.forecast == COMMIT
    with django_capture_on_commit_callbacks(execute=True):
        signals_are(tenant_a, acme, ("power_user_inactive", Severity.HIGH, "Power user Jane Roe inactive 23 days."))
    renewal = reload_renewal(tenant_a, renewal)
    assert renewal.forecast == BEST_CASE
    assert renewal.suggestion_reasons == ["Health is green (80).", "Power user Jane Roe inactive 23 days."]
    assert changes(tenant_a, renewal)[-1].reasons == renewal.suggestion_reasons

    # Resolved (the nightly run no longer wants it): back to commit.
    with django_capture_on_commit_callbacks(execute=True):
        signals_are(tenant_a, acme)
    renewal = reload_renewal(tenant_a, renewal)
    assert renewal.forecast == COMMIT


def test_the_real_scoring_run_reaches_the_forecast(tenant_a, django_capture_on_commit_callbacks):
    from ..health.builders import DAY, ago, jane_story, score_day

    acme, _jane, _others = jane_story(tenant_a)
    contract = contract_for(tenant_a, acme, days_to_end=200)
    score_day(tenant_a, ago(7), acme, detect=False)
    with django_capture_on_commit_callbacks(execute=True):
        score_day(tenant_a, DAY, acme)
    renewal = reload_renewal(tenant_a, renewal_of(tenant_a, contract))
    with scope(tenant=tenant_a):
        raised = {s.kind: s.message for s in HealthSignal.objects.filter(tenant=tenant_a, account=acme)}
    assert raised[SignalKind.POWER_USER_INACTIVE] in renewal.suggestion_reasons
    assert raised[SignalKind.SCORE_DROP] in renewal.suggestion_reasons
    # Yellow (54) is best case; Jane's high-severity silence takes it a step down.
    assert renewal.suggestion_reasons[0] == "Health is yellow (54)."
    assert renewal.forecast == AT_RISK
