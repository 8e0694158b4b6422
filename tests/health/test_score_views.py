"""The account health page, its card on the account page, a measure's drill-down, recompute on
demand and the signals page: what alice (admin), bob (CSM) and a viewer may see and do, and that
charlie (another tenant) gets 404."""

import pytest
from django.urls import reverse
from django_scopes import scope

from core import tenant_time
from health.models import HealthScore, HealthSignal, SignalKind, SignalStatus
from health.services import scores as scoring_services
from tenancy.models import Role

from .builders import book_account, health_story, person, record, used

pytestmark = pytest.mark.django_db


def health_url(acme) -> str:
    return reverse("health:account_health", kwargs={"account_id": acme.pk})


def measure_url(acme, key: str) -> str:
    return reverse("health:measure_events", kwargs={"account_id": acme.pk, "measure_key": key})


def test_health_page_shows_score_explanation_trend_measures_signals_and_people(tenant_a, alice, login):
    acme = health_story(tenant_a)
    with scope(tenant=tenant_a):
        latest = HealthScore.objects.filter(tenant=tenant_a, account=acme).latest("day")
        days = HealthScore.objects.filter(tenant=tenant_a, account=acme).count()
    response = login(alice).get(health_url(acme))
    assert response.status_code == 200
    body = response.content.decode()
    assert latest.explanation and latest.explanation in body
    assert f'data-testid="health-score">{latest.score}<' in body
    assert 'id="health-trend"' in body
    chart = response.context["chart"]
    assert len(chart["days"]) == days == 15
    assert chart["scores"][-1] == latest.score
    assert (chart["green_from"], chart["yellow_from"]) == (70, 40)
    # Every measure links to its rows; the ones without data say they were left out.
    assert measure_url(acme, "active_seats") in body
    assert "no data — left out" in body  # no meetings: relationship measures have no data
    families = {f.key: f for f in response.context["families"]}
    assert families["relationship"].rows and families["adoption"].rows
    with_data = [r for f in families.values() for r in f.rows if r.has_data]
    # Contributions add up to the score (each is rounded to a tenth).
    assert abs(sum(r.contribution for r in with_data) - latest.score) < 1
    # Olga was the heaviest user and is gone 40 days: an open signal, and the people table says so.
    assert "Olga Gone" in body and "power user" in body
    kinds = {s.kind for s in response.context["signals"]}
    assert {SignalKind.POWER_USER_INACTIVE, SignalKind.NPS_DETRACTOR, SignalKind.LATE_PAYMENT} <= kinds
    assert "Recompute now" in body


def test_health_page_without_a_snapshot_offers_the_recompute(tenant_a, alice, login):
    acme = book_account(tenant_a, 1)
    response = login(alice).get(health_url(acme))
    assert response.status_code == 200
    body = response.content.decode()
    assert "No health score yet" in body
    assert reverse("health:account_health_recompute", kwargs={"account_id": acme.pk}) in body
    assert 'id="health-trend"' not in body


def test_account_page_has_a_health_card_that_links_to_the_health_page(tenant_a, alice, login):
    acme = health_story(tenant_a, history_days=0)
    client = login(alice)
    page = client.get(reverse("accounts:account_detail", kwargs={"account_id": acme.pk})).content.decode()
    card_url = reverse("health:account_health_card", kwargs={"account_id": acme.pk})
    assert card_url in page and health_url(acme) in page
    with scope(tenant=tenant_a):
        acme.refresh_from_db()
        latest = HealthScore.objects.get(tenant=tenant_a, account=acme)
    assert f"{acme.health_score} · {acme.health_band}" in page
    card = client.get(card_url, HTTP_HX_REQUEST="true").content.decode()
    assert latest.explanation in card and "Health details" in card


def test_book_shows_the_health_band_and_sorts_by_score(tenant_a, alice, login):
    weak = health_story(tenant_a, n=1, history_days=0)
    strong = book_account(tenant_a, 2)
    with scope(tenant=tenant_a):
        person(tenant_a, strong, "fan-2", "Fan")
    for days_ago in range(0, 30, 3):
        used(tenant_a, "fan-2", days_ago=days_ago)
    with scope(tenant=tenant_a):
        scoring_services.account_recompute(account=strong)
        weak.refresh_from_db()
        strong.refresh_from_db()
    assert weak.health_score < strong.health_score
    client = login(alice)
    rows = client.get(reverse("accounts:index"), {"owner": "all", "sort": "-health"}).context["rows"]
    assert [a.pk for a, _ in rows] == [strong.pk, weak.pk]
    page = client.get(reverse("accounts:index"), {"owner": "all", "sort": "health"})
    assert [a.pk for a, _ in page.context["rows"]] == [weak.pk, strong.pk]
    assert f"{weak.health_score} · {weak.health_band}" in page.content.decode()


