"""``make bench``: requests per second for a shared case link, against hello-world.

Serves Kunskapsbanken (seed cases, SQLite) and a minimal Flask hello-world the same way —
gunicorn, 2 workers, 127.0.0.1 — one after the other in this run, and loads each with
``wrk`` (or, when wrk is missing, a Python load generator in separate processes):

  hello-world            GET /
  case page, fresh       GET /exempel/<slug>                 (200, full page)
  case page, 304         GET /exempel/<slug> + If-None-Match (conditional)
  for reference: the same page through Flask with only the page cache (fast path off),
  and rendered on every request (both caches off)

Targets (issue 5): fresh ≥ 50 % and 304 ≥ 80 % of hello-world. Loopback only, bounded in
time: 3 alternating rounds of ``--duration`` seconds (default 5) per figure, medians shown;
about a minute in all.
"""
from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CASE = "/exempel/amal-brobyggare"
TARGETS = {"fresh": 0.50, "conditional": 0.80}


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float | None
    errors: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_instance(tmp: Path) -> dict[str, str]:
    """A throw-away database with the seed cases; returns the environment for the app."""
    env = dict(os.environ, KB_DATABASE_URL=f"sqlite:///{tmp / 'kb.sqlite3'}",
               KB_INDEX_DIR=str(tmp / "index"), KB_INSTANCE_PATH=str(tmp),
               KB_SECRET_KEY="bench-only", KB_LOG_LEVEL="WARNING", KB_ACCESS_LOG="")
    env.pop("KB_DEV", None)
    for args in (["db", "upgrade"], ["import", str(ROOT / "seed_data" / "cases")]):
        subprocess.run([str(BIN / "kb"), *args], env=env, check=True, capture_output=True, cwd=ROOT)
    return env


