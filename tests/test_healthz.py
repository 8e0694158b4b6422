import pytest
from django.conf import settings

from config.settings import filesystem_broker_options

pytestmark = pytest.mark.django_db


def test_healthy_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["backend"] == ("redis" if settings.REDIS_URL else "in-process")


def test_503_names_the_failing_broker(client, settings):
    # Nothing listens on port 1: a real refused connection, not a mock.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_without_redis_the_broker_is_the_queue_folder(client, settings, tmp_path):
    # The embedded default: the web server leaves tasks as files where the worker beside it reads them.
    settings.CELERY_BROKER_URL = "filesystem://localhost/"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(tmp_path)
    broker = client.get("/healthz").json()["checks"]["broker"]
    assert (broker["ok"], broker["backend"]) == (True, "filesystem")
    assert str(tmp_path / "messages") in broker["detail"]

    (tmp_path / "messages").rmdir()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["error"] == f"{tmp_path / 'messages'} is not a writable folder."
