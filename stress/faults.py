"""Faults under load: kill -9 a worker mid-save and mid-index; stop PostgreSQL for seconds."""
from __future__ import annotations

import collections
import contextlib
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field

import psutil
import sqlalchemy as sa

from stress.load import wait_until_indexed
from stress.site import Site, pg_ctl, slugs
from tests.production.servers import get

SWEDISH_503 = "kan inte nå sin databas"


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


@dataclass
class Outage:
    down_seconds: float = 0.0
    recovery_seconds: float = 0.0
    during: collections.Counter = field(default_factory=collections.Counter)
    after: collections.Counter = field(default_factory=collections.Counter)
    not_swedish: int = 0

    def as_dict(self) -> dict:
        return {"down_seconds": self.down_seconds, "recovery_seconds": self.recovery_seconds,
                "during": dict(self.during), "after": dict(self.after), "not_swedish": self.not_swedish}

    def ok(self) -> bool:
        bad_during = sum(n for k, n in self.during.items() if k.startswith("5") and k != "503")
        bad_after = sum(n for k, n in self.after.items() if k.startswith("5"))
        return self.during["503"] > 0 and not bad_during and not bad_after and not self.not_swedish


def database_outage(site: Site, down: float = 5.0, after: float = 10.0) -> Outage:
    """Stop PostgreSQL under readers' load, start it again, measure what readers saw."""
    outage, phase, stop = Outage(), ["before"], threading.Event()
    paths = ["/", "/api/v1/cases", "/sok?q=barn", "/healthz"] + [
        f"/exempel/{s}" for s in slugs(site.engine())[:20]]
    lock = threading.Lock()

    def reader() -> None:
        while not stop.is_set():
            path = random.choice(paths)
            try:
                status, body = get(site.server.url + path, timeout=30)
            except OSError:
                status, body = 0, b""
            with lock:
                if phase[0] == "down":
                    outage.during[str(status)] += 1
                    text = body.decode("utf-8", "replace")
                    if status == 503 and SWEDISH_503 not in text and "Databasen svarar inte" not in text:
                        outage.not_swedish += 1
                elif phase[0] == "after":
                    outage.after[str(status)] += 1

    readers = [threading.Thread(target=reader, daemon=True) for _ in range(4)]
    for thread in readers:
        thread.start()
    time.sleep(2)
    started = time.monotonic()
    pg_ctl("stop")
    phase[0] = "down"
    time.sleep(down)
    pg_ctl("start")
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
