"""``make bench-mix``: a realistic mix of readers and editors, through nginx and straight to
gunicorn, side by side in one run (issues 17 and 12).

The site is production's shape on loopback: ``kb serve`` (gunicorn.conf.py, sync workers,
2 × cores + 1 of them) on a private PostgreSQL cluster (stress/site.py, as ``make stress``), the
index follower (``kb index follow --interval 1``) beside it, a seeded corpus (the seed cases
plus ``--cases`` synthetic ones, stress/site.py), and Debian's nginx running the shipped
deploy/nginx/kunskapsbanken.conf in front (plain HTTP on loopback: only ports, folders and
TLS differ, tests/production/nginx.py). The same gunicorn serves both targets.

The load, the same for each target, one after the other:

* mix: ``--readers`` readers (locust, stress/locustfile.py: search 4, case page 4, start
  page 1, case list 1, API search 1; think time 0–0.1 s, so each reader is always busy) and
  ``--editors`` editors (stress/editors.py, no think time): open a published case's form,
  save a changed body, land on the saved case. "save" is the POST until the saved page has
  arrived (the redirect followed); "open form" the GET before it.
* readers: ``--crowd`` readers and no editors (issue 12: case page and search p95).

Besides the figures it prints the load generator's CPU share (locust from its rusage, the
editors' threads from this process's), the server's (gunicorn, nginx), the machine's busy
share and the load average, and checks that every acknowledged save is in the database
and the index caught up. Loopback only; about 4 minutes of measurement with the defaults,
after a set-up of 1–6 minutes (importing the corpus).
"""
from __future__ import annotations

import argparse
import csv
import http.client
import http.cookiejar
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from kb.serving import default_workers  # noqa: E402
from stress.editors import Editor, Ledger, case_ids_for_editors, lost_edits  # noqa: E402
from stress.load import percentile, wait_until_indexed  # noqa: E402
from stress.site import KB, Site, slugs  # noqa: E402
from tests.production.nginx import SERVER_NAME, Nginx  # noqa: E402
from tests.production.servers import Browser  # noqa: E402

LOCUST = str(Path(sys.executable).with_name("locust"))
LOCUSTFILE = ROOT / "stress" / "locustfile.py"
TICK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1
TARGETS = {"rps": 60.0, "reader_p95_ms": 500.0, "save_p95_ms": 1000.0}  # issue 17, through nginx


