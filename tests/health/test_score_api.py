"""The health score API: snapshots, signals and people's health with their filters, recompute on
demand with the account's edit rule, and nothing of another tenant."""

import pytest
from django_scopes import scope

from core import tenant_time
from health.models import ContactHealth, HealthScore, SignalKind
from tenancy.models import Role

from .builders import book_account, health_story, person, used

pytestmark = pytest.mark.django_db

SCORES, SIGNALS, PEOPLE = "/api/v1/health-scores/", "/api/v1/health-signals/", "/api/v1/contact-health/"
RECOMPUTE = "/api/v1/health-scores/recompute/"


def test_scores_list_filters_by_account_day_and_band(tenant_a, alice, api_as):
    first = health_story(tenant_a, n=1, history_days=3)
    second = health_story(tenant_a, n=2, history_days=0)
    api = api_as(alice, tenant_a)
    today = tenant_time.today(tenant_a)
    everything = api.get(SCORES).json()
    assert everything["count"] == 5
    assert everything["results"][0]["day"] == today.isoformat()  # newest day first

    mine = api.get(SCORES, {"account": first.pk}).json()["results"]
    assert [row["account"] for row in mine] == [first.pk] * 4
    latest = mine[0]
    with scope(tenant=tenant_a):
        snapshot = HealthScore.objects.get(tenant=tenant_a, account=first, day=today)
    assert latest["score"] == snapshot.score and latest["explanation"] == snapshot.explanation
    assert latest["measures"]["active_seats"]["points"] == snapshot.measures["active_seats"]["points"]
    assert latest["model_version"] == 1

    on_today = api.get(SCORES, {"day": today.isoformat()}).json()["results"]
    assert {row["account"] for row in on_today} == {first.pk, second.pk}
    band = snapshot.band
    banded = api.get(SCORES, {"band": band, "day": today.isoformat()}).json()["results"]
    assert banded and all(row["band"] == band for row in banded)
    assert api.get(SCORES, {"band": "purple"}).status_code == 400

    detail = api.get(f"{SCORES}{snapshot.pk}/").json()
    assert detail["id"] == snapshot.pk and detail["day"] == today.isoformat()


def test_signals_list_filters_by_status_kind_and_account(tenant_a, alice, api_as):
    first = health_story(tenant_a, n=1, history_days=0)
    health_story(tenant_a, n=2, history_days=0)
    api = api_as(alice, tenant_a)
    signals = api.get(SIGNALS, {"status": "open"}).json()["results"]
    assert signals and all(s["status"] == "open" for s in signals)
    severities = [("high", "medium", "low", "opportunity").index(s["severity"]) for s in signals]
    assert severities == sorted(severities)  # the most severe first
    late = api.get(SIGNALS, {"kind": SignalKind.LATE_PAYMENT, "account": first.pk}).json()["results"]
    assert len(late) == 1 and late[0]["account"] == first.pk and "INV-9" in late[0]["message"]
    assert api.get(f"{SIGNALS}{late[0]['id']}/").json()["kind"] == SignalKind.LATE_PAYMENT
    assert api.get(SIGNALS, {"kind": "gossip"}).status_code == 400


def test_contact_health_lists_people_with_power_users_first(tenant_a, alice, api_as):
    acme = health_story(tenant_a, history_days=0)
    api = api_as(alice, tenant_a)
    people = api.get(PEOPLE, {"account": acme.pk}).json()["results"]
    assert len(people) == 3
    assert people[0]["is_power_user"] is True
    powered = api.get(PEOPLE, {"account": acme.pk, "is_power_user": "true"}).json()["results"]
    assert powered and all(p["is_power_user"] for p in powered)
    with scope(tenant=tenant_a):
        one = ContactHealth.objects.filter(tenant=tenant_a, account=acme).first()
    assert api.get(f"{PEOPLE}{one.pk}/").json()["contact"] == one.contact_id


def test_recompute_returns_todays_snapshot(tenant_a, alice, api_as):
    acme = book_account(tenant_a, 1)
    person(tenant_a, acme, "jane-1", "Jane Roe")
    used(tenant_a, "jane-1", days_ago=2, times=4)
    response = api_as(alice, tenant_a).post(RECOMPUTE, {"account": acme.pk}, format="json")
    assert response.status_code == 200
    body = response.json()
    with scope(tenant=tenant_a):
        snapshot = HealthScore.objects.get(tenant=tenant_a, account=acme)
        acme.refresh_from_db()
    assert body["id"] == snapshot.pk and body["day"] == tenant_time.today(tenant_a).isoformat()
    assert body["score"] == snapshot.score == acme.health_score
    assert body["band"] == acme.health_band


def test_recompute_needs_edit_on_the_account(tenant_a, bob, member_of, api_as):
    own, other = book_account(tenant_a, 1, owner=bob), book_account(tenant_a, 2)
    api = api_as(bob, tenant_a)
    assert api.post(RECOMPUTE, {"account": own.pk}, format="json").status_code == 200
    refused = api.post(RECOMPUTE, {"account": other.pk}, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    viewer = api_as(member_of(Role.VIEWER), tenant_a)
    assert viewer.post(RECOMPUTE, {"account": own.pk}, format="json").status_code == 403
    assert viewer.get(SCORES).status_code == 200
    with scope(tenant=tenant_a):
        assert list(HealthScore.objects.filter(tenant=tenant_a).values_list("account_id", flat=True)) == [own.pk]


def test_recompute_without_an_account_says_so(tenant_a, alice, api_as):
    response = api_as(alice, tenant_a).post(RECOMPUTE, {}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["account"]


def test_charlie_sees_nothing_of_tenant_a(tenant_a, tenant_b, charlie, api_as):
    acme = health_story(tenant_a, history_days=0)
    api = api_as(charlie, tenant_b)
    for url in (SCORES, SIGNALS, PEOPLE):
        assert api.get(url).json()["count"] == 0, url
        assert api.get(url, {"account": acme.pk}).json()["count"] == 0, url
    with scope(tenant=tenant_a):
        snapshot = HealthScore.objects.get(tenant=tenant_a, account=acme)
    missing = api.get(f"{SCORES}{snapshot.pk}/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    # Another tenant's account reads as one that exists nowhere, and is not scored.
    refused = api.post(RECOMPUTE, {"account": acme.pk}, format="json")
    assert refused.status_code == 400
    assert "does not exist" in refused.json()["error"]["fields"]["account"][0]
    with scope(tenant=tenant_a):
        assert HealthScore.objects.filter(tenant=tenant_a).count() == 1
