"""Liveness and readiness for load balancers and compose: is the database and the broker reachable?"""

import os
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache


def _check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "backend": connection.vendor}
    except Exception as error:
        return {"ok": False, "backend": connection.vendor, "error": str(error)}


def _check_broker() -> dict:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        # The embedded default: the web server must be able to leave messages where the worker reads them.
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_out"])
        if folder.is_dir() and os.access(folder, os.W_OK):
            return {"ok": True, "backend": "filesystem", "detail": f"REDIS_URL is not set; tasks queue in {folder}."}
        return {"ok": False, "backend": "filesystem", "error": f"{folder} is not a writable folder."}
    if not url.startswith(("redis://", "rediss://")):
        return {"ok": True, "backend": "in-process", "detail": "REDIS_URL is not set; tasks run in-process."}
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
        return {"ok": True, "backend": "redis"}
    except redis.RedisError as error:
        return {"ok": False, "backend": "redis", "error": str(error)}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "failing", "checks": checks}, status=200 if healthy else 503)
