"""Success plan pages: the account's plan (page and htmx partial), its forms with their permissions
and specific errors, and the book's objectives with filters at a constant query count."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django_scopes import scope

from core import tenant_time
from journeys.models import Measurement, Milestone, Objective, ObjectiveStatus
from journeys.services import plans as services
from tenancy.models import Role

from ..accounts.builders import make_account
from .builders import measure, objective, reload_objective

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def plan_url(account) -> str:
    return reverse("journeys:success_plan", kwargs={"account_id": account.pk})


def objective_data(**overrides) -> dict:
    data = {
        "title": "Close the books faster",
        "metric": "Invoice processing time",
        "unit": "hours",
        "baseline": "48",
        "target": "12",
        "due_on": "2027-03-31",
        "source": "ERP export",
        "calculation": "median hours from receipt to approval",
        "owner": "",
        "status": ObjectiveStatus.NOT_STARTED,
    }
    return data | overrides


@pytest.fixture
def acme(tenant_a, bob):
    return make_account(tenant_a, 1, owner=bob)


def test_the_plan_shows_objectives_measurements_chart_and_milestones(tenant_a, acme, alice, login):
    today = tenant_time.today(tenant_a)
    hours = objective(tenant_a, acme, owner=alice, due_on=today - dt.timedelta(days=3))
    measure(tenant_a, hours, 40, on=today - dt.timedelta(days=20))
    measure(tenant_a, hours, 30, on=today - dt.timedelta(days=5))
    with scope(tenant=tenant_a):
        services.milestone_create(tenant=tenant_a, account=acme, title="ERP connected", due_on=today - dt.timedelta(1))
        services.milestone_create(tenant=tenant_a, account=acme, title="First report", due_on=today + dt.timedelta(9))
        done = services.milestone_create(tenant=tenant_a, account=acme, title="Kick-off", due_on=today)
        services.milestone_complete(milestone=done, on=today)

    response = login(alice).get(plan_url(acme))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page and acme.get_absolute_url() in page
    assert reverse("journeys:account_journey", kwargs={"account_id": acme.pk}) in page
    assert "Invoice processing time (hours)" in page
    assert "48 → <strong>30</strong> → 12 hours" in page
    assert "50%" in page and 'aria-valuenow="50"' in page
    assert "Overdue since" in page  # due three days ago and not achieved
    assert "ERP export · median hours from receipt to approval" in page
    assert "Alice Admin" in page
    chart = json.loads(re.search(r'id="objective-\d+-chart" type="application/json">(.*?)</script>', page).group(1))
    assert chart["values"] == [40.0, 30.0] and chart["target"] == 12.0
    assert "vendor/chartjs/chart.umd.min.js" in page
    states = dict(re.findall(r'data-state="(\w+)">\s*<td>([^<]+)<', page))
    assert states == {"overdue": "ERP connected", "due": "First report", "done": "Kick-off"}
    assert "Add objective" in page  # alice is an admin


def test_htmx_gets_the_partial_that_the_journey_page_embeds(tenant_a, acme, alice, login):
    objective(tenant_a, acme)
    response = login(alice).get(plan_url(acme), HTTP_HX_CURRENT_URL="http://testserver/journeys/accounts/1/", **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and 'data-testid="success-plan"' in page
    # Forms in the partial come back to the page that embedded it.
    assert 'name="next" value="/journeys/accounts/1/"' in page


def test_an_empty_plan_says_what_a_success_plan_is_for(acme, alice, login):
    page = login(alice).get(plan_url(acme)).content.decode()
    assert "No success plan yet" in page and "how it will be measured" in page


def test_a_viewer_reads_but_may_not_change_the_plan(tenant_a, acme, member_of, login):
    hours = objective(tenant_a, acme)
    viewer = login(member_of(Role.VIEWER))
    page = viewer.get(plan_url(acme)).content.decode()
    assert "Close the books faster" in page and "Add objective" not in page and "Record</button>" not in page
    urls = [
        reverse("journeys:objective_create", kwargs={"account_id": acme.pk}),
        reverse("journeys:objective_edit", kwargs={"objective_id": hours.pk}),
        reverse("journeys:measurement_create", kwargs={"objective_id": hours.pk}),
        reverse("journeys:milestone_create", kwargs={"account_id": acme.pk}),
    ]
    for url in urls:
        assert viewer.post(url, objective_data()).status_code == 403, url
    with scope(tenant=tenant_a):
        assert Objective.objects.filter(tenant=tenant_a).count() == 1


def test_a_csm_changes_the_plans_of_their_own_accounts_only(tenant_a, acme, bob, alice, login):
    theirs = make_account(tenant_a, 2, owner=alice)
    hours = objective(tenant_a, theirs)
    step = measure(tenant_a, hours, 30)
    client = login(bob)
    assert client.post(reverse("journeys:objective_create", args=[theirs.pk]), objective_data()).status_code == 403
    assert client.post(reverse("journeys:measurement_create", args=[hours.pk]), {"value": "20"}).status_code == 403
    assert client.post(reverse("journeys:measurement_delete", args=[step.pk])).status_code == 403
    assert "Add objective" not in client.get(plan_url(theirs)).content.decode()

    response = client.post(reverse("journeys:objective_create", args=[acme.pk]), objective_data(owner=bob.pk))
    assert response.status_code == 302 and response.url == plan_url(acme)
    with scope(tenant=tenant_a):
        made = Objective.objects.get(tenant=tenant_a, account=acme)
    assert made.owner == bob and made.target == 12


def test_form_errors_name_the_field_and_the_reason(tenant_a, acme, bob, login):
    client = login(bob)
    url = reverse("journeys:objective_create", args=[acme.pk])
    response = client.post(url, objective_data(target="48"))
    assert response.status_code == 200
    assert response.context["form"].errors["target"] == [
        "The target must differ from the baseline, or there is nothing to achieve."
    ]
    missing = client.post(url, objective_data(metric="", baseline="many"))
    assert set(missing.context["form"].errors) == {"metric", "baseline"}

    hours = objective(tenant_a, acme)
    bad = client.post(reverse("journeys:measurement_create", args=[hours.pk]), {"value": "20", "measured_on": ""})
    assert list(bad.context["form"].errors) == ["measured_on"]
    with scope(tenant=tenant_a):
        assert not Objective.objects.filter(tenant=tenant_a).exclude(pk=hours.pk).exists()


@pytest.mark.parametrize("target", ["javascript:alert(document.cookie)", "https://evil.example/", "//evil.example/"])
def test_a_next_off_the_site_never_becomes_the_cancel_link(tenant_a, acme, bob, login, target):
    client = login(bob)
    hours = objective(tenant_a, acme)
    plan = plan_url(acme)
    for url in (
        reverse("journeys:objective_create", args=[acme.pk]),
        reverse("journeys:objective_edit", args=[hours.pk]),
        reverse("journeys:milestone_create", args=[acme.pk]),
    ):
        page = client.get(url, {"next": target}).content.decode()
        assert target not in page
        assert f'href="{plan}">Cancel</a>' in page
        invalid = client.post(url, {"next": target}).content.decode()
        assert target not in invalid
    ours = client.get(reverse("journeys:objective_create", args=[acme.pk]), {"next": "/journeys/accounts/7/"})
    assert 'href="/journeys/accounts/7/">Cancel</a>' in ours.content.decode()


def test_recording_and_deleting_measurements_from_the_page(tenant_a, acme, bob, login):
    hours = objective(tenant_a, acme)
    client = login(bob)
    record = reverse("journeys:measurement_create", args=[hours.pk])
    assert client.get(record).status_code == 200
    back = client.post(record, {"value": "30", "measured_on": "2026-11-02", "next": "/journeys/accounts/7/"})
    assert back.url == "/journeys/accounts/7/"
    elsewhere = client.post(record, {"value": "24", "measured_on": "2026-11-20", "next": "https://evil.example/"})
    assert elsewhere.url == plan_url(acme)  # never off-site
    hours = reload_objective(tenant_a, hours)
    assert hours.current == 24 and hours.progress == pytest.approx(2 / 3)
    with scope(tenant=tenant_a):
        latest = Measurement.objects.get(tenant=tenant_a, value=24)
    assert latest.by == bob
    client.post(reverse("journeys:measurement_delete", args=[latest.pk]))
    assert reload_objective(tenant_a, hours).current == 30
    assert client.get(reverse("journeys:measurement_delete", args=[latest.pk])).status_code == 405


def test_editing_and_deleting_an_objective(tenant_a, acme, bob, login):
    hours = objective(tenant_a, acme)
    client = login(bob)
    url = reverse("journeys:objective_edit", args=[hours.pk])
    form = client.get(url)
    assert form.context["form"].initial["metric"] == "Invoice processing time"
    client.post(url, objective_data(title="Faster month-end", status=ObjectiveStatus.AT_RISK))
    hours = reload_objective(tenant_a, hours)
    assert hours.title == "Faster month-end" and hours.status == ObjectiveStatus.AT_RISK
    client.post(reverse("journeys:objective_delete", args=[hours.pk]))
    with scope(tenant=tenant_a):
        assert not Objective.objects.filter(tenant=tenant_a).exists()


def test_milestones_are_added_edited_and_completed(tenant_a, acme, bob, login):
    hours = objective(tenant_a, acme)
    client = login(bob)
    create = reverse("journeys:milestone_create", args=[acme.pk])
    response = client.post(create, {"title": "ERP connected", "due_on": "2026-12-15", "objective": hours.pk})
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        step = Milestone.objects.get(tenant=tenant_a)
    assert step.objective == hours and step.done_on is None
    no_date = client.post(create, {"title": "Go-live"})
    assert list(no_date.context["form"].errors) == ["due_on"]

    client.post(reverse("journeys:milestone_edit", args=[step.pk]), {"title": "ERP live", "due_on": "2026-12-20"})
    client.post(reverse("journeys:milestone_done", args=[step.pk]))
    with scope(tenant=tenant_a):
        step.refresh_from_db()
    assert step.title == "ERP live" and step.objective is None and step.done_on == tenant_time.today(tenant_a)


def test_the_book_of_objectives_filters_and_costs_the_same_for_5_or_50(
    tenant_a, alice, bob, login, django_assert_max_num_queries
):
    today = tenant_time.today(tenant_a)
    mine = make_account(tenant_a, 1, owner=bob)
    other = make_account(tenant_a, 2, owner=alice)
    objective(tenant_a, mine, title="Late one", due_on=today - dt.timedelta(days=2), owner=bob)
    soon = objective(tenant_a, other, title="Soon one", due_on=today + dt.timedelta(days=10))
    objective(tenant_a, other, title="Far one", due_on=today + dt.timedelta(days=200))
    measure(tenant_a, soon, 12)  # achieved
    client = login(alice)
    url = reverse("journeys:objective_list")

    def titles(**params) -> list[str]:
        return [row.objective.title for row in client.get(url, params).context["rows"]]

    assert titles() == ["Late one", "Soon one", "Far one"]
    assert titles(overdue="on") == ["Late one"]
    assert titles(due_within=30) == ["Late one", "Soon one"]
    assert titles(status=ObjectiveStatus.ACHIEVED) == ["Soon one"]
    assert titles(csm=bob.pk) == ["Late one"] == titles(owner=bob.pk)
    assert client.get(url, {"due_within": "-3"}).context["form"].errors["due_within"]
    assert "No objective matches" in client.get(url, {"status": ObjectiveStatus.MISSED}).content.decode()
    page = client.get(url).content.decode()
    assert "Overdue since" in page and "100%" in page

    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for n in range(3, 50):
        objective(tenant_a, mine if n % 2 else other, title=f"Objective {n}", owner=alice)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["rows"]) == 50
