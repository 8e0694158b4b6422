"""Chunked request bodies (Transfer-Encoding: chunked, no Content-Length) sent raw to a real gunicorn, and
through Caddy in front of it, as in production. The answers chosen need no database: a body read as empty
would be "not valid JSON"; read, it gets as far as the write key, or is refused as too large."""

import http.client
import json

import pytest

from health.ingestion.limits import MAX_REQUEST_BYTES
from tests.deploy.stack import free_port, get, start_caddy, start_gunicorn, stop, wait_for_port


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    home = tmp_path_factory.mktemp("chunked")
    (home / "static").mkdir()
    gunicorn_port, caddy_port = free_port(), free_port()
    gunicorn = caddy = None
    with open(home / "gunicorn.log", "w") as gunicorn_log, open(home / "caddy.log", "w") as caddy_log:
        try:
            gunicorn = start_gunicorn(
                gunicorn_port, workers=1, log=gunicorn_log, HTTPS_ONLY="false", SECRET_KEY="chunked-" + "x" * 50
            )
            caddy = start_caddy(
                caddy_port, upstream_port=gunicorn_port, static_root=home / "static", home=home, log=caddy_log
            )
            wait_for_port(gunicorn, gunicorn_port)
            wait_for_port(caddy, caddy_port)
            get(caddy_port, "/login/", timeout=60)
            yield {"gunicorn": gunicorn_port, "caddy": caddy_port}
        finally:
            stop(caddy)
            stop(gunicorn)


def _post_chunked(port: int, body: bytes) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    # An iterable body without a length: http.client sends it chunked, one chunk per piece.
    pieces = [body[i : i + 8192] for i in range(0, len(body), 8192)]
    connection.request(
        "POST", "/v1/batch", body=iter(pieces), headers={"Content-Type": "application/json"}, encode_chunked=True
    )
    response = connection.getresponse()
    answer = json.loads(response.read())
    connection.close()
    return response.status, answer


@pytest.mark.parametrize("via", ["gunicorn", "caddy"])
def test_a_chunked_body_is_read(servers, via):
    status, answer = _post_chunked(servers[via], json.dumps({"batch": []}).encode())
    assert (status, answer["error"]) == (
        401,
        "Send the write key as the HTTP Basic user name (empty password) or as writeKey.",
    )
    status, answer = _post_chunked(servers[via], b'{"writeKey": "psw_\\u0000", "batch": []}')
    assert (status, answer["error"]) == (401, "The write key is unknown or has been revoked.")


def test_a_chunked_body_past_the_limit_is_refused(servers):
    status, answer = _post_chunked(servers["gunicorn"], b"a" * (MAX_REQUEST_BYTES + 100_000))
    assert (status, answer["error"]) == (400, "The request is too large: at most 500 KB after decompression.")
