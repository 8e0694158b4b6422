"""A Celery worker outlives its broker: Redis killed while a task runs, then back, and work goes on."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery

from .stack import ROOT, binary, free_port, stop, wait_for_port


def _wait_for(condition, *, within: float, what: str) -> None:
    """Poll for an event (a file, a log line), failing after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within} s")
        time.sleep(0.05)


def _start_redis(port: int, log) -> subprocess.Popen:
    process = subprocess.Popen(
        [binary("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_for_port(process, port)
    return process


@pytest.fixture
def redis_port():
    return free_port()


def test_the_worker_survives_losing_redis_while_a_task_runs(tmp_path, redis_port):
    url = f"redis://127.0.0.1:{redis_port}/0"
    # Publishing only: the test sees work done by the files the tasks leave, not through a result backend.
    # Not the current app: the rest of the suite's tasks must keep finding the project's app.
    client = Celery("deploy-test", broker=url, set_as_current=False)
    client.conf.broker_connection_retry_on_startup = True
    # The worker below reads the test settings, which take the queue's name from the environment.
    client.conf.task_default_queue = queue = f"broker-loss-{redis_port}"
    worker_log_path = tmp_path / "worker.log"
    started, release = tmp_path / "started", tmp_path / "release"
    redis = worker = None
    with open(tmp_path / "redis.log", "w") as redis_log, open(worker_log_path, "w") as worker_log:
        try:
            redis = _start_redis(redis_port, redis_log)
            environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
            environment.update(DJANGO_SETTINGS_MODULE="config.settings_test", REDIS_URL=url, POSTSALE_TEST_QUEUE=queue)
            worker = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery"),
                    *("-A", "config", "worker", "--pool", "prefork", "--concurrency", "2", "--loglevel", "INFO"),
                    *("--include", "tests.deploy.worker_tasks", "--hostname", f"broker-loss-{redis_port}@%h"),
                ],
                cwd=ROOT,
                env=environment,
                stdout=worker_log,
                stderr=subprocess.STDOUT,
            )
            before = tmp_path / "before"
            client.send_task("deploy_test.ping", args=[str(before)])
            _wait_for(before.exists, within=120, what="the worker's first task")

            # One task runs, the other pool slot is free; then Redis is gone.
            client.send_task("deploy_test.hold", args=[str(started), str(release)])
            _wait_for(started.exists, within=60, what="the task starting")
            redis.send_signal(signal.SIGKILL)
            redis.wait(timeout=30)

            def worker_noticed() -> bool:
                return bool(
                    re.search(r"[Cc]onnection to broker lost|Cannot connect to redis", worker_log_path.read_text())
                )

            _wait_for(worker_noticed, within=60, what="the worker noticing the broker was lost")
            redis = _start_redis(redis_port, redis_log)
            release.touch()

            after = tmp_path / "after"
            client.send_task("deploy_test.ping", args=[str(after)])
            _wait_for(lambda: after.exists() or worker.poll() is not None, within=120, what="the task after the loss")

            assert worker.poll() is None, "the worker exited"
            assert after.exists()
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait(timeout=30)
            stop(redis)
            client.close()
            print(Path(worker_log_path).read_text()[-6000:])
