"""Health model pages: who may open them, saving a version, errors that name the measure and keep the
input, the preview backtest, the backtest report, and recompute runs with their progress."""

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scope

from accounts.models import Account
from core import tenant_time
from health.models import HealthModel, RecomputeRun
from health.scoring.measures import MEASURES
from health.services import scores as scoring
from tenancy.models import Role

from .builders import MODEL_EDIT, account, model_form_data, people, send, uses

pytestmark = pytest.mark.django_db


def _versions(tenant, segment: str = "") -> list[HealthModel]:
    with scope(tenant=tenant):
        return list(HealthModel.objects.filter(tenant=tenant, segment=segment).order_by("version"))


@pytest.mark.parametrize("url_name", ["health:model_edit", "health:recompute"])
def test_csm_and_viewer_may_not_configure(url_name, tenant_a, bob, member_of, login):
    url = reverse(url_name)
    for user in (bob, member_of(Role.VIEWER)):
        client = login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"action": "save"}).status_code == 403
    with scope(tenant=tenant_a):
        assert not RecomputeRun.objects.filter(tenant=tenant_a).exists()


def test_backtest_is_for_leaders_and_admins(tenant_a, alice, bob, member_of, login):
    url = reverse("health:backtest")
    assert login(bob).get(url).status_code == 403
    response = login(member_of(Role.LEADER)).get(url)
    assert response.status_code == 200
    assert "No account has an outcome yet" in response.content.decode()


def test_tabs_show_what_the_role_may_open(tenant_a, alice, member_of, login):
    admin_page = login(alice).get(reverse("health:index")).content.decode()
    assert "Health model" in admin_page and "Recompute" in admin_page and "Backtest" in admin_page
    leader_page = login(member_of(Role.LEADER)).get(reverse("health:index")).content.decode()
    assert "Backtest" in leader_page and "Health model" not in leader_page


def test_saving_makes_a_new_version_with_its_note(tenant_a, alice, login):
    client = login(alice)
    assert client.get(MODEL_EDIT).status_code == 200  # the defaults are version 1
    data = model_form_data(
        tenant_a, weight_active_seats=30, curve_active_seats="0:0, 0.5:50, 0.8:100", note="Seats count"
    )
    response = client.post(MODEL_EDIT, {**data, "action": "save"})
    assert response.status_code == 302
    versions = _versions(tenant_a)
    assert [v.version for v in versions] == [1, 2]
    latest = versions[-1]
    assert latest.is_current and latest.note == "Seats count" and latest.created_by == alice
    assert latest.measures["active_seats"] == {"weight": 30.0, "curve": [[0.0, 0.0], [0.5, 50.0], [0.8, 100.0]]}
    page = client.get(MODEL_EDIT).content.decode()
    assert "Seats count" in page and "Alice Admin" in page