# -- the site's processes and the machine ------------------------------------------------
def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` (with the children it has reaped) and its live children."""
    fields = _stat(pid)
    if not fields:
        return 0.0
    ticks = sum(int(v) for v in fields[11:15])
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            child = _stat(int(entry.name))
            if child and child[1] == str(pid):
                ticks += int(child[11]) + int(child[12])
    return ticks / TICK


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def others_now(exclude: set[int], top: int = 4) -> list[str]:
    """The busiest processes not ours, by CPU over ~1 s (the machine is shared)."""
    def sample() -> dict[int, tuple[int, str]]:
        out = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) not in exclude:
                fields = _stat(int(entry.name))
                if fields:
                    try:
                        name = Path(f"/proc/{entry.name}/cmdline").read_bytes().replace(b"\0", b" ")
                    except OSError:
                        continue
                    out[int(entry.name)] = (int(fields[11]) + int(fields[12]), name.decode()[:70])
        return out
    first = sample()
    time.sleep(1.0)
    second = sample()
    busy = sorted(((ticks - first[pid][0], name) for pid, (ticks, name) in second.items()
                   if pid in first and ticks > first[pid][0]), reverse=True)
    return [f"{t / TICK:.0%} {name.strip()}" for t, name in busy[:top]]


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields:
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo.extend(parents.get(found[-1], []))
    return found


def renice_all(nice: int, site: Site) -> None:
    """Every thread of this process and of the processes it started (gunicorn and its
    workers, the follower, nginx, the private PostgreSQL cluster) to ``nice``: set-up runs
    at low priority on a shared machine, the measurement at normal priority (lowering
    niceness needs root)."""
    roots = [os.getpid()]
    postmaster = site.cluster.data / "postmaster.pid"
    if postmaster.exists():  # the cluster's server detached from us
        roots.append(int(postmaster.read_text().split()[0]))
    for pid in {p for root in roots for p in descendants(root)}:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            with suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, int(task.name), nice)


@contextmanager
def measuring_lock(path: Path | None, command: str, poll: float = 30.0):
    """Hold ``path`` (a directory made atomically) while measuring, so that benchmarks on a
    shared machine never overlap; waits for it, polling every ``poll`` seconds."""
    if path is None:
        yield
        return
    while True:
        try:
            path.mkdir()
            break
        except FileExistsError:
            who = path / "who"
            print(f"waiting for {path} ({who.read_text(errors='replace').strip() if who.exists() else '?'})",
                  flush=True)
            time.sleep(poll)
    try:
        (path / "who").write_text(f"bench/mix.py (issue 17, 'mix' branch), pid {os.getpid()}: {command}\n")
        yield
    finally:
        shutil.rmtree(path, ignore_errors=True)


# -- editors through a given front door -------------------------------------------------
class _Loopback(http.client.HTTPConnection):
    """Plain HTTP to 127.0.0.1 whatever the URL's host (nginx knows the site by name)."""

    def connect(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)


class _LoopbackHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request):
        return self.do_open(_Loopback, req)


class TimedBrowser(Browser):
    """An editor's browser that times each page: (method, seconds, status)."""

    def __init__(self, base_url: str, timings: list, lock: threading.Lock) -> None:
        super().__init__(base_url)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _LoopbackHandler())
        self.timings, self.lock = timings, lock

    def open(self, path: str, data=None, timeout: float = 60.0):
        started = time.monotonic()
        result = super().open(path, data, timeout)
        with self.lock:
            self.timings.append(("POST" if data is not None else "GET", path,
                                 time.monotonic() - started, result[0]))
        return result


class MixEditor(Editor):
    def __init__(self, *args, timings: list, lock: threading.Lock, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timings, self.lock = timings, lock

    def _login(self) -> Browser:
        browser = TimedBrowser(self.base_url, [], self.lock)  # the login is not timed
        browser.login(self.email, self.password)
        browser.timings = self.timings
        return browser


# -- one load run ------------------------------------------------------------------------
@dataclass
class Run:
    target: str
    load: str
    seconds: float = 0.0
    requests: int = 0
    rps: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    by_name: dict = field(default_factory=dict)  # name → (count, p50, p95)
    failures: dict = field(default_factory=dict)
    saves: int = 0
    save_outcomes: dict = field(default_factory=dict)
    save_p50_ms: float = 0.0
    save_p95_ms: float = 0.0
    form_p50_ms: float = 0.0
    form_p95_ms: float = 0.0
    lost_edits: list = field(default_factory=list)
    locust_cpu: float = 0.0  # share of the machine (all cores)
    editors_cpu: float = 0.0
    gunicorn_cpu: float = 0.0
    nginx_cpu: float = 0.0
    machine_busy: float = 0.0
    load_avg: tuple = ()
    others: list = field(default_factory=list)


def _read_stats(prefix: Path) -> tuple[dict, dict]:
    rows = {}
    with Path(f"{prefix}_stats.csv").open() as fh:
        for row in csv.DictReader(fh):
            rows[row["Name"]] = (int(row["Request Count"]), float(row["50%"]), float(row["95%"]),
                                 float(row["Requests/s"]))
    failures: dict[str, int] = {}
    with Path(f"{prefix}_failures.csv").open() as fh:
        for row in csv.DictReader(fh):
            key = f"{row['Name']}: {row['Error']}"
            failures[key] = failures.get(key, 0) + int(row["Occurrences"])
    return rows, failures


def run_load(site: Site, *, target: str, url: str, host_header: str | None, users: int,
             editors: int, seconds: int, out: Path, phase: int, nginx: Nginx | None,
             follower: subprocess.Popen) -> Run:
    out.mkdir(parents=True, exist_ok=True)
    run = Run(target, f"{users} readers + {editors} editors" if editors else f"{users} readers")
    wait_until_indexed(site)  # the previous run's saves are in the index: a quiet start
    run.others = others_now(set(descendants(os.getpid())))
    env = {**site.env, "STRESS_SLUGS": str(out.parent / "slugs.txt")}
    if host_header:
        env["STRESS_HOST_HEADER"] = host_header
    env.pop("KB_DEV", None)
    ledger, stop, timings, lock = Ledger(), threading.Event(), [], threading.Lock()
    threads = []
    if editors:
        groups = case_ids_for_editors(site.engine(), editors * (phase + 1), 4)[editors * phase:]
        editor_url = f"http://{SERVER_NAME}:{nginx.port}" if nginx and target == "nginx" else site.server.url
        threads = [MixEditor(10 * phase + n, editor_url, site.editors[n], site.password, groups[n],
                             ledger, stop, timings=timings, lock=lock) for n in range(editors)]
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    gunicorn_before = tree_cpu(site.server.pid) + tree_cpu(follower.pid)
    nginx_before = tree_cpu(nginx.process.pid) if nginx else 0.0
    busy_before = machine_busy()
    started = time.monotonic()
    locust = subprocess.Popen(  # noqa: S603 - fixed argv, loopback host
        [LOCUST, "-f", str(LOCUSTFILE), "--headless", "--users", str(users), "--spawn-rate", str(users),
         "--run-time", f"{seconds}s", "--host", url, "--csv", str(out / "locust"), "--only-summary",
         "--loglevel", "WARNING", "--stop-timeout", "10"],
        env=env, stdout=(out / "locust.out").open("w"), stderr=subprocess.STDOUT)
    for thread in threads:
        thread.start()
    locust.wait(seconds + 60)
    stop.set()
    for thread in threads:
        thread.join(60)
    run.seconds = time.monotonic() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    mine = resource.getrusage(resource.RUSAGE_SELF)
    capacity = run.seconds * CORES
    run.locust_cpu = (children.ru_utime + children.ru_stime - children_before.ru_utime
                      - children_before.ru_stime) / capacity
    run.editors_cpu = (mine.ru_utime + mine.ru_stime - self_before.ru_utime - self_before.ru_stime) / capacity
    run.gunicorn_cpu = (tree_cpu(site.server.pid) + tree_cpu(follower.pid) - gunicorn_before) / capacity
    run.nginx_cpu = (tree_cpu(nginx.process.pid) - nginx_before) / capacity if nginx else 0.0
    busy_after = machine_busy()
    run.machine_busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    run.load_avg = os.getloadavg()
    rows, run.failures = _read_stats(out / "locust")
    count, run.p50_ms, run.p95_ms, run.rps = rows["Aggregated"]
    run.requests = count
    run.by_name = {name: row[:3] for name, row in rows.items() if name != "Aggregated"}
    if editors:
        saves = [s for method, _, s, status in timings if method == "POST" and status == 200]
        forms = [s for method, path, s, _ in timings if method == "GET" and path.endswith("/redigera")]
        run.saves, run.save_outcomes = ledger.outcomes["saved"], dict(ledger.outcomes)
        run.save_p50_ms = round(percentile(saves, 50) * 1000, 1)
        run.save_p95_ms = round(percentile(saves, 95) * 1000, 1)
        run.form_p50_ms = round(percentile(forms, 50) * 1000, 1)
        run.form_p95_ms = round(percentile(forms, 95) * 1000, 1)
        run.lost_edits = lost_edits(site.engine(), ledger)
        (out / "editor_timings.json").write_text(json.dumps(timings))
    return run


# -- the report --------------------------------------------------------------------------
def print_run(run: Run) -> None:
    fails = sum(run.failures.values())
    line = (f"  {run.target:8} {run.load:22} {run.rps:6.1f} req/s  readers p50 {run.p50_ms:4.0f} ms "
            f"p95 {run.p95_ms:5.0f} ms")
    if run.saves or run.save_outcomes:
        line += (f"  save p50 {run.save_p50_ms:4.0f} p95 {run.save_p95_ms:5.0f} ms ({run.saves} saves)"
                 f"  open form p95 {run.form_p95_ms:4.0f} ms")
    print(line + f"  failures {fails}", flush=True)
    names = ", ".join(f"{name} p50 {p50:.0f} p95 {p95:.0f} ({n})" for name, (n, p50, p95)
                      in sorted(run.by_name.items()))
    print(f"           {names}")
    print(f"           CPU of the machine: locust {run.locust_cpu:.0%}, editors {run.editors_cpu:.0%}, "
          f"gunicorn and follower {run.gunicorn_cpu:.0%}, nginx {run.nginx_cpu:.0%}; machine busy "
          f"{run.machine_busy:.0%}; load {run.load_avg[0]:.2f} {run.load_avg[1]:.2f} {run.load_avg[2]:.2f}")
    if run.failures:
        print(f"           failures: {run.failures}")
    if run.save_outcomes and set(run.save_outcomes) != {"saved"}:
        print(f"           save outcomes: {run.save_outcomes}")
    if run.lost_edits:
        print(f"           LOST EDITS: {run.lost_edits[:5]}")
    print(f"           busiest other processes before the run: {'; '.join(run.others) or '–'}")


def verdict(runs: list[Run]) -> bool:
    ok = True
    for run in runs:
        if run.target == "nginx" and run.save_outcomes:
            checks = {"rps": run.rps >= TARGETS["rps"],
                      "reader_p95_ms": run.p95_ms <= TARGETS["reader_p95_ms"],
                      "save_p95_ms": run.save_p95_ms <= TARGETS["save_p95_ms"]}
            print(f"issue 17 through nginx: ≥ {TARGETS['rps']:.0f} req/s: {run.rps:.1f}; reader p95 ≤ "
                  f"{TARGETS['reader_p95_ms']:.0f} ms: {run.p95_ms:.0f}; save p95 ≤ "
                  f"{TARGETS['save_p95_ms']:.0f} ms: {run.save_p95_ms:.0f} → "
                  + ("met" if all(checks.values())
                     else "NOT met: " + ", ".join(k for k, v in checks.items() if not v)))
            ok = ok and all(checks.values())
        ok = ok and not run.lost_edits and not any("5xx" in k for k in run.failures)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of each mix run (default 60)")
    parser.add_argument("--crowd-seconds", type=int, default=40, help="length of each readers-only run")
    parser.add_argument("--readers", type=int, default=16)
    parser.add_argument("--editors", type=int, default=3)
    parser.add_argument("--crowd", type=int, default=30, help="readers in the readers-only runs (0: none)")
    parser.add_argument("--cases", type=int, default=1000, help="synthetic cases besides the seed ones")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--lock", type=Path, help="a directory to hold while measuring (made with "
                        "mkdir, waited for when it exists); with it, the set-up runs at the priority "
                        "the bench was started with and the measurement at normal priority")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kb-mix-"))
    site = Site(workdir, args.workers)
    site.env.update({"KB_PROXY_COUNT": "1", "KB_BASE_URL": f"http://{SERVER_NAME}",
                     "KB_TRUSTED_HOSTS": "127.0.0.1"})  # gunicorn is also loaded by address
    follower = nginx = None
    runs: list[Run] = []
    try:
        started = time.monotonic()
        site.prepare(args.cases, args.editors)
        site.server.start(timeout=600)  # a saturated shared machine can take minutes
        follower = subprocess.Popen([KB, "index", "follow", "--interval", "1"], env=site.env,  # noqa: S603
                                    cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        nginx = Nginx(site.server.port, workdir / "nginx", tls=False, workers=1).start()
        (workdir / "slugs.txt").write_text("\n".join(slugs(site.engine())), encoding="utf-8")
        cases = len(slugs(site.engine()))
        print(f"Realistic mix: kb serve ({args.workers} sync workers) + kb index follow, PostgreSQL, "
              f"{cases} published cases; nginx (shipped config, plain HTTP) in front; {CORES} cores; "
              f"set up in {time.monotonic() - started:.0f} s; workdir {workdir}", flush=True)
        print(f"  load average before measuring: {' '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
        with measuring_lock(args.lock, " ".join(sys.argv)):
            if args.lock:
                renice_all(0, site)
            runs = measure(site, nginx, follower, args)
        wait_until_indexed(site)
        status = site.kb("index", "status", check=False)
        print(f"kb index status afterwards: {status.stdout.strip().replace(chr(10), '; ')}")
        ok = verdict(runs) and status.returncode == 0
        if args.json:
            args.json.write_text(json.dumps([asdict(r) for r in runs], indent=1, ensure_ascii=False))
        print("RESULT: " + ("targets met" if ok else "NOT all targets met"))
        return 0
    finally:
        if nginx is not None:
            nginx.stop()
        if follower is not None:
            follower.terminate()
            follower.wait(30)
        site.close()


def measure(site: Site, nginx: Nginx, follower: subprocess.Popen, args: argparse.Namespace) -> list[Run]:
    """The mix, then the readers-only crowd, each through nginx and then straight to gunicorn."""
    doors = [("nginx", f"http://127.0.0.1:{nginx.port}", SERVER_NAME), ("gunicorn", site.server.url, None)]
    plan = [(args.readers, args.editors, args.seconds)]
    if args.crowd:
        plan.append((args.crowd, 0, args.crowd_seconds))
    runs, phase = [], 0
    for users, editors, seconds in plan:
        for target, url, host in doors:
            run = run_load(site, target=target, url=url, host_header=host, users=users,
                           editors=editors, seconds=seconds, out=site.workdir / f"{phase}-{target}",
                           phase=phase, nginx=nginx, follower=follower)
            runs.append(run)
            print_run(run)
            phase += 1
    return runs


if __name__ == "__main__":
    sys.exit(main())
