"""Faults under load: kill -9 a worker mid-save and mid-index; stop PostgreSQL (the run's own) for seconds."""
from __future__ import annotations

import collections
import contextlib
import json
import os
import random
import signal
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import psutil
import sqlalchemy as sa

from stress.load import wait_until_indexed
from stress.site import Site, slugs
from tests.production.servers import get

SWEDISH_503 = "kan inte nå sin databas"
HEALTHZ_DOWN = "Databasen svarar inte"


class PortMap:
    """Local TCP port → gunicorn worker pid (refreshed on a miss; pooled connections stay)."""

    def __init__(self, site: Site) -> None:
        self.site, self.ports = site, {}

    def refresh(self) -> None:
        workers = set(self.site.server.workers())
        self.ports = {c.laddr.port: c.pid for c in psutil.net_connections(kind="tcp")
                      if c.laddr and c.pid in workers}

    def worker(self, port: int) -> int | None:
        if port not in self.ports:
            self.refresh()
        return self.ports.get(port)


def kill_mid_save(site: Site, engine: sa.Engine, rounds: int, timeout: float = 60.0) -> list[dict]:
    """Kill -9 a worker in the middle of saving an edit: its transaction has written the case
    but not committed. To catch it there every time, the change-log table is locked for a
    moment, so the save stops at its last INSERT; the worker is killed while it waits."""
    kills, ports = [], PortMap(site)
    ports.refresh()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as watcher:
        for _ in range(rounds):
            with engine.connect() as locker:
                locker.begin()
                locker.execute(sa.text("LOCK TABLE index_changes IN EXCLUSIVE MODE"))
                row, deadline = None, time.monotonic() + timeout
                while row is None and time.monotonic() < deadline:
                    time.sleep(0.01)
                    row = watcher.execute(sa.text(
                        "SELECT client_port, backend_xid::text::bigint AS xid, left(query, 60) AS query "
                        "FROM pg_stat_activity WHERE application_name = :app AND backend_xid IS NOT NULL "
                        "AND wait_event_type = 'Lock'"), {"app": site.schema}).first()
                pid = ports.worker(row.client_port) if row else None
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)
                time.sleep(0.3)
                locker.rollback()  # let the orphaned transaction run into its closed socket
            if pid is None:
                continue
            time.sleep(0.5)
            fate = watcher.execute(sa.text("SELECT pg_xact_status(CAST(:x AS text)::xid8)"),
                                   {"x": row.xid}).scalar()
            kills.append({"worker": pid, "transaction": row.xid, "then": fate, "query": row.query})
            site.server.wait_for_workers(site.workers)
            time.sleep(1.0)
    return kills


def _quiet_get(url: str) -> None:
    """A request whose worker is about to be killed: its connection will just drop."""
    with contextlib.suppress(OSError):
        get(url, timeout=60)


def _lock_holder(site: Site) -> int | None:
    for pid in site.server.workers():
        try:
            if any(f.path.endswith("MAIN_WRITELOCK") for f in psutil.Process(pid).open_files()):
                return pid
        except psutil.Error:
            continue
    return None


def kill_mid_index(site: Site, engine: sa.Engine, rounds: int, timeout: float = 60.0) -> list[dict]:
    """Queue a big catch-up, let a search start applying it, kill -9 the index writer."""
    kills = []
    for _ in range(rounds):
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO index_changes (case_id, created_at) "
                                 "SELECT id, now() FROM cases, generate_series(1, 3)"))
        trigger = threading.Thread(target=_quiet_get, args=(site.server.url + "/sok?q=barn",), daemon=True)
        trigger.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid = _lock_holder(site)
            if pid is not None:
                time.sleep(random.uniform(0.05, 0.3))  # somewhere in the middle of the batch
                if _lock_holder(site) == pid:
                    os.kill(pid, signal.SIGKILL)
                    kills.append({"worker": pid})
                    break
            time.sleep(0.005)
        trigger.join(60)
        site.server.wait_for_workers(site.workers)
    return kills


SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")


def fetch(url: str, timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body); status 0 when the connection failed."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()
    except OSError as exc:
        return 0, {"error": repr(exc)}, b""


