"""Journey analytics against the hand-computed fixture of builders.build_book (its docstring draws the
stays): seven tracks of four accounts in two segments."""

import datetime as dt
from collections import Counter

import pytest

from core import tenant_time
from journeys.selectors.analytics import analytics_csv_rows

from .builders import build_book, report_for


@pytest.fixture
def book(tenant_a, alice, bob):
    return build_book(tenant_a, alice=alice, bob=bob)


def stage(report, name):
    return next(s for s in report.stages if s.stage == name)


def test_stage_figures_match_the_hand_computation(book, tenant_a):
    report = report_for(tenant_a, date_from=book["start"].date())
    assert (report.tracks, report.accounts) == (7, 4)
    onboarding = stage(report, "onboarding")
    # 8 stays: 5 moved on (t1 20d, t1b 15d, t2 40d skip, t3 45d, t3b 60d), 3 open (t1b, t3, t4).
    assert (onboarding.entered, onboarding.closed, onboarding.moved_on, onboarding.still_there) == (8, 5, 5, 3)
    assert (onboarding.advanced, onboarding.skipped, onboarding.regressed) == (4, 1, 0)
    assert onboarding.completion_rate == 1.0
    assert onboarding.mean_days == 36.0  # (20 + 15 + 40 + 45 + 60) / 5
    assert onboarding.median_days == 40.0  # 15 20 [40] 45 60
    assert onboarding.skip_rate == 0.2  # 1 skip of 5 moves on
    assert onboarding.regression_rate == 0.0
    adoption = stage(report, "adoption")
    # 7 stays: t1 30d advance, t5 30d advance; t1b 10d, t3 10d, t3b 20d regress; t2 and t3b open.
    assert (adoption.entered, adoption.closed, adoption.moved_on, adoption.regressed) == (7, 5, 2, 3)
    assert (adoption.completion_rate, adoption.regression_rate, adoption.skip_rate) == (0.4, 0.6, 0.0)
    assert (adoption.mean_days, adoption.median_days, adoption.still_there) == (30.0, 30.0, 2)
    retention = stage(report, "retention")
    # 3 stays: t1 open, t2 10d regress, t5 10d ended: nothing moved on.
    assert (retention.entered, retention.closed, retention.moved_on, retention.still_there) == (3, 2, 0, 1)
    assert (retention.completion_rate, retention.regression_rate, retention.skip_rate) == (0.0, 0.5, None)
    assert retention.mean_days is None and retention.median_days is None
    expansion = stage(report, "expansion")
    assert (expansion.entered, expansion.closed, expansion.completion_rate) == (0, 0, None)
    overall = report.overall
    assert (overall.entered, overall.closed, overall.moved_on, overall.regressed, overall.still_there) == (
        18,
        12,
        7,
        4,
        6,
    )
    assert overall.completion_rate == round(7 / 12, 4)  # 0.5833
    assert overall.regression_rate == round(4 / 12, 4)  # 0.3333
    assert overall.skip_rate == round(1 / 7, 4)  # 0.1429
    assert overall.mean_days == 34.29  # 240 / 7
    assert overall.median_days == 30.0  # 15 20 30 [30] 40 45 60


def test_regression_reasons_counts_shares_and_other_texts(book, tenant_a):
    report = report_for(tenant_a, date_from=book["start"].date())
    assert report.regressions == 4
    assert [(r.reason, r.count, r.share) for r in report.reasons] == [
        ("other", 2, 0.5),
        ("budget_cut", 1, 0.25),
        ("champion_left", 1, 0.25),
    ]
    # The two texts differ only in case and a trailing space: one line, counted twice.
    assert report.reasons[0].texts == [{"text": "Reorg at customer", "count": 2}]
    assert report.reasons[1].texts == []


def test_breakdowns_by_segment_cohort_tier_and_csm(book, tenant_a, bob):
    report = report_for(tenant_a, date_from=book["start"].date())
    segments = {g.value: g.total for g in report.breakdown("segment")}
    assert list(segments) == ["mid_market", "smb"]  # the order of the segments, not of the rows
    smb = segments["smb"]
    # t1, t1b, t2: moved on 20, 15, 40 (onboarding) and 30 (adoption); t1b and t2 regressed.
    assert (smb.entered, smb.closed, smb.moved_on, smb.regressed, smb.skipped, smb.still_there) == (9, 6, 4, 2, 1, 3)
    assert (smb.completion_rate, smb.mean_days, smb.median_days) == (round(4 / 6, 4), 26.25, 25.0)
    mid = segments["mid_market"]
    # t3, t3b, t4, t5: moved on 45, 60 (onboarding), 30 (adoption); t3, t3b regressed; t5 ended.
    assert (mid.entered, mid.closed, mid.moved_on, mid.regressed, mid.still_there) == (9, 6, 3, 2, 3)
    assert (mid.completion_rate, mid.mean_days, mid.median_days) == (0.5, 45.0, 45.0)
    smb_onboarding = next(s for s in report.breakdown("segment")[1].stages if s.stage == "onboarding")
    assert (smb_onboarding.moved_on, smb_onboarding.median_days) == (3, 20.0)  # 15 [20] 40

    today = tenant_time.today(tenant_a)
    a4_cohort = f"{today.year}-Q{(today.month - 1) // 3 + 1}"  # no signing date: the quarter it was created in
    expected = Counter({"2026-Q1": 9})  # A1 (January) and A2 (February)
    expected["2026-Q2"] += 6  # A3 (April)
    expected[a4_cohort] += 3
    cohorts = {g.value: g.total.entered for g in report.breakdown("cohort")}
    assert cohorts == dict(expected)
    assert list(cohorts) == sorted(cohorts)

    csms = {g.label: g.total.entered for g in report.breakdown("csm")}
    # bob owns A1 (t1, t1b: 6 stays) and A3 (t3, t3b: 6); alice A2 (3); A4 has no owner (3).
    assert csms == {"Bob Csm": 12, "Alice Admin": 3, "No owner": 3}
    assert [g.label for g in report.breakdown("csm")][-1] == "No owner"
    tiers = {g.label: g.total.entered for g in report.breakdown("tier")}
    assert tiers == {"High touch": 6, "Low touch": 3, "Tech touch": 9}  # A3; A4; A1 and A2


