"""Load: locust readers (a second process) plus editors saving, against gunicorn."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from stress.editors import Ledger, lost_edits, run_editors
from stress.site import Site, slugs
from tests.production.servers import get

LOCUST = str(Path(sys.executable).with_name("locust"))
HERE = Path(__file__).resolve().parent


@dataclass
class LoadFigures:
    seconds: int
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    server_errors: int
    other_failures: int
    saves: int
    save_outcomes: dict
    save_p95_ms: float
    lost_edits: list
    index_status: str
    index_in_sync: bool

    def ok(self) -> bool:
        return (self.server_errors == 0 and not self.lost_edits and self.index_in_sync
                and self.other_failures == 0 and self.requests > 0)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run_locust(site: Site, seconds: int, users: int, out: Path) -> subprocess.Popen:
    slug_file = out / "slugs.txt"
    slug_file.write_text("\n".join(slugs(site.engine())), encoding="utf-8")
    env = {**site.env, "STRESS_SLUGS": str(slug_file)}
    return subprocess.Popen(  # noqa: S603 - fixed argv, loopback host
        [LOCUST, "-f", str(HERE / "locustfile.py"), "--headless", "--users", str(users),
         "--spawn-rate", str(users), "--run-time", f"{seconds}s", "--host", site.server.url,
         "--csv", str(out / "locust"), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
        env=env, stdout=(out / "locust.out").open("w"), stderr=subprocess.STDOUT)


def read_locust(out: Path) -> dict:
    with (out / "locust_stats.csv").open() as fh:
        total = next(row for row in csv.DictReader(fh) if row["Name"] == "Aggregated")
    server_errors = other = 0
    with (out / "locust_failures.csv").open() as fh:
        for row in csv.DictReader(fh):
            if "5xx" in row["Error"]:
                server_errors += int(row["Occurrences"])
            else:
                other += int(row["Occurrences"])
    return {"requests": int(total["Request Count"]), "rps": float(total["Requests/s"]),
            "p50": float(total["50%"]), "p95": float(total["95%"]), "p99": float(total["99%"]),
            "server_errors": server_errors, "other": other}


def wait_until_indexed(site: Site, timeout: float = 60.0) -> None:
    """Let a search trigger the catch-up, then wait for the change log to be applied."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        get(site.server.url + "/sok?q=barn")
        status, body = get(site.server.url + "/healthz")
        if status == 200 and json.loads(body)["checks"]["index"]["pending_changes"] == 0:
            return
        time.sleep(0.5)


def index_status(site: Site) -> tuple[str, bool]:
    wait_until_indexed(site)
    result = site.kb("index", "status", check=False)
    return result.stdout.strip().replace("\n", "; "), result.returncode == 0


def run_load(site: Site, seconds: int, users: int, editors: int, out: Path) -> LoadFigures:
    out.mkdir(parents=True, exist_ok=True)
    ledger, stop = Ledger(), threading.Event()
    locust = run_locust(site, seconds, users, out)
    threads = run_editors(site, ledger, stop, editors)
    locust.wait(seconds + 60)
    stop.set()
    for thread in threads:
        thread.join(30)
    stats = read_locust(out)
    status, in_sync = index_status(site)
    return LoadFigures(
        seconds=seconds, requests=stats["requests"], rps=stats["rps"], p50_ms=stats["p50"],
        p95_ms=stats["p95"], p99_ms=stats["p99"], server_errors=stats["server_errors"]
        + sum(n for k, n in ledger.outcomes.items() if k.startswith("HTTP 5")),
        other_failures=stats["other"], saves=ledger.outcomes["saved"],
        save_outcomes=dict(ledger.outcomes), save_p95_ms=round(percentile(ledger.latencies, 95) * 1000, 1),
        lost_edits=lost_edits(site.engine(), ledger), index_status=status, index_in_sync=in_sync,
    )