def improper_answer(path: str, status: int, headers: dict[str, str], body: bytes) -> str | None:
    """Why a response during a database outage is not a proper answer, or None if it is.

    Proper: a page or JSON that needed no database (200/304, e.g. a search served from the
    index), or 503 with Retry-After and the Swedish message (JSON under /api/ and /healthz);
    security headers on every response."""
    if status == 0:
        return "no response: " + headers.get("error", "")
    missing = [h for h in SECURITY_HEADERS if h not in headers]
    if missing:
        return f"{status} without {', '.join(missing)}"
    if status in (200, 304):
        return None
    if status != 503:
        return f"{status} instead of 503"
    if not headers.get("Retry-After"):
        return "503 without Retry-After"
    text = body.decode("utf-8", "replace")
    if path.startswith(("/api/", "/healthz")):
        try:
            payload = json.loads(text)
        except ValueError:
            return "503 without JSON under " + path
        message = payload.get("message") or payload.get("error", {}).get("message", "")
        swedish = SWEDISH_503 in message or HEALTHZ_DOWN in message
        return None if swedish else "503 JSON not in Swedish"
    if SWEDISH_503 not in text:
        return "503 page without the Swedish message"
    return None


@dataclass
class Outage:
    down_seconds: float = 0.0
    recovery_seconds: float = 0.0
    before: collections.Counter = field(default_factory=collections.Counter)
    during: collections.Counter = field(default_factory=collections.Counter)
    after: collections.Counter = field(default_factory=collections.Counter)
    improper: collections.Counter = field(default_factory=collections.Counter)
    samples: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"down_seconds": self.down_seconds, "recovery_seconds": self.recovery_seconds,
                "during": dict(self.during), "after": dict(self.after),
                "improper": dict(self.improper), "not_proper": sum(self.improper.values()),
                "samples": self.samples}

    def ok(self) -> bool:
        bad_after = sum(n for k, n in self.after.items() if k.startswith("5"))
        return self.during["503"] > 0 and not self.improper and not bad_after


def database_outage(site: Site, down: float = 5.0, after: float = 10.0) -> Outage:
    """Stop PostgreSQL under readers' load, start it again, measure what readers saw."""
    outage, phase, stop = Outage(), ["before"], threading.Event()
    paths = ["/", "/api/v1/cases", "/sok?q=barn", "/healthz", "/exempel", "/api/v1/search?q=barn"] + [
        f"/exempel/{s}" for s in slugs(site.engine())[:20]]
    lock = threading.Lock()

    def reader() -> None:
        while not stop.is_set():
            path = random.choice(paths)
            status, headers, body = fetch(site.server.url + path)
            with lock:
                if phase[0] == "down":
                    outage.during[str(status)] += 1
                    why = improper_answer(path, status, headers, body)
                    if why:
                        outage.improper[why] += 1
                        if len(outage.samples) < 20:
                            outage.samples.append({
                                "path": path, "status": status, "why": why, "headers": headers,
                                "body": body[:300].decode("utf-8", "replace"),
                                "at": round(time.monotonic() - started, 2)})
                elif phase[0] == "after":
                    outage.after[str(status)] += 1
                else:
                    outage.before[str(status)] += 1

    readers = [threading.Thread(target=reader, daemon=True) for _ in range(4)]
    for thread in readers:
        thread.start()
    # Only once the site answers readers again (workers replaced by the kill -9 rounds warm
    # up slowly on a busy machine): else the outage can pass while no request reaches a worker.
    deadline = time.monotonic() + 120
    while sum(outage.before.values()) < 20 and time.monotonic() < deadline:
        time.sleep(0.2)
    started = time.monotonic()
    site.cluster.stop()
    phase[0] = "down"
    time.sleep(down)
    site.cluster.start()
    outage.down_seconds = round(time.monotonic() - started, 1)
    back = time.monotonic()
    while get(site.server.url + "/healthz", timeout=10)[0] != 200:
        if time.monotonic() - back > 60:
            break
        time.sleep(0.1)
    outage.recovery_seconds = round(time.monotonic() - back, 2)
    phase[0] = "after"
    time.sleep(after)
    stop.set()
    for thread in readers:
        thread.join(30)
    wait_until_indexed(site)
    return outage