def test_a_bad_curve_names_the_measure_and_keeps_what_was_typed(tenant_a, alice, login):
    client = login(alice)
    client.get(MODEL_EDIT)
    data = model_form_data(tenant_a, curve_csat="1:0, 3-40, 5:100", weight_nps=12, note="Try")
    response = client.post(MODEL_EDIT, {**data, "action": "save"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "CSAT: &#x27;3-40&#x27; is not a raw:points pair" in page
    assert 'value="1:0, 3-40, 5:100"' in page and 'name="weight_nps" value="12"' in page
    assert len(_versions(tenant_a)) == 1


def test_the_services_curve_rules_name_the_measure_on_the_page(tenant_a, alice, login):
    client = login(alice)
    client.get(MODEL_EDIT)
    for typed, said in (
        ("0.5:100", "Active seats: a curve needs at least two points."),
        ("0:0, 0.7:120", "Active seats: points on a curve are between 0 and 100."),
        ("0:0, 0:50, 1:100", "Active seats: each raw value appears once on the curve."),
    ):
        response = client.post(MODEL_EDIT, {**model_form_data(tenant_a, curve_active_seats=typed), "action": "save"})
        assert said in response.content.decode()
    assert len(_versions(tenant_a)) == 1


def test_a_service_error_lands_on_its_measure(tenant_a, alice, login):
    client = login(alice)
    client.get(MODEL_EDIT)
    zero = {f"weight_{m.key}": 0 for m in MEASURES}
    response = client.post(MODEL_EDIT, {**model_form_data(tenant_a, **zero), "action": "save"})
    assert "Give at least one measure a weight above 0." in response.content.decode()
    response = client.post(MODEL_EDIT, {**model_form_data(tenant_a, green_from=30, yellow_from=50), "action": "save"})
    assert "Bands need 0 &lt; yellow from &lt; green from" in response.content.decode()
    assert len(_versions(tenant_a)) == 1


def test_custom_measure_rules_are_parsed_and_bad_ones_explained(tenant_a, alice, login):
    client = login(alice)
    client.get(MODEL_EDIT)
    custom = {
        "custom-0-label": "Big book",
        "custom-0-source": "field",
        "custom-0-name": "seats_purchased",
        "custom-0-weight": "5",
        "custom-0-rules": ">= 100 : 100; >= 20 : 60",
    }
    bad = client.post(
        MODEL_EDIT, {**model_form_data(tenant_a), **custom, "custom-0-rules": "lots : 100", "action": "save"}
    )
    assert "Big book: &#x27;lots : 100&#x27; is not a rule like" in bad.content.decode()
    assert 'value="Big book"' in bad.content.decode()
    client.post(MODEL_EDIT, {**model_form_data(tenant_a), **custom, "action": "save"})
    latest = _versions(tenant_a)[-1]
    assert latest.custom_measures[0]["rules"] == [
        {"op": ">=", "value": 100.0, "points": 100.0},
        {"op": ">=", "value": 20.0, "points": 60.0},
    ]


def test_preview_backtests_the_unsaved_settings_next_to_the_current_model(tenant_a, alice, login):
    today = tenant_time.today(tenant_a)
    for n, active in [(1, 1), (2, 9)]:
        acct = account(tenant_a, n)
        days = [today - dt.timedelta(days=d) for d in range(100, 5, -5)]
        send(tenant_a, [c for p in people(tenant_a, acct, active) for c in uses(p, "Report Created", *days)])
    with scope(tenant=tenant_a):
        churner = Account.objects.get(tenant=tenant_a, external_id="ext-1")
        churner.status, churner.churned_on = "churned", today
        churner.save()
    client = login(alice)
    client.get(MODEL_EDIT)
    zero = {f"weight_{m.key}": 0 for m in MEASURES}
    data = model_form_data(tenant_a, **{**zero, "weight_active_seats": 50})
    response = client.post(MODEL_EDIT, {**data, "action": "preview"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "This model would have flagged 1 of 1 churn at least 60 days early." in page
    assert 'id="preview-table"' in page and 'name="weight_active_seats" value="50"' in page
    assert len(_versions(tenant_a)) == 1  # a preview saves nothing


def test_a_segment_model_can_be_saved_and_removed(tenant_a, alice, login):
    client = login(alice)
    url = reverse("health:model_edit", kwargs={"segment": "smb"})
    assert "scored with the all-segments model" in client.get(url).content.decode()
    client.post(url, {**model_form_data(tenant_a, note="SMB"), "action": "save"})
    assert [v.version for v in _versions(tenant_a, "smb")] == [1]
    with scope(tenant=tenant_a):
        assert scoring.health_model_current(tenant=tenant_a, segment="smb").note == "SMB"
    client.post(reverse("health:model_remove", kwargs={"segment": "smb"}))
    with scope(tenant=tenant_a):
        assert scoring.health_model_current(tenant=tenant_a, segment="smb").segment == ""


def test_an_old_version_of_another_tenant_is_not_found(tenant_a, alice, charlie, tenant_b, login):
    login(alice).get(MODEL_EDIT)
    theirs = _versions(tenant_a)[0]
    assert login(charlie).get(MODEL_EDIT, {"version": theirs.pk}).status_code == 404
    assert login(alice).get(MODEL_EDIT, {"version": theirs.pk}).status_code == 200


@pytest.mark.parametrize("version", ["abc", "¹", "1.5", "99999999999999999999999"])
def test_a_version_that_is_no_id_is_not_found(tenant_a, alice, login, version):
    assert login(alice).get(MODEL_EDIT, {"version": version}).status_code == 404


def test_recompute_button_starts_a_run_and_its_progress_reaches_100(
    tenant_a, alice, login, django_capture_on_commit_callbacks
):
    for n in range(1, 4):
        account(tenant_a, n)
    client = login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("health:recompute"))
    assert response.status_code == 302
    with scope(tenant=tenant_a):
        run = RecomputeRun.objects.get(tenant=tenant_a)
    assert (run.kind, run.total_accounts) == ("manual", 3)
    progress = client.get(reverse("health:recompute_progress", kwargs={"recompute_run_id": run.pk}))
    body = progress.content.decode()
    assert "100%" in body and "3 of 3 accounts" in body
    assert "hx-get" not in body  # done: the polling stops
    page = client.get(reverse("health:recompute")).content.decode()
    assert "On demand" in page and "Alice Admin" in page


def test_a_running_run_polls_its_progress(tenant_a, alice, login):
    with scope(tenant=tenant_a):
        run = RecomputeRun.objects.create(tenant=tenant_a, day=dt.date(2026, 9, 15), kind="manual", total_accounts=4)
    url = reverse("health:recompute_progress", kwargs={"recompute_run_id": run.pk})
    page = login(alice).get(reverse("health:recompute")).content.decode()
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 2s"' in page


def test_backtest_report_shows_bands_auc_and_the_chart(tenant_a, alice, login):
    today = tenant_time.today(tenant_a)
    for n, active in [(1, 1), (2, 9)]:
        acct = account(tenant_a, n)
        days = [today - dt.timedelta(days=d) for d in range(100, 5, -5)]
        send(tenant_a, [c for p in people(tenant_a, acct, active) for c in uses(p, "Report Created", *days)])
    with scope(tenant=tenant_a):
        Account.objects.filter(tenant=tenant_a, external_id="ext-1").update(status="churned", churned_on=today)
    page = login(alice).get(reverse("health:backtest")).content.decode()
    assert 'id="backtest-30"' in page and 'id="backtest-90"' in page
    assert "AUC 1.000" in page and "1 churned and 1 retained accounts" in page
    assert "would have flagged" in page and 'id="backtest-data"' in page
