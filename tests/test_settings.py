"""Settings as an operator meets them: production checks, the embedded default's broker and cache, the beat
schedule."""

import json
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
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env})
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


EMBEDDED = """
import json
from django.conf import settings
from django.core.cache import caches
print(json.dumps({
    "broker": settings.CELERY_BROKER_URL,
    "options": settings.CELERY_BROKER_TRANSPORT_OPTIONS,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "cache": type(caches["default"]).__name__,
    "cache_location": str(settings.CACHES["default"].get("LOCATION", "")),
}))
"""


def test_without_redis_the_embedded_default_queues_for_a_worker_and_shares_its_cache():
    result = _manage("shell", "--no-imports", "-c", EMBEDDED)
    assert result.returncode == 0, result.stderr
    embedded = json.loads(result.stdout)
    # Tasks go to the worker beside the web server, as files under var/, not into the request.
    assert (embedded["broker"], embedded["eager"]) == ("filesystem://localhost/", False)
    messages = ROOT / "var" / "celery" / "messages"
    assert embedded["options"]["data_folder_in"] == embedded["options"]["data_folder_out"] == str(messages)
    assert messages.is_dir()
    # A cache the web server and the worker both read: a folder, not each process's own memory.
    assert (embedded["cache"], embedded["cache_location"]) == ("FileBasedCache", str(ROOT / "var" / "cache"))
    assert "No hostname was supplied" not in result.stderr
    assert "run in-process" not in result.stderr


def test_without_redis_the_test_suite_runs_tasks_in_process():
    result = _manage("shell", "--no-imports", "-c", EMBEDDED, DJANGO_SETTINGS_MODULE="config.settings_test")
    assert result.returncode == 0, result.stderr
    embedded = json.loads(result.stdout)
    assert (embedded["broker"], embedded["eager"], embedded["cache"]) == ("memory://localhost/", True, "LocMemCache")
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
