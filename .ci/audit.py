"""CI's dependency audit: pip-audit over requirements.lock, red only for a known vulnerability.

pip-audit asks a vulnerability service (PyPI's JSON API, or OSV) about each pinned package; it has
no offline database. Where the service cannot be reached (a machine that reaches only a package
mirror: PyPI's JSON API answers "not found" there and OSV does not resolve), the packages come back
skipped, and this says so plainly and passes: a network that is down is not a vulnerability. Set
AUDIT_REQUIRED=1 to make an audit that could not be done fail instead (for a release machine).

Also warns, without failing, when requirements.lock no longer matches the installed environment.
Usage: .venv/bin/python .ci/audit.py [requirements.lock]
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _lock_drift(lock: Path) -> list[str]:
    frozen = subprocess.run(  # noqa: S603 (a fixed command: this venv's pip)
        [str(BIN / "pip"), "freeze", "--exclude-editable"], capture_output=True, text=True, check=True
    ).stdout
    installed = {line.strip().lower() for line in frozen.splitlines() if line.strip()}
    locked = {line.strip().lower() for line in lock.read_text().splitlines() if line.strip() and line[0] != "#"}
    return sorted(installed ^ locked)


def main() -> int:
    lock = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "requirements.lock"
    drift = _lock_drift(lock)
    if drift:
        print(
            f"warning: {lock.name} differs from the installed environment ({', '.join(drift[:10])}"
            f"{' …' if len(drift) > 10 else ''}); refresh it as the README says."
        )
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        done = subprocess.run(  # noqa: S603 (a fixed command: this venv's pip-audit on our lock file)
            [
                str(BIN / "pip-audit"),
                "-r",
                str(lock),
                "--no-deps",
                "--disable-pip",
                "--progress-spinner",
                "off",
                "--timeout",
                "10",
                "-f",
                "json",
                "-o",
                str(report),
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
        if not report.exists():
            # pip-audit itself failed before auditing (e.g. the service's host does not resolve).
            reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return _not_done(f"pip-audit could not reach a vulnerability service ({reason[:300]})")
        dependencies = json.loads(report.read_text())["dependencies"]
    return verdict(dependencies, lock_name=lock.name)


def verdict(dependencies: list[dict], *, lock_name: str) -> int:
    """pip-audit's JSON report read out: 1 for a known vulnerability, else 0 (an audit not done says so)."""
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})")
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} pinned package(s) in {lock_name} have known vulnerabilities.")
        return 1
    if skipped and len(skipped) == len(dependencies):
        return _not_done(
            f"the vulnerability service answered for none of the {len(dependencies)} packages "
            f"(first: {skipped[0]['skip_reason']})"
        )
    if skipped:
        print(f"pip-audit: {len(skipped)} package(s) could not be audited: {', '.join(d['name'] for d in skipped)}")
    print(f"pip-audit: no known vulnerability in the {len(dependencies) - len(skipped)} packages audited.")
    return 0


def _not_done(why: str) -> int:
    print(f"pip-audit: AUDIT NOT DONE: {why}.")
    print("  This machine reaches no vulnerability service; run the audit where PyPI is reachable:")
    print("  .venv/bin/pip-audit -r requirements.lock --no-deps --disable-pip")
    return 1 if os.environ.get("AUDIT_REQUIRED") == "1" else 0


if __name__ == "__main__":
    sys.exit(main())
