"""``make bench``: requests per second for a shared case link, through nginx and without.

Kunskapsbanken (seed cases, SQLite) and a minimal Flask hello-world are served the same way —
gunicorn with the production ``gunicorn.conf.py`` (sync workers, worker recycling and all),
2 workers, 127.0.0.1 — and Debian's nginx runs the shipped deploy/nginx/kunskapsbanken.conf
in front of Kunskapsbanken (plain HTTP on loopback: only the ports, folders and TLS differ,
tests/production/nginx.py). ``wrk`` (or, when wrk is missing, a Python load generator) loads:

  through nginx:   a static file (kb/static/css/site.css)      GET, keep-alive
                   the case page (the micro-cache answers)     GET, keep-alive
  gunicorn alone:  hello-world                                 GET /
                   the case page, rendered                     GET /exempel/<slug>
                   the case page, 304                          + If-None-Match

Targets (issue 12): the case page through nginx ≥ 80 % of nginx serving a static file; the
gunicorn-alone figures are reported as ratios to hello-world.

Why it is built like this — the machine is shared, so single runs were unstable:

* All servers stay up all the time and the figures are measured in alternating rounds (the
  order rotates each round); every round gives its own ratios against its baseline measured
  seconds before, and the report shows the median of those ratios with their spread, so
  load from elsewhere falls on both sides alike.
* Each server is warmed up before the first round, and each measurement has a short warm-up.
* Sync workers close the connection after each response, so to gunicorn every request is a
  new connection; nginx keeps wrk's connections open, as it would a browser's.
* Besides requests per second it records, per request, the CPU time of the server (all its
  processes), of the app's gunicorn during the nginx runs (what reaches the app through
  the cache) and of the load generator, the worker restarts seen, and the load average.

Loopback only; about three minutes with the defaults (5 rounds of 4 s per figure).
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.production.nginx import SERVER_NAME as HOST  # noqa: E402
from tests.production.nginx import Nginx  # noqa: E402

BIN = Path(sys.executable).parent
CONFIG = ROOT / "gunicorn.conf.py"
CASE = "/exempel/amal-brobyggare"
STATIC = "/static/css/site.css"
TARGETS = {"nginx": 0.80}
WORKERS = 2
CONNECTIONS = 8  # enough to keep 2 sync workers busy while wrk reconnects; more only queue
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Sample:
    """One timed load run against one URL."""

    rps: float
    p50_ms: float | None
    errors: int
    requests: int
    server_cpu_s: float
    app_cpu_s: float  # the app's gunicorn, for runs through nginx
    client_cpu_s: float
    restarts: int
    load: float  # 1-minute load average when the run ended


@dataclass
class Figure:
    name: str
    samples: list[Sample] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)

    def per_request_us(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) / max(s.requests, 1) * 1e6 for s in self.samples)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_instance(tmp: Path) -> dict[str, str]:
    """A throw-away database with the seed cases; returns the environment for both servers."""
    env = dict(os.environ, KB_DATABASE_URL=f"sqlite:///{tmp / 'kb.sqlite3'}",
               KB_INDEX_DIR=str(tmp / "index"), KB_INSTANCE_PATH=str(tmp),
               KB_SECRET_KEY="bench-only", KB_RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
               KB_LOG_LEVEL="WARNING",
               # No access log on either side: it costs both the same and would flatter the ratio.
               KB_ACCESS_LOG="", KB_WORKERS=str(WORKERS), PYTHONPATH=str(ROOT),
               KB_PROXY_COUNT="1", KB_BASE_URL=f"http://{HOST}")
    for name in ("KB_DEV", "KB_WORKER_CLASS", "KB_THREADS", "KB_BIND"):
        env.pop(name, None)
    for args in (["db", "upgrade"], ["import", str(ROOT / "seed_data" / "cases")]):
        subprocess.run([str(BIN / "kb"), *args], env=env, check=True, capture_output=True, cwd=ROOT)
    return env


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()  # fields from "state" on (the name may hold spaces)


class Processes:
    """A server process and its children (gunicorn's workers, nginx's workers)."""

    proc: subprocess.Popen
    port: int

    def workers(self) -> set[int]:
        found = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                fields = _stat(int(entry.name))
                if fields and fields[1] == str(self.proc.pid):  # field 4: ppid
                    found.add(int(entry.name))
        return found

    def cpu_seconds(self) -> float:
        """User+system time of the master, its live workers and the workers it has reaped."""
        master = _stat(self.proc.pid) or []
        ticks = sum(int(v) for v in master[11:15])  # utime, stime, cutime, cstime
        for pid in self.workers():
            fields = _stat(pid)
            if fields:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / TICK

    def get(self, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", path, headers={"Host": HOST, **(headers or {})})
        response = conn.getresponse()
        response.body = response.read()
        conn.close()
        return response


class Front(Processes):
    """nginx with the shipped configuration in front of gunicorn at ``upstream``."""

    def __init__(self, upstream: int, folder: Path) -> None:
        self.nginx = Nginx(upstream, folder, tls=False, workers=WORKERS).start()
        self.proc, self.port = self.nginx.process, self.nginx.port

    def stop(self) -> None:
        self.nginx.stop()


class Server(Processes):
    """``gunicorn --config gunicorn.conf.py APP`` on a free loopback port. The app given on
    the command line replaces the config's ``wsgi_app``; everything else is production's."""

    def __init__(self, app: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", str(CONFIG), "--bind", f"127.0.0.1:{self.port}", app],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self._wait()

    def _wait(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn stopped: " + self.proc.stderr.read().decode()[-2000:])
            try:
                if len(self.workers()) == WORKERS:
                    self.get("/")
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _wrk(url: str, seconds: float, headers: dict[str, str]) -> tuple[int, float | None, int]:
    args = ["wrk", "--threads", "1", "--connections", str(CONNECTIONS), "--duration", f"{seconds:g}s",
            "--timeout", "5s", "--latency"]
    for name, value in headers.items():
        args += ["--header", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True,
                         timeout=seconds + 30).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", out))
    socket_errors = re.search(r"Socket errors:([^\n]*)", out)
    if socket_errors:  # "connect 0, read 0, write 0, timeout 0"
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return requests, float(p50.group(1)) * scale[p50.group(2)] if p50 else None, errors


def _python_worker(port: int, path: str, headers: dict[str, str], seconds: float, queue) -> None:
    count = errors = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            errors += response.status >= 400
            count += 1
        except (OSError, http.client.HTTPException):
            errors += 1
        finally:
            conn.close()
    queue.put((count, errors))


def _python_load(url: str, seconds: float, headers: dict[str, str]) -> tuple[int, None, int]:
    """Fallback load generator: CONNECTIONS processes, one connection per request."""
    port, path = int(url.split(":")[2].split("/")[0]), "/" + url.split("/", 3)[3]
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_python_worker, args=(port, path, headers, seconds, queue))
             for _ in range(CONNECTIONS)]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=seconds + 30) for _ in procs]
    for proc in procs:
        proc.join()
    return sum(c for c, _ in results), None, sum(e for _, e in results)


LOAD = _wrk if shutil.which("wrk") else _python_load


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(server: Processes, path: str, seconds: float, headers: dict[str, str] | None = None,
            expect: int = 200, warm: float = 1.0, app: Processes | None = None) -> Sample:
    """Load ``path`` on ``server``; ``app``: the gunicorn behind it, whose CPU is recorded."""
    headers = {"Host": HOST, **(headers or {})}
    status = server.get(path, headers).status
    if status != expect:
        raise RuntimeError(f"expected {expect}, got {status} for {path}")
    url = f"http://127.0.0.1:{server.port}{path}"
    if warm:
        LOAD(url, warm, headers)
    before_workers, before_server, before_client = server.workers(), server.cpu_seconds(), _children_cpu()
    before_app = app.cpu_seconds() if app else 0.0
    started = time.monotonic()
    requests, p50, errors = LOAD(url, seconds, headers)
    elapsed = time.monotonic() - started
    client = _children_cpu() - before_client
    return Sample(rps=requests / elapsed, p50_ms=p50, errors=errors, requests=requests,
                  server_cpu_s=server.cpu_seconds() - before_server,
                  app_cpu_s=(app.cpu_seconds() - before_app) if app else 0.0, client_cpu_s=client,
                  restarts=len(server.workers() - before_workers), load=os.getloadavg()[0])


def run(seconds: float, rounds: int) -> tuple[list[Figure], list[dict], dict]:
    """All servers stay up; the figures alternate, in a rotating order, for ``rounds`` rounds."""
    tmp = Path(tempfile.mkdtemp(prefix="kb-throughput-"))
    servers: list[Server | Front] = []
    info: dict = {"load_before": os.getloadavg()}
    try:
        env = prepare_instance(tmp)
        hello = Server("bench.hello_world:app", env)
        servers.append(hello)
        kb = Server("wsgi:app", env)
        servers.append(kb)
        front = Front(kb.port, tmp / "nginx")
        servers.append(front)
        page = kb.get(CASE)
        etag, body = page.getheader("ETag"), page.body
        if page.status != 200 or b"<h1" not in body or len(body) < 5000:
            raise RuntimeError(f"{CASE} is not a full case page ({page.status}, {len(body)} bytes)")
        if front.get(CASE).body != body:
            raise RuntimeError("nginx does not pass the case page through unchanged")
        info["bytes"] = {"case page": len(body), "static file": len(front.get(STATIC).body)}
        plan = [  # (figure, server, path, headers, expected status, the app behind it)
            (Figure("nginx: static file"), front, STATIC, {}, 200, kb),
            (Figure("nginx: case page"), front, CASE, {}, 200, kb),
            (Figure("hello-world"), hello, "/", {}, 200, None),
            (Figure("case page, rendered"), kb, CASE, {}, 200, None),
            (Figure("case page, 304"), kb, CASE, {"If-None-Match": etag}, 304, None),
        ]
        for _, server, path, headers, expect, app in plan:  # every worker imports and renders once
            measure(server, path, 2.0, headers, expect, warm=0, app=app)
        ratios: list[dict] = []
        for number in range(rounds):
            shift = number % len(plan)
            for figure, server, path, headers, expect, app in plan[shift:] + plan[:shift]:
                figure.samples.append(measure(server, path, seconds, headers, expect, app=app))
            last = [figure.samples[-1].rps for figure, *_ in plan]
            ratios.append({"nginx": last[1] / last[0], "rendered": last[3] / last[2],
                           "conditional": last[4] / last[2]})
            print(f"  round {number + 1}: nginx case/static {ratios[-1]['nginx']:.0%}, "
                  f"gunicorn rendered/hello {ratios[-1]['rendered']:.0%}, "
                  f"304/hello {ratios[-1]['conditional']:.0%}, load {os.getloadavg()[0]:.2f}", flush=True)
        info["load_after"] = os.getloadavg()
        return [figure for figure, *_ in plan], ratios, info
    finally:
        for server in reversed(servers):
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def report(figures: list[Figure], ratios: list[dict], info: dict) -> bool:
    tool = (f"wrk (1 thread, {CONNECTIONS} connections)" if LOAD is _wrk
            else f"Python load generator ({CONNECTIONS} processes)")
    print(f"\nThroughput of a shared case link — nginx (deploy/nginx/kunskapsbanken.conf, {WORKERS} "
          f"workers) in front of gunicorn.conf.py (sync workers), {WORKERS} workers, 127.0.0.1; "
          f"load: {tool}; {os.cpu_count()} CPU cores; {len(figures[0].samples)} rounds, median shown; "
          f"bytes: {info['bytes']}")
    print(f"{'':22}{'req/s':>8}{'min–max':>13}{'p50 ms':>8}{'server µs/req':>14}{'app µs/req':>11}"
          f"{'client µs/req':>14}{'restarts':>9}{'errors':>7}")
    for figure in figures:
        rps = [s.rps for s in figure.samples]
        p50 = [s.p50_ms for s in figure.samples if s.p50_ms is not None]
        print(f"{figure.name:22}{figure.median('rps'):8.0f}{f'{min(rps):.0f}–{max(rps):.0f}':>13}"
              f"{f'{statistics.median(p50):.2f}' if p50 else '–':>8}"
              f"{figure.per_request_us('server_cpu_s'):14.0f}{figure.per_request_us('app_cpu_s'):11.1f}"
              f"{figure.per_request_us('client_cpu_s'):14.0f}"
              f"{sum(s.restarts for s in figure.samples):9}{sum(s.errors for s in figure.samples):7}")
    got = {key: statistics.median(r[key] for r in ratios) for key in ratios[0]}
    spread = {key: (min(r[key] for r in ratios), max(r[key] for r in ratios)) for key in ratios[0]}
    ok = all(got[key] >= TARGETS[key] for key in TARGETS)
    ok = ok and not any(s.errors for figure in figures for s in figure.samples)
    before, after = info["load_before"], info["load_after"]
    print(f"load average (1, 5, 15 min): before {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}, "
          f"after {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}")
    for key, label in (("nginx", "case page through nginx / static file through nginx"),
                       ("rendered", "case page rendered by gunicorn / hello-world"),
                       ("conditional", "case page 304 from gunicorn / hello-world")):
        target = f" (target ≥ {TARGETS[key]:.0%})" if key in TARGETS else ""
        print(f"  {label}: {got[key]:.0%}, rounds {spread[key][0]:.0%}–{spread[key][1]:.0%}{target}")
    print(f"targets, median of the per-round ratios: {'met' if ok else 'NOT met'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=float(os.environ.get("THROUGHPUT_SECONDS", 4)),
                        help="seconds per measurement (default 4)")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("THROUGHPUT_ROUNDS", 5)),
                        help="alternating rounds (default 5)")
    parser.add_argument("--json", type=Path, help="also write the samples to this file")
    args = parser.parse_args()
    figures, ratios, info = run(args.duration, args.rounds)
    report(figures, ratios, info)
    if args.json:
        samples = [{"name": f.name, "samples": [asdict(s) for s in f.samples]} for f in figures]
        args.json.write_text(json.dumps({"figures": samples, "ratios": ratios, **info}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
