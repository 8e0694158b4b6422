"""Settings as an operator meets them: production checks, the in-process notice, the beat schedule."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from config.celery import app as celery_app
from tenancy.tasks import sessions_clear_expired

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "HTTPS_ONLY", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x" * 20 + "-production-only-9f8e7d6c5b4a3",
        ALLOWED_HOSTS="cs.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_in_production_is_flagged():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="true", ALLOWED_HOSTS="cs.example.com")
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_without_redis_the_app_says_once_that_tasks_run_in_process():
    result = _manage("check")
    assert result.stderr.count("REDIS_URL is not set; background tasks run in-process.") == 1


def test_beat_schedule_names_registered_tasks():
    celery_app.loader.import_default_modules()
    for entry in celery_app.conf.beat_schedule.values():
        assert entry["task"] in celery_app.tasks, entry["task"]


@pytest.mark.django_db
def test_expired_sessions_are_cleared():
    expired, current = SessionStore(), SessionStore()
    expired.create()
    current.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timezone.timedelta(days=1)
    )
    sessions_clear_expired.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == [current.session_key]
