"""Editors saving cases through the real edit form while the site is under load.

Every save writes a unique marker word into the case body. A save is *acknowledged* when
the site answered with the case page after the redirect (what an editor sees as "saved").
Afterwards every acknowledged marker must be in the case's revisions, and each case's
current body must hold its newest acknowledged marker or a later one: zero lost edits.
"""
from __future__ import annotations

import collections
import re
import threading
import time
from dataclasses import dataclass, field

import sqlalchemy as sa

from tests.production.servers import Browser

MARKER = re.compile(r"stressmark(\d+)x(\d+)x(\d+)")


@dataclass
class Ledger:
    """What the editors did, shared between their threads."""

    acked: dict[int, list[int]] = field(default_factory=lambda: collections.defaultdict(list))
    outcomes: collections.Counter = field(default_factory=collections.Counter)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, case_id: int, seq: int | None, outcome: str, seconds: float) -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            self.latencies.append(seconds)
            if seq is not None:
                self.acked[case_id].append(seq)


class Editor(threading.Thread):
    """One editor: logs in, then edits its own cases in turn until stopped."""

    def __init__(self, number: int, base_url: str, email: str, password: str,
                 case_ids: list[int], ledger: Ledger, stop: threading.Event, pause: float = 0.2) -> None:
        super().__init__(daemon=True, name=f"editor-{number}")
        self.number, self.base_url = number, base_url
        self.email, self.password = email, password
        self.case_ids, self.ledger, self.stop_event, self.pause = case_ids, ledger, stop, pause
        self.seq = 0

    def run(self) -> None:
        browser = self._login()
        while not self.stop_event.is_set():
            case_id = self.case_ids[self.seq % len(self.case_ids)]
            self.seq += 1
            marker = f"stressmark{self.number}x{case_id}x{self.seq}"
            started = time.monotonic()
            try:
                status, url = browser.edit_case(case_id, {
                    "body": f"Redigerad under belastning: {marker}.\n\nText som inte ändras.",
                    "message": f"Stresstest {marker}",
                })
            except OSError as exc:  # connection reset: a worker was killed mid-request
                self.ledger.record(case_id, None, f"connection lost ({type(exc).__name__})",
                                   time.monotonic() - started)
                continue
            except (RuntimeError, StopIteration) as exc:  # the form page itself was not served
                why = str(exc).rsplit(": ", 1)[-1] if isinstance(exc, RuntimeError) else "no form"
                self.ledger.record(case_id, None, f"form unavailable ({why})", time.monotonic() - started)
                time.sleep(self.pause)
                continue
            ok = status == 200 and url.rstrip("/").endswith(f"/redaktion/exempel/{case_id}")
            outcome = "saved" if ok else f"HTTP {status}"
            self.ledger.record(case_id, self.seq if ok else None, outcome, time.monotonic() - started)
            if not ok:
                time.sleep(self.pause)

    def _login(self) -> Browser:
        while True:
            browser = Browser(self.base_url)
            try:
                browser.login(self.email, self.password)
                return browser
            except (OSError, RuntimeError):
                if self.stop_event.wait(0.5):
                    return browser


def case_ids_for_editors(engine: sa.Engine, editors: int, per_editor: int) -> list[list[int]]:
    """Disjoint published cases for each editor (so no save is a legitimate 409)."""
    with engine.connect() as conn:
        ids = list(conn.execute(sa.text(
            "SELECT id FROM cases WHERE status = 'published' ORDER BY id")).scalars())
    return [ids[n * per_editor:(n + 1) * per_editor] for n in range(editors)]


def lost_edits(engine: sa.Engine, ledger: Ledger) -> list[str]:
    """Acknowledged saves missing from the database (should be none)."""
    problems = []
    with engine.connect() as conn:
        for case_id, seqs in ledger.acked.items():
            bodies = [data["body"] if isinstance(data, dict) else "" for data in conn.execute(
                sa.text("SELECT data FROM revisions WHERE case_id = :id"), {"id": case_id}).scalars()]
            in_revisions = {int(m.group(3)) for body in bodies for m in MARKER.finditer(body)}
            missing = sorted(set(seqs) - in_revisions)
            if missing:
                problems.append(f"case {case_id}: acknowledged saves {missing} not in its revisions")
            current = conn.execute(sa.text("SELECT body FROM cases WHERE id = :id"),
                                   {"id": case_id}).scalar_one()
            found = [int(m.group(3)) for m in MARKER.finditer(current)]
            if not found or found[-1] < max(seqs):
                problems.append(f"case {case_id}: body has save {found[-1] if found else None}, "
                                f"newest acknowledged is {max(seqs)}")
    return problems


def run_editors(site, ledger: Ledger, stop: threading.Event, editors: int,
                per_editor: int = 4) -> list[Editor]:
    groups = case_ids_for_editors(site.engine(), editors, per_editor)
    threads = [Editor(n, site.server.url, site.editors[n], site.password, groups[n], ledger, stop)
               for n in range(editors)]
    for thread in threads:
        thread.start()
    return threads
