"""The health model API: versions listed and saved through the service (admins only, a broken rule a
400 naming the field), recompute runs started and followed, the backtest for leaders and admins,
and nothing of another tenant."""

import datetime as dt

import pytest
from django_scopes import scope

from accounts import services as account_services
from accounts.models import Account
from core import tenant_time
from health.models import HealthModel, RecomputeRun
from tenancy.models import Role

from .builders import account, people, save_model, send, uses

pytestmark = pytest.mark.django_db

MODELS, RUNS, BACKTEST = "/api/v1/health-models/", "/api/v1/recompute-runs/", "/api/v1/health-backtest/"
NEW_VERSION = {
    "segment": "",
    "measures": {"active_seats": {"weight": 60, "curve": [[0, 0], [0.5, 50], [0.8, 100]]}, "nps": {"weight": 40}},
    "green_from": 75,
    "yellow_from": 45,
    "power_user_share": 0.25,
    "note": "Seats count more",
}


def _models(tenant) -> list[HealthModel]:
    with scope(tenant=tenant):
        return list(HealthModel.objects.filter(tenant=tenant).order_by("segment", "version"))


def test_every_member_lists_versions_filtered_by_segment_and_current(
    tenant_a, bob, api_as, django_assert_max_num_queries
):
    first = save_model(tenant_a, weights={"active_seats": 100})
    smb = save_model(tenant_a, segment="smb", weights={"nps": 100}, green_from=80)
    second = save_model(tenant_a, weights={"active_seats": 50, "nps": 50})
    api = api_as(bob, tenant_a)

    with django_assert_max_num_queries(8):
        listed = api.get(MODELS).json()
    assert [row["id"] for row in listed["results"]] == [second.pk, first.pk, smb.pk]  # segment, newest first
    every = api.get(MODELS, {"segment": "all_segments"}).json()["results"]
    assert [(row["version"], row["is_current"]) for row in every] == [(2, True), (1, False)]
    assert [row["id"] for row in api.get(MODELS, {"segment": "smb"}).json()["results"]] == [smb.pk]
    current = api.get(MODELS, {"is_current": "true"}).json()["results"]
    assert {row["id"] for row in current} == {second.pk, smb.pk}
    assert api.get(MODELS, {"segment": "gold"}).status_code == 400

    detail = api.get(f"{MODELS}{smb.pk}/").json()
    assert (detail["segment"], detail["version"], detail["green_from"]) == ("smb", 1, 80)
    assert detail["measures"]["nps"]["weight"] == 100.0
    assert detail["power_user_share"] == 0.2


