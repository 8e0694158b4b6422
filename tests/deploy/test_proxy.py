"""Caddy in front of gunicorn: slow clients wait on Caddy, never on a worker; only Caddy says "https"."""

import http.client
import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .stack import CADDYFILE, SlowClients, binary, free_port, get, start_caddy, start_gunicorn, stop, wait_for_port

SLOW_CLIENTS = 20
# The issue asks for an answer within 1 s; a few seconds on the client keeps a loaded CI machine
# from failing it, while a starved worker (30 s gunicorn timeout) still fails it plainly.
ANSWER_WITHIN = 10.0
HASHED_STATIC = "css/app.0123456789ab.css"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """gunicorn with 2 sync workers as in production (HTTPS only, one trusted proxy), Caddy in front."""
    home = tmp_path_factory.mktemp("stack")
    static_root = home / "static"
    (static_root / "css").mkdir(parents=True)
    (static_root / HASHED_STATIC).write_text("body { color: #222; }\n")
    gunicorn_port, caddy_port = free_port(), free_port()
    gunicorn = caddy = None
    with open(home / "gunicorn.log", "w") as gunicorn_log, open(home / "caddy.log", "w") as caddy_log:
        try:
            gunicorn = start_gunicorn(
                gunicorn_port,
                workers=2,
                log=gunicorn_log,
                # Behind Caddy terminating TLS: requests reach the views (and read their bodies).
                HTTPS_ONLY="false",
                TRUSTED_PROXY_COUNT="1",
                SECRET_KEY="deploy-test-only-" + "x" * 40,
            )
            caddy = start_caddy(
                caddy_port, upstream_port=gunicorn_port, static_root=static_root, home=home, log=caddy_log
            )
            wait_for_port(gunicorn, gunicorn_port)
            wait_for_port(caddy, caddy_port)
            # Ready end to end (a loaded machine may take a while to start both).
            get(caddy_port, "/login/", timeout=60)
            yield {"gunicorn": gunicorn_port, "caddy": caddy_port, "logs": home}
        finally:
            stop(caddy)
            stop(gunicorn)


def test_a_request_through_caddy_is_answered_while_slow_clients_are_open(stack):
    with SlowClients(stack["caddy"], SLOW_CLIENTS) as slow:
        try:
            response = get(stack["caddy"], "/login/", timeout=ANSWER_WITHIN)
        except TimeoutError:
            pytest.fail(f"no answer within {ANSWER_WITHIN} s while {SLOW_CLIENTS} slow clients were sending")
        assert response.status == 200
        slow.trickle()


def test_without_caddy_the_same_slow_clients_starve_the_workers(stack):
    # The control: straight to gunicorn, two slow clients are enough to take both sync workers.
    with SlowClients(stack["gunicorn"], SLOW_CLIENTS), pytest.raises(TimeoutError):
        get(stack["gunicorn"], "/login/", timeout=ANSWER_WITHIN)


@pytest.fixture
def caddy_to_echo(tmp_path):
    """Caddy (the project's Caddyfile) in front of a local server that answers with the headers it got."""

    class Echo(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps(dict(self.headers.items())).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    echo = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    caddy_port = free_port()
    caddy = None
    with open(tmp_path / "caddy.log", "w") as log:
        try:
            caddy = start_caddy(
                caddy_port, upstream_port=echo.server_address[1], static_root=tmp_path, home=tmp_path, log=log
            )
            wait_for_port(caddy, caddy_port)
            yield caddy_port
        finally:
            stop(caddy)
            echo.shutdown()
            echo.server_close()


def test_caddy_tells_the_app_the_real_scheme_and_client_whatever_the_client_claims(caddy_to_echo):
    response = get_json(
        caddy_to_echo, "/login/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.55"}
    )

    # Plain HTTP from 127.0.0.1: the claims are replaced, not passed on or appended to.
    assert response["X-Forwarded-Proto"] == "http"
    assert response["X-Forwarded-For"] == "127.0.0.1"


def get_json(port: int, path: str, *, headers: dict) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWER_WITHIN)
    connection.request("GET", path, headers=headers)
    body = connection.getresponse().read()
    connection.close()
    return json.loads(body)


def test_caddy_serves_static_files_itself(stack):
    response = get(stack["caddy"], f"/static/{HASHED_STATIC}", timeout=ANSWER_WITHIN)

    assert response.status == 200
    assert response.getheader("Cache-Control") == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("site_host", ["cs.example.com", "localhost"])
def test_the_caddyfile_is_valid(site_host, tmp_path):
    result = subprocess.run(
        [binary("caddy"), "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=dict(os.environ, SITE_HOST=site_host, HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data")),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "Valid configuration" in result.stdout + result.stderr
