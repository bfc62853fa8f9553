"""``make soak``: a long run at moderate load; does any worker grow (memory, open files)?

Readers (locust, as in ``make stress``) and an editor saving work against ``kb serve`` on a
private PostgreSQL cluster. Every ``--interval`` seconds each gunicorn worker's resident
memory and open files are read from /proc. After the warm-up, per worker: growth in memory
(the mean of the last sixth of its samples against the first sixth; must stay under
10 %) and in open files and index files it holds (must not grow). A worker that gunicorn
replaces (``max_requests``, a crash) is tracked under its own pid, with its own warm-up. At
the end the index must be in sync with the database. Exits non-zero if anything fails.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from kb.serving import default_workers
from stress.editors import Ledger, lost_edits, run_editors
from stress.load import index_status, read_locust, run_locust, wait_until_indexed
from stress.site import STARTUP_TIMEOUT, Site
from tests.production.servers import get

MAX_MEMORY_GROWTH = 0.10
WINDOW = 3  # samples averaged at the start and at the end of a worker's measured span


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m stress.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=30, help="length of the run")
    parser.add_argument("--warmup", type=float, default=None,
                        help="minutes not measured at the start (default: a sixth of the run)")
    parser.add_argument("--interval", type=float, default=10, help="seconds between samples")
    parser.add_argument("--users", type=int, default=8, help="concurrent readers (locust)")
    parser.add_argument("--editors", type=int, default=1, help="editors saving concurrently")
    parser.add_argument("--workers", type=int, default=default_workers(), help="gunicorn workers")
    parser.add_argument("--cases", type=int, default=300, help="synthetic cases besides the seed ones")
    return parser.parse_args(argv)


@dataclass
class Sample:
    at: float  # seconds since the load started
    rss_kib: int
    fds: int  # every open descriptor (files, sockets, pipes)
    files: int  # descriptors of regular files
    index_files: int  # descriptors and memory maps of files in the index folder
    deleted: int  # of those, files already removed from the index folder (old segments)


@dataclass
class Worker:
    pid: int
    first_seen: float
    samples: list[Sample] = field(default_factory=list)
    gone_at: float | None = None

    def measured(self, warmup: float) -> list[Sample]:
        """Samples after the warm-up, counted from the run's start or this worker's start."""
        start = warmup if self.first_seen <= warmup else self.first_seen + warmup
        return [s for s in self.samples if s.at >= start]


def read_worker(pid: int, index_dir: Path, at: float) -> Sample | None:
    """One sample from /proc, or None when the process has gone."""
    proc = Path(f"/proc/{pid}")
    try:
        rss = next(int(line.split()[1]) for line in (proc / "status").read_text().splitlines()
                   if line.startswith("VmRSS:"))
        targets = []
        for fd in os.listdir(proc / "fd"):
            try:
                targets.append(os.readlink(proc / "fd" / fd))
            except OSError:  # closed between listdir and readlink
                continue
        index = str(index_dir)
        mapped = {line.split(maxsplit=5)[-1] for line in (proc / "maps").read_text().splitlines()
                  if index in line}
    except (OSError, StopIteration):
        return None
    files = [t for t in targets if t.startswith("/")]
    held = {t for t in files if t.startswith(index)} | mapped
    return Sample(at, rss, len(targets), len(files), len(held), sum(t.endswith(" (deleted)") for t in held))


def sample_workers(site: Site, workers: dict[int, Worker], started: float) -> None:
    at = time.monotonic() - started
    alive = set(site.server.workers())
    for pid in alive:
        worker = workers.setdefault(pid, Worker(pid, at))
        sample = read_worker(pid, site.index_dir, at)
        if sample:
            worker.samples.append(sample)
    for pid, worker in workers.items():
        if pid not in alive and worker.gone_at is None:
            worker.gone_at = at


def mean(values: list[int]) -> float:
    return sum(values) / len(values)


def judge(worker: Worker, warmup: float) -> dict:
    """Growth over the worker's measured span; ``ok`` None when too short to judge.

    Memory: the mean of the last sixth of the samples against the mean of the first sixth
    (at least three each). Open files go up and down as the index gains segments and merges
    them, so "no growth" means the mean over the last third is not above the most seen in
    the first third (a leak keeps climbing past it)."""
    measured = worker.measured(warmup)
    row: dict = {"pid": worker.pid, "first_seen_s": round(worker.first_seen),
                 "gone_at_s": round(worker.gone_at) if worker.gone_at is not None else None,
                 "samples": len(measured), "ok": None}
    if len(measured) < 2 * WINDOW:
        return row
    window, third = max(WINDOW, len(measured) // 6), max(WINDOW, len(measured) // 3)
    head, tail = measured[:window], measured[-window:]
    first, last = measured[:third], measured[-third:]
    rss_start, rss_end = mean([s.rss_kib for s in head]), mean([s.rss_kib for s in tail])
    growth = (rss_end - rss_start) / rss_start
    files_start, files_end = max(s.files for s in first), mean([s.files for s in last])
    index_start, index_end = max(s.index_files for s in first), mean([s.index_files for s in last])
    row.update({
        "span_s": round(measured[-1].at - measured[0].at),
        "rss_start_mib": round(rss_start / 1024, 1), "rss_end_mib": round(rss_end / 1024, 1),
        "rss_peak_mib": round(max(s.rss_kib for s in measured) / 1024, 1),
        "rss_growth_pct": round(100 * growth, 1),
        "files_start": files_start, "files_end": round(files_end, 1),
        "files_peak": max(s.files for s in measured),
        "index_files_start": index_start, "index_files_end": round(index_end, 1),
        "index_files_peak": max(s.index_files for s in measured),
        "deleted_peak": max(s.deleted for s in measured), "deleted_end": measured[-1].deleted,
        "fds_start": max(s.fds for s in first), "fds_end": round(mean([s.fds for s in last]), 1),
    })
    row["ok"] = growth < MAX_MEMORY_GROWTH and files_end <= files_start and index_end <= index_start
    return row


def published_cases(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM cases WHERE status = 'published'")).scalar_one()


def index_in_sync(site: Site) -> dict:
    """healthz (pending changes, documents) against the database, and ``kb index status``."""
    wait_until_indexed(site)
    status, body = get(site.server.url + "/healthz")
    index = json.loads(body)["checks"]["index"] if status == 200 else {}
    published = published_cases(site.engine())
    kb_status, kb_in_sync = index_status(site)
    return {"healthz": status, "pending_changes": index.get("pending_changes"),
            "index_documents": index.get("documents"), "published_cases": published,
            "kb_index_status": kb_status,
            "ok": (status == 200 and index.get("pending_changes") == 0
                   and index.get("documents") == published and kb_in_sync)}


def say(text: str) -> None:
    print(text, flush=True)


def soak(site: Site, args: argparse.Namespace, out: Path) -> dict:
    seconds = round(args.minutes * 60)
    warmup = 60 * (args.warmup if args.warmup is not None else args.minutes / 6)
    out.mkdir(parents=True, exist_ok=True)
    ledger, stop = Ledger(), threading.Event()
    workers: dict[int, Worker] = {}
    started = time.monotonic()
    locust = run_locust(site, seconds, args.users, out)
    editors = run_editors(site, ledger, stop, args.editors)
    next_report = 60.0
    while locust.poll() is None and time.monotonic() - started < seconds + 60:
        sample_workers(site, workers, started)
        elapsed = time.monotonic() - started
        if elapsed >= next_report:
            rss = ", ".join(f"{w.pid}: {w.samples[-1].rss_kib / 1024:.0f} MiB/{w.samples[-1].files} files"
                            for w in workers.values() if w.gone_at is None and w.samples)
            say(f"  {elapsed / 60:4.1f} min: {rss}")
            next_report += 60 * max(1, round(args.minutes / 10))
        time.sleep(max(0.0, args.interval - (time.monotonic() - started - elapsed)))
    stop.set()
    for thread in editors:
        thread.join(30)
    locust.wait(60)
    stats = read_locust(out)
    rows = [judge(w, warmup) for w in workers.values()]
    replaced = [w.pid for w in workers.values() if w.gone_at is not None]
    late = [w.pid for w in workers.values() if w.first_seen > 2 * args.interval]
    sync = index_in_sync(site)
    lost = lost_edits(site.engine(), ledger)
    judged = [r for r in rows if r["ok"] is not None]
    ok = (bool(judged) and all(r["ok"] for r in judged) and sync["ok"] and not lost
          and stats["server_errors"] == 0)
    return {"ok": ok, "minutes": args.minutes, "warmup_s": round(warmup), "interval_s": args.interval,
            "users": args.users, "editors": args.editors, "requests": stats["requests"],
            "rps": stats["rps"], "p95_ms": stats["p95"], "server_errors": stats["server_errors"],
            "other_failures": stats["other"], "saves": dict(ledger.outcomes), "lost_edits": lost,
            "workers": rows, "workers_replaced": replaced, "workers_started_late": late,
            "index": sync,
            "samples": {w.pid: [vars(s) for s in w.samples] for w in workers.values()}}


def print_result(result: dict) -> None:
    say(f"load: {result['requests']} requests, {result['rps']:.1f} req/s, p95 {result['p95_ms']:.0f} ms, "
        f"5xx {result['server_errors']}, other failures {result['other_failures']}; "
        f"editor: {result['saves']}, lost edits {len(result['lost_edits'])}")
    say(f"workers after a {result['warmup_s']} s warm-up (memory: mean of the first and the last "
        "sixth of the samples; open files and index files: most in the first third → mean of "
        "the last third):")
    for row in result["workers"]:
        if row["ok"] is None:
            say(f"  pid {row['pid']}: too few samples to judge ({row['samples']}; started at "
                f"{row['first_seen_s']} s, gone at {row['gone_at_s']} s)")
            continue
        say(f"  pid {row['pid']}: RSS {row['rss_start_mib']} → {row['rss_end_mib']} MiB "
            f"({row['rss_growth_pct']:+.1f} %, peak {row['rss_peak_mib']}), open files "
            f"{row['files_start']} → {row['files_end']} (peak {row['files_peak']}), index files "
            f"{row['index_files_start']} → {row['index_files_end']} (peak {row['index_files_peak']}; "
            f"already deleted: peak {row['deleted_peak']}, at the end {row['deleted_end']}), "
            f"all descriptors {row['fds_start']} → {row['fds_end']} over {row['span_s']} s"
            + ("" if row["ok"] else "  ← GREW"))
    say("workers replaced during the run (gunicorn max_requests or a crash): "
        f"{result['workers_replaced'] or 'none'}; started after the first samples: "
        f"{result['workers_started_late'] or 'none'}")
    index = result["index"]
    say(f"index: healthz {index['healthz']}, pending_changes {index['pending_changes']}, "
        f"documents {index['index_documents']} vs published cases {index['published_cases']}; "
        f"kb index status: {index['kb_index_status']}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="kb-soak-"))
    say(f"Kunskapsbanken soak run in {workdir}: {args.minutes:g} min, {args.users} readers, "
        f"{args.editors} editor(s), {args.workers} gunicorn workers, a sample every {args.interval:g} s")
    site = Site(workdir, args.workers)
    result: dict = {"ok": False}
    try:
        site.prepare(args.cases, args.editors)
        site.server.start(timeout=STARTUP_TIMEOUT)
        result = soak(site, args, workdir / "load")
        print_result(result)
    finally:
        (workdir / "report.json").write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
        site.close()
    say(f"report: {workdir / 'report.json'}")
    say("RESULT: " + ("flat: no worker grew, index in sync" if result["ok"] else "FAILED"))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