def test_an_admin_saves_a_new_version_and_the_old_one_stays_for_history(tenant_a, alice, api_as):
    old = save_model(tenant_a, weights={"active_seats": 100})
    api = api_as(alice, tenant_a)

    response = api.post(MODELS, NEW_VERSION, format="json")

    assert response.status_code == 201, response.json()
    saved = response.json()
    assert (saved["version"], saved["is_current"], saved["segment"]) == (2, True, "")
    assert saved["measures"]["active_seats"] == {"weight": 60.0, "curve": [[0, 0], [0.5, 50], [0.8, 100]]}
    assert saved["measures"]["nps"]["weight"] == 40.0 and len(saved["measures"]["nps"]["curve"]) >= 2
    assert (saved["green_from"], saved["yellow_from"], saved["power_user_share"]) == (75, 45, 0.25)
    assert (saved["note"], saved["created_by"]) == ("Seats count more", alice.pk)
    assert api.get(f"{MODELS}{old.pk}/").json()["is_current"] is False
    assert [(m.version, m.is_current) for m in _models(tenant_a)] == [(1, False), (2, True)]

    segment = api.post(MODELS, {**NEW_VERSION, "segment": "enterprise"}, format="json").json()
    assert (segment["segment"], segment["version"]) == ("enterprise", 1)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"measures": {"gossip": {"weight": 10}}}, ("measures", "gossip")),
        ({"measures": {"active_seats": {"weight": 150}}}, ("measures", "active_seats")),
        ({"measures": {"active_seats": {"weight": 50, "curve": [[0, 0], [1, 120]]}}}, ("measures", "active_seats")),
        ({"measures": {"active_seats": {"weight": 0}}}, ("measures",)),
        ({"green_from": 40, "yellow_from": 60}, ("green_from",)),
        ({"power_user_share": 2}, ("power_user_share",)),
        ({"segment": "gold"}, ("segment",)),
        ({"custom_measures": [{"label": "Plan", "source": "field", "name": "plan"}]}, ("custom_measures",)),
    ],
)
def test_a_broken_rule_is_a_400_naming_the_field(tenant_a, alice, api_as, change, field):
    response = api_as(alice, tenant_a).post(MODELS, {**NEW_VERSION, **change}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    found = error["fields"]
    for name in field:
        found = found[name]
    assert found
    assert error["message"].startswith(field[-1])
    assert not _models(tenant_a)


def test_only_admins_write_and_only_leaders_and_admins_read_the_backtest(tenant_a, bob, member_of, api_as):
    save_model(tenant_a, weights={"active_seats": 100})
    csm, leader = api_as(bob, tenant_a), api_as(member_of(Role.LEADER), tenant_a)

    for client in (csm, leader):
        assert client.post(MODELS, NEW_VERSION, format="json").status_code == 403
        assert client.post(RUNS).status_code == 403
        assert client.get(MODELS).status_code == 200
        assert client.get(RUNS).status_code == 200
    assert csm.get(BACKTEST).status_code == 403
    assert leader.get(BACKTEST).status_code == 200
    assert [(m.version, m.is_current) for m in _models(tenant_a)] == [(1, True)]
    with scope(tenant=tenant_a):
        assert not RecomputeRun.objects.filter(tenant=tenant_a).exists()


def test_another_tenants_versions_and_runs_are_not_found(tenant_a, alice, charlie, tenant_b, api_as):
    model = save_model(tenant_a, weights={"active_seats": 100})
    run = api_as(alice, tenant_a).post(RUNS).json()
    api = api_as(charlie, tenant_b)

    assert api.get(f"{MODELS}{model.pk}/").status_code == 404
    assert api.get(f"{RUNS}{run['id']}/").status_code == 404
    assert model.pk not in [row["id"] for row in api.get(MODELS).json()["results"]]
    assert api.get(RUNS).json()["count"] == 0


@pytest.mark.django_db(transaction=True)
def test_starting_a_run_returns_it_and_it_recomputes_every_active_account(tenant_a, alice, api_as):
    # Transactional: the batches are queued on commit, and run in-process in tests.
    for n in range(1, 4):
        account(tenant_a, n)
    api = api_as(alice, tenant_a)

    response = api.post(RUNS)

    assert response.status_code == 201
    run = response.json()
    today = tenant_time.today(tenant_a)
    assert (run["kind"], run["day"], run["requested_by"]) == ("manual", today.isoformat(), alice.pk)
    assert (run["status"], run["total_accounts"], run["done_accounts"], run["percent"]) == ("done", 3, 3, 100)
    assert run["total_batches"] == run["done_batches"] == 1 and run["finished_at"]
    assert api.get(f"{RUNS}{run['id']}/").json() == run
    assert [row["id"] for row in api.get(RUNS, {"kind": "manual"}).json()["results"]] == [run["id"]]
    assert api.get(RUNS, {"status": "running"}).json()["count"] == 0


def _churn(tenant, acct, on: dt.date) -> None:
    with scope(tenant=tenant):
        account_services.account_deactivate(account=acct, by=None)
        # Churned in the past: the service dates a churn today.
        Account.objects.filter(tenant=tenant, pk=acct.pk).update(churned_on=on)


def test_backtest_reports_each_horizon_and_the_lead_time(tenant_a, alice, api_as):
    # Score = active-seat points only: 2 of 10 seats is 20 (red), 8 of 10 is 100 (green).
    save_model(tenant_a, weights={"active_seats": 100}, green_from=70, yellow_from=40)
    today = tenant_time.today(tenant_a)
    churn_on = today - dt.timedelta(days=20)
    for n, active, outcome in [(1, 2, churn_on), (2, 8, today)]:
        acct = account(tenant_a, n, seats=10)
        used_on = outcome - dt.timedelta(days=35)
        send(tenant_a, [c for p in people(tenant_a, acct, active) for c in uses(p, "Report Created", used_on)])
        if n == 1:
            _churn(tenant_a, acct, churn_on)

    response = api_as(alice, tenant_a).get(BACKTEST)

    assert response.status_code == 200
    report = response.json()
    assert (report["today"], report["churned_accounts"], report["retained_accounts"]) == (today.isoformat(), 1, 1)
    assert [h["days"] for h in report["horizons"]] == [30, 60, 90]
    month = report["horizons"][0]
    assert (month["scored"], month["churned"], month["retained"], month["auc"]) == (2, 1, 1, 1.0)
    assert month["bands"] == [
        {"band": "green", "accounts": 1, "churned": 0, "rate": 0.0},
        {"band": "yellow", "accounts": 0, "churned": 0, "rate": None},
        {"band": "red", "accounts": 1, "churned": 1, "rate": 1.0},
    ]
    lead = report["lead_time"]
    # Seen from 35 days before the churn on; samples are the weekly grid from today (29 and 36 days before
    # the churn) and the horizons: red first at the 30-day horizon, the first sample whose window holds day 35.
    assert lead == {
        "churned": 1,
        "flagged": 1,
        "flagged_early": 0,
        "early_days": 60,
        "days": [30],
        "median": 30.0,
        "mean": 30.0,
        "sentence": "This model would have flagged 0 of 1 churn at least 60 days early.",
    }
