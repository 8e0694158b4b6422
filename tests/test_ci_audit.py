"""CI's dependency audit (.ci/audit.py) reads pip-audit's report: red for a vulnerability only."""

import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("ci_audit", Path(__file__).resolve().parent.parent / ".ci" / "audit.py")
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)

CLEAN = {"name": "django", "version": "5.2.20", "vulns": []}
VULNERABLE = {
    "name": "django",
    "version": "5.2.1",
    "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.2"], "aliases": [], "description": ""}],
}
SKIPPED = {"name": "celery", "skip_reason": "Dependency not found on PyPI and could not be audited: celery (5.7.0)"}


def test_a_known_vulnerability_fails_naming_the_package_and_the_fix(capsys):
    assert audit.verdict([VULNERABLE, CLEAN], lock_name="requirements.lock") == 1
    assert "VULNERABLE django 5.2.1: PYSEC-2025-1 (fixed in 5.2.2)" in capsys.readouterr().out


def test_a_clean_audit_passes_and_names_what_it_could_not_audit(capsys):
    assert audit.verdict([CLEAN, SKIPPED], lock_name="requirements.lock") == 0
    out = capsys.readouterr().out
    assert "1 package(s) could not be audited: celery" in out
    assert "no known vulnerability in the 1 packages audited" in out


@pytest.mark.parametrize(("required", "code"), [("", 0), ("1", 1)])
def test_an_unreachable_service_says_the_audit_was_not_done(capsys, monkeypatch, required, code):
    monkeypatch.setenv("AUDIT_REQUIRED", required)
    assert audit.verdict([SKIPPED], lock_name="requirements.lock") == code
    assert "AUDIT NOT DONE" in capsys.readouterr().out
