"""Tasks that only the broker-loss test's worker loads (celery worker -I tests.deploy.worker_tasks)."""

import time
from pathlib import Path

from celery import shared_task


@shared_task(name="deploy_test.hold")
def hold(started: str, release: str) -> str:
    """Runs until the test says so: the task in progress when the broker goes away."""
    Path(started).touch()
    while not Path(release).exists():
        time.sleep(0.05)
    return "released"


@shared_task(name="deploy_test.ping")
def ping(done: str) -> None:
    """Leaves a file behind: the test sees the work done without a result backend."""
    Path(done).touch()
