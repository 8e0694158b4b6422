"""The backtest report is built in the background: one build per tenant, models and day, its progress
shown on the page (polling, then a reload) and in the API (202 until ready), and a real worker builds it."""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_scopes import scope

from health.forms.model import HealthModelEditor
from health.services import backtest, backtest_jobs
from health.services import scores as scoring

from .builders import (
    BACKTEST_API,
    MODEL_EDIT,
    backtest_book,
    backtest_key,
    model_form_data,
    save_model,
    task_finished,
)

pytestmark = pytest.mark.django_db


def test_progress_hears_of_every_day_needed_once(tenant_a):
    today = backtest_book(tenant_a)
    heard = []
    with scope(tenant=tenant_a):
        backtest.backtest_run(
            tenant=tenant_a,
            model_for=scoring.health_models_in_effect(tenant=tenant_a),
            today=today,
            progress=lambda read, needed: heard.append((read, needed)),
        )
    needed = heard[-1][1]
    # Product data starts 55 days ago (the churned account's usage). Days on or after it: the retained
    # account's 30 days before today, the churn's 30 days before (50 ago) and its weekly samples 28, 35,
    # 42 and 49 days ago; each counted once.
    assert needed == 6
    assert heard[-1] == (needed, needed)
    assert [read for read, _ in heard] == sorted(read for read, _ in heard)
    assert {n for _, n in heard} == {needed}


def test_the_page_shows_the_build_and_reloads_when_it_is_done(tenant_a, alice, login):
    today = backtest_book(tenant_a)
    key = backtest_key(tenant_a, today)
    cache.add(f"{key}:progress", (3, 12))  # a build running on a worker, a quarter through
    client = login(alice)

    page = client.get(reverse("health:backtest")).content.decode()
    assert 'data-testid="backtest-progress"' in page and "3 of 12 days read" in page
    assert 'id="backtest-30"' not in page
    polled = client.get(reverse("health:backtest"), HTTP_HX_REQUEST="true")
    assert polled.status_code == 200 and "3 of 12 days read" in polled.content.decode()
    assert "<html" not in polled.content.decode()  # the progress card alone

    with scope(tenant=tenant_a):
        backtest_jobs.backtest_report_build(tenant=tenant_a, key=key, today=today)
    done = client.get(reverse("health:backtest"), HTTP_HX_REQUEST="true")
    assert done.headers.get("HX-Refresh") == "true"
    page = client.get(reverse("health:backtest")).content.decode()
    assert 'id="backtest-30"' in page and "backtest-progress" not in page
    assert cache.get(f"{key}:progress") is None


def test_the_api_answers_202_with_progress_until_the_report_is_built(tenant_a, alice, api_as):
    today = backtest_book(tenant_a)
    key = backtest_key(tenant_a, today)
    cache.add(f"{key}:progress", (0, 0))
    building = api_as(alice, tenant_a).get(BACKTEST_API)
    assert building.status_code == 202
    assert building.json() == {"status": "building", "days_read": 0, "days_needed": 0}

    with scope(tenant=tenant_a):
        backtest_jobs.backtest_report_build(tenant=tenant_a, key=key, today=today)
    built = api_as(alice, tenant_a).get(BACKTEST_API)
    assert built.status_code == 200
    assert (built.json()["churned_accounts"], built.json()["retained_accounts"]) == (1, 1)


def test_a_new_model_version_starts_a_new_report(tenant_a, alice, api_as):
    backtest_book(tenant_a)
    first = api_as(alice, tenant_a).get(BACKTEST_API).json()
    assert first["horizons"][0]["bands"][0]["accounts"] == 1  # the retained account is green at 100 points
    # A milder model: yellow from 10 points, so the churned account's 20 points are yellow, not red.
    save_model(tenant_a, weights={"active_seats": 100}, green_from=70, yellow_from=10)
    second = api_as(alice, tenant_a).get(BACKTEST_API).json()
    assert [b["accounts"] for b in first["horizons"][0]["bands"]] == [1, 0, 1]
    assert [b["accounts"] for b in second["horizons"][0]["bands"]] == [1, 1, 0]


def test_a_failed_build_lets_the_next_ask_try_again(tenant_a):
    today = backtest_book(tenant_a)
    key = backtest_key(tenant_a, today)
    with scope(tenant=tenant_a), pytest.raises(ValidationError):
        # A day the backtest cannot read: the build fails and leaves no progress behind to wait on.
        backtest_jobs.backtest_report_build(tenant=tenant_a, key=key, today="not a day")
    assert cache.get(f"{key}:progress") is None


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_report_the_api_asked_for(worker, finished_tasks, tenant_a, alice, api_as):
    backtest_book(tenant_a)
    first = api_as(alice, tenant_a).get(BACKTEST_API)
    if settings.REDIS_URL:
        assert first.status_code == 202  # the worker has it
        task_finished(finished_tasks, "health.tasks.backtest_report_task")
    else:
        assert first.status_code == 200  # built in-process on the first ask
    report = api_as(alice, tenant_a).get(BACKTEST_API)
    assert report.status_code == 200
    assert (report.json()["churned_accounts"], report.json()["retained_accounts"]) == (1, 1)
    assert report.json()["horizons"][0]["auc"] == 1.0


def test_the_editor_preview_is_built_in_the_background_and_polled(tenant_a, alice, charlie, tenant_b, login):
    today = backtest_book(tenant_a)
    client = login(alice)
    # Yellow from 10 points: the churned account's 20 points would be yellow, not red.
    data = {**model_form_data(tenant_a, yellow_from=10), "action": "preview"}
    with scope(tenant=tenant_a):
        editor = HealthModelEditor(data, model=scoring.health_model_current(tenant=tenant_a))
        assert editor.is_valid()
        digest = backtest_jobs.preview_digest(tenant=tenant_a, segment="", settings=editor.settings(), today=today)
    key = f"health:backtest-preview:{tenant_a.pk}:{digest}"
    cache.add(f"{key}:progress", (4, 16))  # a worker is building this very preview

    page = client.post(MODEL_EDIT, data).content.decode()
    assert 'data-testid="preview-progress"' in page and "4 of 16 days read" in page
    assert f"digest={digest}" in page and 'id="preview-table"' not in page
    poll = reverse("health:model_preview") + f"?digest={digest}"
    assert "4 of 16 days read" in client.get(poll).content.decode()

    with scope(tenant=tenant_a):
        backtest_jobs.backtest_preview_build(
            tenant=tenant_a, key=key, segment="", settings=backtest_jobs._as_json(editor.settings()), today=today
        )
    done = client.get(poll).content.decode()
    assert 'id="preview-table"' in done and "preview-progress" not in done
    assert "of 1 churn at least 60 days early" in done  # both sentences count the one churn
    # Another tenant's admin polling the same digest finds nothing of it.
    theirs = login(charlie).get(poll).content.decode()
    assert 'id="preview-table"' not in theirs and "finding the outcomes" in theirs


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_editor_preview(worker, finished_tasks, tenant_a, alice, login):
    backtest_book(tenant_a)
    client = login(alice)
    page = client.post(MODEL_EDIT, {**model_form_data(tenant_a, yellow_from=10), "action": "preview"}).content.decode()
    if settings.REDIS_URL:
        assert 'data-testid="preview-progress"' in page  # the worker has it
        digest = re.search(r"digest=([0-9a-f]+)", page).group(1)
        task_finished(finished_tasks, "health.tasks.backtest_preview_task")
        page = client.get(reverse("health:model_preview") + f"?digest={digest}").content.decode()
    assert 'id="preview-table"' in page
    assert "would have flagged" in page
