"""``make audit``: pip-audit over the virtualenv, saying plainly when nothing could be checked.

pip-audit reports a package it cannot look up as "skipped" and still ends with "No known
vulnerabilities found"; when the advisory service is unreachable that is every package,
so this wrapper counts what was really audited and fails loudly otherwise.
"""
from __future__ import annotations

import json
import subprocess  # nosec B404
import sys
from pathlib import Path

PIP_AUDIT = str(Path(sys.executable).with_name("pip-audit"))
SERVICES = ("pypi", "osv")


def run(service: str) -> tuple[list[dict], str]:
    proc = subprocess.run(  # nosec B603
        [PIP_AUDIT, "--progress-spinner", "off", "--skip-editable", "--format", "json",
         "--vulnerability-service", service],
        capture_output=True, text=True, check=False,
    )
    try:
        return json.loads(proc.stdout)["dependencies"], proc.stderr
    except (ValueError, KeyError):
        return [], proc.stderr or proc.stdout


def main() -> int:
    for service in SERVICES:
        deps, errors = run(service)
        audited = [d for d in deps if "skip_reason" not in d]
        if audited:
            break
        lines = [line for line in errors.strip().splitlines() if "No known vulnerabilities" not in line]
        print(f"pip-audit via {service}: the advisory database could not be reached "
              f"({len(deps)} packages, none checked) {lines[-1][:200] if lines else ''}", file=sys.stderr)
    else:
        print("make audit: NOTHING WAS CHECKED: no vulnerability service (PyPI's advisory JSON, OSV) "
              "answers from this machine. Run `make audit` where PyPI is reachable.", file=sys.stderr)
        return 2
    skipped = [d for d in deps if "skip_reason" in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "ingen rättad version än"
            print(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixes})")
    print(f"pip-audit via {service}: {len(audited)} packages checked, {len(vulnerable)} vulnerable, "
          f"{len(skipped)} not checked" + (": " + ", ".join(d["name"] for d in skipped) if skipped else ""))
    return 1 if vulnerable else (2 if skipped else 0)


if __name__ == "__main__":
    sys.exit(main())
