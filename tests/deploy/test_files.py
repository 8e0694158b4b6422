"""The deployment files as an operator runs them: only Caddy faces clients, everything restarts."""

import configparser
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("postsale-*.service"))


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_only_caddy_publishes_ports(compose):
    published = {name for name, service in compose["services"].items() if service.get("ports")}

    assert published == {"caddy"}
    assert sorted(compose["services"]["caddy"]["ports"]) == ["443:443", "443:443/udp", "80:80"]


def test_caddy_serves_the_collected_static_files_and_proxies_to_web(compose):
    caddy, migrate = compose["services"]["caddy"], compose["services"]["migrate"]

    assert caddy["image"].startswith("caddy:")
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    assert "static:/srv/static:ro" in caddy["volumes"]
    assert caddy["environment"]["UPSTREAM"] == "web:8000"
    # The one-shot job refreshes the volume from the current image before Caddy starts.
    assert "static:/app/staticfiles" in migrate["volumes"]
    assert "collectstatic" in " ".join(migrate["command"])


def test_the_app_trusts_exactly_one_proxy_and_serves_https_only(compose):
    web = compose["services"]["web"]

    assert web["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    assert web["environment"]["HTTPS_ONLY"] == "true"


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return parser


def test_there_is_a_unit_for_web_worker_beat_and_caddy():
    assert [path.name for path in UNITS] == [
        "postsale-beat.service",
        "postsale-caddy.service",
        "postsale-web.service",
        "postsale-worker.service",
    ]


@pytest.mark.parametrize("path", UNITS, ids=lambda path: path.name)
def test_every_unit_restarts_always_and_reads_the_environment_file(path):
    service = _unit(path)["Service"]

    assert service["Restart"] == "always"
    assert service["EnvironmentFile"] == "/etc/postsale/postsale.env"
    assert service["ExecStart"].startswith("/opt/postsale/.venv/bin/")


def test_gunicorn_listens_on_loopback_only():
    exec_start = _unit(ROOT / "deploy" / "systemd" / "postsale-web.service")["Service"]["ExecStart"]

    assert "--bind 127.0.0.1:8000" in exec_start


def test_systemd_accepts_the_units():
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (the units' keys are checked above all the same)")
    result = subprocess.run(
        [analyze, "verify", "--man=no", *map(str, UNITS), str(ROOT / "deploy" / "systemd" / "postsale.target")],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, SYSTEMD_LOG_LEVEL="err"),
    )

    # The programs live under /opt/postsale on the server, not here: that is the only complaint allowed.
    complaints = [line for line in result.stderr.splitlines() if line and "is not executable" not in line]
    assert complaints == []