class Server:
    """gunicorn with 2 workers on 127.0.0.1, started in an empty folder so that no
    ``gunicorn.conf.py`` applies: both apps get exactly the same settings."""

    def __init__(self, app: str, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        env = dict(env, PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--worker-class", "gthread", "--threads", "4",
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--keep-alive", "5", app],
            env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self._wait()

    def _wait(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gunicorn stopped: " + self.proc.stderr.read().decode()[-2000:])
            try:
                self.get("/")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s")

    def get(self, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        conn.close()
        return response

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _wrk(url: str, seconds: int, headers: dict[str, str]) -> tuple[float, float | None, int]:
    args = ["wrk", "--threads", "1", "--connections", "16", "--duration", f"{seconds}s", "--latency"]
    for name, value in headers.items():
        args += ["--header", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True,
                         timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", out))
    socket_errors = re.search(r"Socket errors:([^\n]*)", out)
    if socket_errors:  # "connect 0, read 0, write 0, timeout 0"
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return rps, float(p50.group(1)) * scale[p50.group(2)] if p50 else None, errors


def _python_worker(port: int, path: str, headers: dict[str, str], seconds: float, queue) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    count = errors = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            errors += response.status >= 400
            count += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    queue.put((count, errors))


def _python_load(port: int, path: str, seconds: int, headers: dict[str, str]) -> tuple[float, None, int]:
    """Fallback load generator: 4 processes with keep-alive connections."""
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_python_worker, args=(port, path, headers, seconds, queue))
             for _ in range(4)]
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=seconds + 30) for _ in procs]
    for proc in procs:
        proc.join()
    return sum(c for c, _ in results) / seconds, None, sum(e for _, e in results)


def measure(name: str, server: Server, path: str, seconds: int, headers: dict[str, str] | None = None,
            expect: int = 200) -> Result:
    headers = headers or {}
    status = server.get(path, headers).status
    if status != expect:
        raise RuntimeError(f"{name}: expected {expect}, got {status} for {path}")
    load = _wrk if shutil.which("wrk") else None
    url = f"http://127.0.0.1:{server.port}{path}"
    warm = max(1, seconds // 4)
    if load:
        load(url, warm, headers)
        rps, p50, errors = load(url, seconds, headers)
    else:
        _python_load(server.port, path, warm, headers)
        rps, p50, errors = _python_load(server.port, path, seconds, headers)
    return Result(name, rps, p50, errors)


def _median(name: str, results: list[Result]) -> Result:
    ordered = sorted(results, key=lambda r: r.rps)
    middle = ordered[len(ordered) // 2]
    return Result(name, middle.rps, middle.p50_ms, sum(r.errors for r in results))


def run(seconds: int, rounds: int) -> list[Result]:
    """Both apps stay up; the measurements alternate (hello, fresh, 304, …) for ``rounds``
    rounds and each figure is the median, so that load from elsewhere on the machine
    falls on all of them alike."""
    tmp = Path(tempfile.mkdtemp(prefix="kb-throughput-"))
    workdir = tmp / "cwd"
    workdir.mkdir()
    servers: list[Server] = []
    try:
        env = prepare_instance(tmp)
        hello = Server("bench.hello_world:app", env, workdir)
        servers.append(hello)
        kb = Server("wsgi:app", env, workdir)
        servers.append(kb)
        etag = kb.get(CASE).getheader("ETag")
        samples: dict[str, list[Result]] = {"hello-world": [], "case page, fresh": [], "case page, 304": []}
        for _ in range(rounds):
            samples["hello-world"].append(measure("hello-world", hello, "/", seconds))
            samples["case page, fresh"].append(measure("case page, fresh", kb, CASE, seconds))
            samples["case page, 304"].append(
                measure("case page, 304", kb, CASE, seconds, {"If-None-Match": etag}, expect=304))
        results = [_median(name, found) for name, found in samples.items()]
        for server in servers:
            server.stop()
        servers.clear()
        # For reference: through Flask with only the page cache (no fast path), and the same
        # page rendered on every request (no caches at all).
        flask_only = Server("wsgi:app", dict(env, KB_FAST_PATH="false"), workdir)
        servers.append(flask_only)
        results.append(measure("  via Flask, fresh", flask_only, CASE, seconds))
        results.append(measure("  via Flask, 304", flask_only, CASE, seconds, {"If-None-Match": etag},
                               expect=304))
        flask_only.stop()
        servers.remove(flask_only)
        uncached = Server("wsgi:app", dict(env, KB_PAGE_CACHE_SIZE="0", KB_FAST_PATH="false"), workdir)
        servers.append(uncached)
        results.append(measure("  rendered each time", uncached, CASE, seconds))
        return results
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def report(results: list[Result]) -> bool:
    base = results[0].rps
    tool = "wrk (1 thread, 16 connections)" if shutil.which("wrk") else "Python load generator (4 processes)"
    print(f"\nThroughput of a shared case link — gunicorn, 2 gthread workers, 127.0.0.1; load: {tool}; "
          f"{os.cpu_count()} CPU cores")
    print(f"{'':28}{'req/s':>10}{'p50 ms':>9}{'of hello':>10}{'errors':>8}")
    for result in results:
        p50 = f"{result.p50_ms:.2f}" if result.p50_ms is not None else "–"
        print(f"{result.name:28}{result.rps:10.0f}{p50:>9}{result.rps / base:10.0%}{result.errors:8}")
    fresh, conditional = results[1].rps / base, results[2].rps / base
    ok = fresh >= TARGETS["fresh"] and conditional >= TARGETS["conditional"]
    ok = ok and not any(r.errors for r in results[:3])
    print(f"targets: fresh ≥ {TARGETS['fresh']:.0%} (got {fresh:.0%}), "
          f"304 ≥ {TARGETS['conditional']:.0%} (got {conditional:.0%}): {'met' if ok else 'NOT met'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=int(os.environ.get("THROUGHPUT_SECONDS", 5)),
                        help="seconds per measurement (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    args = parser.parse_args()
    report(run(args.duration, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
