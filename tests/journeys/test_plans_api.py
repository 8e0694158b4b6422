"""The success plan API: objectives with progress and current, measurements recorded through the
service, milestones; validation as 400s naming the field, edits by the account's owner, ids
limited to the tenant, and lists at a constant query count."""

import datetime as dt

import pytest
from django_scopes import scope

from journeys.models import Measurement, Objective, ObjectiveStatus
from tenancy.models import Role

from ..accounts.builders import make_account
from .builders import measure, objective, reload_objective

pytestmark = pytest.mark.django_db

OBJECTIVES, MEASUREMENTS, MILESTONES = "/api/v1/objectives/", "/api/v1/objective-measurements/", "/api/v1/milestones/"


def payload(account, **overrides) -> dict:
    body = {
        "account": account.pk,
        "title": "Close the books faster",
        "metric": "Invoice processing time",
        "unit": "hours",
        "baseline": "48.00",
        "target": "12.00",
        "due_on": "2027-03-31",
        "source": "ERP export",
        "calculation": "median hours from receipt to approval",
    }
    return body | overrides


@pytest.fixture
def acme(tenant_a, bob):
    return make_account(tenant_a, 1, owner=bob)


def test_create_an_objective_and_record_measurements(tenant_a, acme, bob, api_as):
    api = api_as(bob, tenant_a)
    created = api.post(OBJECTIVES, payload(acme, owner=bob.pk), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == ObjectiveStatus.NOT_STARTED and body["progress"] is None and body["owner"] == bob.pk
    assert body["account_name"] == acme.name

    first = api.post(MEASUREMENTS, {"objective": body["id"], "value": "30", "measured_on": "2026-11-01"}, format="json")
    assert first.status_code == 201 and first.json()["by"] == bob.pk
    older = {"objective": body["id"], "value": "44", "measured_on": "2026-10-01"}
    assert api.post(MEASUREMENTS, older, format="json").status_code == 201
    detail = api.get(f"{OBJECTIVES}{body['id']}/").json()
    assert detail["current"] == "30.00" and detail["current_on"] == "2026-11-01"
    assert detail["progress"] == pytest.approx(0.5) and detail["status"] == ObjectiveStatus.IN_PROGRESS

    history = api.get(MEASUREMENTS, {"objective": body["id"]}).json()["results"]
    assert [row["measured_on"] for row in history] == ["2026-10-01", "2026-11-01"]
    assert api.delete(f"{MEASUREMENTS}{first.json()['id']}/").status_code == 204
    assert api.get(f"{OBJECTIVES}{body['id']}/").json()["current"] == "44.00"  # falls back

    changed = api.patch(f"{OBJECTIVES}{body['id']}/", {"status": ObjectiveStatus.AT_RISK}, format="json")
    assert changed.status_code == 200 and changed.json()["status"] == ObjectiveStatus.AT_RISK
    assert api.delete(f"{OBJECTIVES}{body['id']}/").status_code == 204
    with scope(tenant=tenant_a):
        assert not Objective.objects.filter(tenant=tenant_a).exists()


def test_validation_errors_are_400s_that_name_the_field(tenant_a, acme, bob, api_as):
    api = api_as(bob, tenant_a)
    same = api.post(OBJECTIVES, payload(acme, target="48"), format="json")
    assert same.status_code == 400
    assert same.json()["error"]["fields"] == {
        "target": ["The target must differ from the baseline, or there is nothing to achieve."]
    }
    missing = api.post(OBJECTIVES, {"account": acme.pk, "title": "No metric"}, format="json").json()["error"]
    assert {"metric", "baseline", "target"} <= set(missing["fields"])
    hours = objective(tenant_a, acme)
    bad = api.post(MEASUREMENTS, {"objective": hours.pk, "value": "lots"}, format="json").json()["error"]
    assert set(bad["fields"]) == {"value", "measured_on"}
    moved = api.patch(f"{OBJECTIVES}{hours.pk}/", {"account": make_account(tenant_a, 2).pk}, format="json")
    assert moved.status_code == 400 and "account" in moved.json()["error"]["fields"]


def test_ids_are_limited_to_the_tenant(tenant_a, tenant_b, acme, alice, charlie, api_as):
    bravo_account = make_account(tenant_b, 9)
    bravo_objective = objective(tenant_b, bravo_account)
    api = api_as(alice, tenant_a)
    foreign = api.post(OBJECTIVES, payload(bravo_account), format="json")
    assert foreign.status_code == 400 and "account" in foreign.json()["error"]["fields"]
    stranger = api.post(OBJECTIVES, payload(acme, owner=charlie.pk), format="json")
    assert stranger.status_code == 400 and "owner" in stranger.json()["error"]["fields"]
    measured = api.post(
        MEASUREMENTS, {"objective": bravo_objective.pk, "value": "1", "measured_on": "2026-11-01"}, format="json"
    )
    assert measured.status_code == 400 and "objective" in measured.json()["error"]["fields"]
    step = api.post(
        MILESTONES, {"account": acme.pk, "objective": bravo_objective.pk, "title": "x", "due_on": "2026-12-01"}
    )
    assert step.status_code == 400 and "objective" in step.json()["error"]["fields"]
    # And charlie, from tenant B, sees nothing of tenant A.
    objective(tenant_a, acme)
    assert api_as(charlie, tenant_b).get(OBJECTIVES).json()["count"] == 1
    assert reload_objective(tenant_b, bravo_objective).current is None


def test_writes_follow_the_accounts_owner(tenant_a, acme, bob, alice, member_of, api_as):
    theirs = make_account(tenant_a, 2, owner=alice)
    # Bob owns the objective on alice's account, but the plan is alice's account's.
    on_theirs = objective(tenant_a, theirs, owner=bob)
    on_mine = objective(tenant_a, acme, owner=alice)
    api = api_as(bob, tenant_a)
    assert api.post(OBJECTIVES, payload(theirs), format="json").status_code == 403
    assert api.patch(f"{OBJECTIVES}{on_theirs.pk}/", {"title": "Mine now"}, format="json").status_code == 403
    record = {"objective": on_theirs.pk, "value": "30", "measured_on": "2026-11-01"}
    assert api.post(MEASUREMENTS, record, format="json").status_code == 403
    theirs_step = measure(tenant_a, on_theirs, 30)
    assert api.delete(f"{MEASUREMENTS}{theirs_step.pk}/").status_code == 403
    assert api.post(MILESTONES, {"account": theirs.pk, "title": "x", "due_on": "2026-12-01"}).status_code == 403
    # Alice owns the objective on bob's account; bob edits it because he owns the account.
    assert api.patch(f"{OBJECTIVES}{on_mine.pk}/", {"title": "Faster month-end"}, format="json").status_code == 200

    viewer = api_as(member_of(Role.VIEWER), tenant_a)
    assert viewer.get(OBJECTIVES).status_code == 200
    assert viewer.post(OBJECTIVES, payload(acme), format="json").status_code == 403
    assert viewer.delete(f"{OBJECTIVES}{on_mine.pk}/").status_code == 403
    with scope(tenant=tenant_a):
        assert Measurement.objects.filter(tenant=tenant_a).count() == 1


def test_objectives_filter_by_account_and_status(tenant_a, acme, alice, api_as):
    other = make_account(tenant_a, 2)
    done = objective(tenant_a, acme, title="Done")
    measure(tenant_a, done, 12)
    objective(tenant_a, acme, title="Open")
    objective(tenant_a, other, title="Elsewhere")
    api = api_as(alice, tenant_a)
    assert {o["title"] for o in api.get(OBJECTIVES, {"account": acme.pk}).json()["results"]} == {"Done", "Open"}
    achieved = api.get(OBJECTIVES, {"status": ObjectiveStatus.ACHIEVED}).json()["results"]
    assert [(o["title"], o["progress"]) for o in achieved] == [("Done", 1.0)]
    assert api.get(OBJECTIVES, {"status": "sort-of"}).status_code == 400


def test_milestones_are_created_completed_and_filtered(tenant_a, acme, bob, api_as):
    hours = objective(tenant_a, acme)
    api = api_as(bob, tenant_a)
    made = api.post(
        MILESTONES, {"account": acme.pk, "objective": hours.pk, "title": "ERP connected", "due_on": "2026-12-15"}
    )
    assert made.status_code == 201 and made.json()["done_on"] is None
    api.post(MILESTONES, {"account": acme.pk, "title": "Go-live", "due_on": "2026-12-20"})
    step = made.json()["id"]
    done = api.patch(f"{MILESTONES}{step}/", {"done_on": "2026-11-30"}, format="json")
    assert done.status_code == 200 and done.json()["done_on"] == "2026-11-30"
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    assert "done_on" in api.patch(f"{MILESTONES}{step}/", {"done_on": future}, format="json").json()["error"]["fields"]
    assert [m["title"] for m in api.get(MILESTONES, {"done": "false"}).json()["results"]] == ["Go-live"]
    assert [m["title"] for m in api.get(MILESTONES, {"objective": hours.pk}).json()["results"]] == ["ERP connected"]
    assert api.delete(f"{MILESTONES}{step}/").status_code == 204


def test_lists_cost_the_same_for_5_or_50(tenant_a, acme, alice, api_as, django_assert_max_num_queries):
    api = api_as(alice, tenant_a)

    def add(n: int) -> None:
        for i in range(n):
            target = objective(tenant_a, acme, title=f"Objective {i}", owner=alice)
            measure(tenant_a, target, 30)

    add(5)
    counts = {}
    for url in (OBJECTIVES, MEASUREMENTS):
        with django_assert_max_num_queries(20) as few:
            assert api.get(url).status_code == 200
        counts[url] = len(few.captured_queries)
    add(45)
    for url in (OBJECTIVES, MEASUREMENTS):
        with django_assert_max_num_queries(counts[url]):
            assert len(api.get(url).json()["results"]) == 50