def test_outcome_groups_by_path(book, tenant_a):
    report = report_for(tenant_a, date_from=book["start"].date())
    groups = {g.key: (g.accounts, g.churned, g.churn_rate, g.retention_rate) for g in report.outcomes}
    # A1 finished onboarding in 20 days (smb: up to 30), A3 in 45 (mid-market: up to 60): on time.
    assert groups["on_time"] == (2, 0, 0.0, 1.0)
    # A2 took 40 days (smb: up to 30) and churned.
    assert groups["late"] == (1, 1, 1.0, 0.0)
    # A4 is still onboarding (t4) and churned.
    assert groups["still_onboarding"] == (1, 1, 1.0, 0.0)
    # A1, A2 and A3 regressed at least once; of them A2 churned.
    assert groups["regressed"] == (3, 1, 0.3333, 0.6667)
    assert groups["not_regressed"] == (1, 1, 1.0, 0.0)
    # Only A2 skipped a stage.
    assert groups["skipped"] == (1, 1, 1.0, 0.0)
    assert groups["not_skipped"] == (3, 1, 0.3333, 0.6667)


def test_a_shorter_period_counts_what_moved_in_it(book, tenant_a):
    start = book["start"]
    report = report_for(
        tenant_a, date_from=(start + dt.timedelta(days=30)).date(), date_to=(start + dt.timedelta(days=50)).date()
    )
    onboarding = stage(report, "onboarding")
    # Entered: t1b (day 35) and t3b (day 30). Closed: t2 (skip, day 40) and t3 (advance, day 45), 40 and 45 days.
    # Still there at day 50: t1b, t3b (it moves on at day 90, after the period) and t4.
    assert (onboarding.entered, onboarding.closed, onboarding.moved_on, onboarding.still_there) == (2, 2, 2, 3)
    assert (onboarding.mean_days, onboarding.median_days, onboarding.skip_rate) == (42.5, 42.5, 0.5)
    # Regressions in the period: t1b (day 35, budget cut), t3b (day 30, other) and t2 (day 50, champion left).
    assert sorted(r.reason for r in report.reasons) == ["budget_cut", "champion_left", "other"]


def test_filters_narrow_the_accounts(book, tenant_a, bob):
    start = book["start"].date()
    smb = report_for(tenant_a, date_from=start, segment="smb")
    assert (smb.tracks, smb.overall.entered) == (3, 9)
    mine = report_for(tenant_a, date_from=start, csm_id=bob.pk)
    assert (mine.accounts, mine.overall.entered) == (2, 12)
    tech_touch = report_for(tenant_a, date_from=start, tier_id=book["a1"].service_tier_id)
    assert (tech_touch.accounts, tech_touch.overall.entered) == (2, 9)
    nobody = report_for(tenant_a, date_from=start, segment="enterprise")
    assert nobody.has_transitions and nobody.is_empty


def test_no_transitions_is_an_empty_report(tenant_a, tenant_b, book):
    report = report_for(tenant_b)
    assert not report.has_transitions and report.is_empty
    assert report.reasons == [] and report.outcomes == []


def test_csv_rows_hold_every_stage_and_dimension_value(book, tenant_a):
    rows = analytics_csv_rows(report_for(tenant_a, date_from=book["start"].date()))
    header = rows[0]
    assert header[:4] == ["section", "dimension", "value", "stage"]
    stage_rows = [r for r in rows if r[0] == "stage"]
    assert len(stage_rows) == 7  # all stages, then six
    segment_rows = [r for r in rows if r[0] == "breakdown" and r[1] == "segment"]
    assert len(segment_rows) == 2 * 7
    outcome = {r[2]: r for r in rows if r[0] == "outcome"}
    late = outcome["Finished onboarding late"]
    assert late[header.index("accounts")] == 1 and late[header.index("churn_rate")] == 1.0
