"""An SMTP server that never answers costs a worker EMAIL_TIMEOUT seconds, not for ever."""

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def silent_smtp_server():
    """Accepts connections and never sends the greeting; closes them only when the test is over."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    closing = threading.Event()

    def accept():
        while not closing.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)

    threading.Thread(target=accept, daemon=True).start()
    yield listener.getsockname()[1]
    closing.set()
    listener.close()
    for connection in accepted:
        connection.close()


def _send_test_email(port: int, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "EMAIL_TIMEOUT", "EMAIL_BACKEND")}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", "EMAIL_URL": f"smtp://127.0.0.1:{port}", **env})
    # The subprocess timeout only guards the suite: without EMAIL_TIMEOUT the send would wait for ever.
    return subprocess.run(
        [sys.executable, "manage.py", "sendtestemail", "someone@example.com"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_sending_to_a_server_that_never_greets_fails_after_email_timeout(silent_smtp_server):
    result = _send_test_email(silent_smtp_server, EMAIL_TIMEOUT="1")

    assert result.returncode != 0
    assert "TimeoutError" in result.stderr or "timed out" in result.stderr


def test_a_timeout_in_email_url_is_used_when_email_timeout_is_unset(silent_smtp_server):
    result = _send_test_email(silent_smtp_server, EMAIL_URL=f"smtp://127.0.0.1:{silent_smtp_server}?timeout=1")

    assert result.returncode != 0
    assert "TimeoutError" in result.stderr or "timed out" in result.stderr


def test_email_timeout_has_a_default(settings):
    assert settings.EMAIL_TIMEOUT == 20
