"""Dependency audit for scripts/test.sh: pip-audit over the installed environment.

Prints one line and exits 0 when the vulnerability database cannot be reached (this machine reaches
only the package registries: pip-audit then finds no package it can look up), or when no known
vulnerability is found; exits 1 and lists them when some are found. Run: python scripts/dependency_audit.py

``--reachable``: exits 0 when PyPI's JSON API answers with vulnerability data for a release it must
know (pip-audit's default database), else prints why the audit is skipped and exits 1; the test
script asks this before installing pip-audit (15 s of CI spent to learn the same).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path


PROBE = "https://pypi.org/pypi/pip/24.0/json"  # a release PyPI has; its answer carries "vulnerabilities"


def reachable() -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(PROBE, timeout=10) as answer:
            known = "vulnerabilities" in json.load(answer)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"dependency audit skipped: the vulnerability database is not reachable ({PROBE}: {exc})")
        return False
    if not known:
        print(f"dependency audit skipped: {PROBE} answered without vulnerability data")
    return known


def main() -> int:
    if sys.argv[1:] == ["--reachable"]:
        return 0 if reachable() else 1
    tool = Path(sys.executable).with_name("pip-audit")
    if not tool.exists() and not shutil.which("pip-audit"):
        print("dependency audit skipped: pip-audit is not installed (pip install pip-audit~=2.10.1)")
        return 0
    try:
        run = subprocess.run([str(tool) if tool.exists() else "pip-audit", "--progress-spinner", "off",
                              "--skip-editable", "--format", "json"], capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        print("dependency audit skipped: the vulnerability database did not answer within 10 minutes")
        return 0
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        reason = (run.stderr.strip().splitlines() or ["no output"])[-1][:200]
        print(f"dependency audit skipped: the vulnerability database is not reachable ({reason})")
        return 0
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    if not audited:
        print(f"dependency audit skipped: none of the {len(dependencies)} installed packages could be looked up in "
              "the vulnerability database (PyPI's JSON API as reached from here does not know them)")
        return 0
    found = [(d["name"], d["version"], v["id"], ",".join(v.get("fix_versions", [])))
             for d in audited for v in d.get("vulns", [])]
    skipped = len(dependencies) - len(audited)
    if not found:
        print(f"dependency audit: {len(audited)} packages, no known vulnerabilities ({skipped} could not be looked up)")
        return 0
    print(f"dependency audit: {len(found)} known vulnerabilit{'y' if len(found) == 1 else 'ies'}:")
    for name, version, vuln, fixes in found:
        print(f"  {name} {version}: {vuln} (fixed in {fixes or 'no release yet'})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