def test_charlie_gets_404_on_every_health_page_of_tenant_a(tenant_a, charlie, login):
    acme = health_story(tenant_a, history_days=0)
    client = login(charlie)
    for url in (
        health_url(acme),
        measure_url(acme, "active_seats"),
        reverse("health:account_health_card", kwargs={"account_id": acme.pk}),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Account 001" not in response.content.decode()
    response = client.post(reverse("health:account_health_recompute", kwargs={"account_id": acme.pk}))
    assert response.status_code == 404
    signals = client.get(reverse("health:signal_list")).content.decode()
    assert "Account 001" not in signals


def test_drill_down_shows_the_rows_behind_each_measure(tenant_a, alice, login):
    acme = health_story(tenant_a, history_days=0)
    client = login(alice)

    seats = client.get(measure_url(acme, "active_seats"))
    people = [row["contact__name"] for row in seats.context["events"].rows]
    assert people == ["Jane Roe", "Sam Active"]  # Olga was active 40 days ago: outside the 30 days
    assert "2 of 10 seats active" in seats.content.decode()

    saturation = client.get(measure_url(acme, "seat_saturation")).context["events"]
    assert {row["contact__name"] for row in saturation.rows} == {"Jane Roe", "Sam Active", "Olga Gone"}

    power = client.get(measure_url(acme, "power_users")).context["events"]
    assert power.kind == "people"
    assert power.rows[0].contact.name == "Olga Gone" and power.rows[0].is_power_user

    breadth = client.get(measure_url(acme, "feature_breadth")).context["events"]
    assert {row["name"] for row in breadth.rows} == {"Report Created", "Dashboard Viewed"}

    tickets = client.get(measure_url(acme, "open_tickets")).context["events"]
    assert [t.subject for t in tickets.rows] == ["SSO down"]
    csat = client.get(measure_url(acme, "csat")).context["events"]
    assert [(t.subject, t.csat) for t in csat.rows] == [("Export slow", 2)]

    invoices = client.get(measure_url(acme, "late_payments")).context["events"]
    assert [(i.number, i.late_by_then, i.paid_by_then) for i in invoices.rows] == [("INV-9", 10, False)]

    nps = client.get(measure_url(acme, "nps"))
    assert [(a.score, a.contact.name) for a in nps.context["events"].rows] == [(3, "Jane Roe")]
    assert "Too slow" in nps.content.decode()

    meetings = client.get(measure_url(acme, "no_shows"))
    assert meetings.context["events"].rows == []
    assert "No data — left out of the score." in meetings.content.decode()

    assert client.get(measure_url(acme, "no_such_measure")).status_code == 404


def test_drill_down_of_usage_trends_compares_the_windows(tenant_a, alice, login):
    acme = health_story(tenant_a, history_days=0)
    change = login(alice).get(measure_url(acme, "engagement_change")).context["events"]
    assert change.kind == "event_usage_compared"
    report = next(row for row in change.rows if row["name"] == "Report Created")
    # Jane used it twice every other day: days 0, 2, 4, 6 in the last 7 and 8, 10, 12 in the 7 before.
    assert (report["events"], report["prior_points"] is not None) == (8, True)


def test_recompute_writes_todays_snapshot_and_says_the_new_score(tenant_a, alice, login):
    acme = book_account(tenant_a, 1)
    person(tenant_a, acme, "jane-1", "Jane Roe")
    used(tenant_a, "jane-1", days_ago=1, times=3)
    response = login(alice).post(
        reverse("health:account_health_recompute", kwargs={"account_id": acme.pk}), follow=True
    )
    assert response.redirect_chain[-1][0] == health_url(acme)
    with scope(tenant=tenant_a):
        snapshot = HealthScore.objects.get(tenant=tenant_a, account=acme)
    assert snapshot.day == tenant_time.today(tenant_a)
    message = str(next(iter(response.context["messages"])))
    assert message.startswith(f"Recomputed Account 001: health {snapshot.score} ({snapshot.band}).")
    assert snapshot.explanation in response.content.decode()


def test_recompute_without_data_says_there_is_no_score(tenant_a, alice, login):
    acme = book_account(tenant_a, 1)
    response = login(alice).post(
        reverse("health:account_health_recompute", kwargs={"account_id": acme.pk}), follow=True
    )
    assert "no measure has data yet" in str(next(iter(response.context["messages"])))


def test_csm_recomputes_only_the_accounts_they_own_and_a_viewer_none(tenant_a, bob, member_of, login):
    own = book_account(tenant_a, 1, owner=bob)
    other = book_account(tenant_a, 2)
    bob_client = login(bob)
    recompute = "health:account_health_recompute"
    assert bob_client.post(reverse(recompute, kwargs={"account_id": own.pk})).status_code == 302
    assert bob_client.post(reverse(recompute, kwargs={"account_id": other.pk})).status_code == 403
    assert "Recompute now" in bob_client.get(health_url(own)).content.decode()
    assert "Recompute now" not in bob_client.get(health_url(other)).content.decode()
    viewer = login(member_of(Role.VIEWER))
    assert viewer.get(health_url(own)).status_code == 200
    assert "Recompute now" not in viewer.get(health_url(own)).content.decode()
    assert viewer.post(reverse(recompute, kwargs={"account_id": own.pk})).status_code == 403
    with scope(tenant=tenant_a):
        assert list(HealthScore.objects.filter(tenant=tenant_a).values_list("account_id", flat=True)) == [own.pk]
    # The page itself takes no POST: the recompute has its own URL.
    assert bob_client.post(health_url(own)).status_code == 405


def test_signals_page_filters_and_links_to_the_account(tenant_a, alice, bob, login):
    mine = health_story(tenant_a, owner=bob, n=1, history_days=0)
    theirs = health_story(tenant_a, n=2, history_days=0)
    client = login(alice)
    response = client.get(reverse("health:signal_list"))
    signals = list(response.context["page"].object_list)
    assert {s.account_id for s in signals} == {mine.pk, theirs.pk}
    assert all(s.status == SignalStatus.OPEN for s in signals)
    ranks = [("high", "medium", "low", "opportunity").index(s.severity) for s in signals]
    assert ranks == sorted(ranks)
    assert health_url(mine) in response.content.decode()

    late = client.get(reverse("health:signal_list"), {"kind": SignalKind.LATE_PAYMENT}).context["page"]
    assert {s.kind for s in late.object_list} == {SignalKind.LATE_PAYMENT} and len(late.object_list) == 2
    high = client.get(reverse("health:signal_list"), {"severity": "high"}).context["page"]
    assert {s.severity for s in high.object_list} == {"high"}

    # Bob sees his own accounts first, and everyone's on asking.
    bob_client = login(bob)
    own = bob_client.get(reverse("health:signal_list")).context["page"].object_list
    assert {s.account_id for s in own} == {mine.pk}
    everyone = bob_client.get(reverse("health:signal_list"), {"owner": "all"}).context["page"].object_list
    assert {s.account_id for s in everyone} == {mine.pk, theirs.pk}


def test_signals_page_shows_resolved_ones_on_asking(tenant_a, alice, login):
    acme = health_story(tenant_a, history_days=0)
    # The account answers again as a promoter: the next recompute resolves the detractor signal.
    record(tenant_a, "nps", account=acme, score=10, responded_on=tenant_time.today(tenant_a))
    with scope(tenant=tenant_a):
        scoring_services.account_recompute(account=acme)
    client = login(alice)
    open_kinds = {s.kind for s in client.get(reverse("health:signal_list")).context["page"].object_list}
    assert SignalKind.NPS_DETRACTOR not in open_kinds
    resolved = client.get(reverse("health:signal_list"), {"status": "resolved"})
    assert [s.kind for s in resolved.context["page"].object_list] == [SignalKind.NPS_DETRACTOR]
    assert "resolved" in resolved.content.decode()


def test_signals_page_costs_the_same_for_5_rows_as_for_50(tenant_a, alice, login, django_assert_max_num_queries):
    client = login(alice)
    today = tenant_time.today(tenant_a)

    def detractors(start: int, count: int) -> None:
        ids = []
        for n in range(start, start + count):
            acme = book_account(tenant_a, n, owner=alice)
            record(tenant_a, "nps", account=acme, score=2, responded_on=today)
            ids.append(acme.pk)
        with scope(tenant=tenant_a):
            scoring_services.accounts_score_day(tenant=tenant_a, day=today, account_ids=ids)

    detractors(1, 5)
    client.get(reverse("health:signal_list"))  # sessions and caches warm
    with django_assert_max_num_queries(10) as few:
        assert len(client.get(reverse("health:signal_list")).context["page"].object_list) == 5
    detractors(6, 55)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(reverse("health:signal_list")).context["page"].object_list) == 50
    with scope(tenant=tenant_a):
        assert HealthSignal.objects.filter(tenant=tenant_a, status="open").count() == 60
