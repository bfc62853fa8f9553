"""Searches from several threads of one process, compared with the same searches one at a time
(tests/search/test_threads.py runs this in a process of its own).

    python -m tests.search.threads_race DATABASE_URL INDEX_DIR fast|public

Prints what went wrong, one line each; exit status 1 if anything did. Racing threads is meant
to find thread-safety faults, and a fault in C code could corrupt the heap of the process that
runs it: here that is this process, not a pytest worker whose later tests would die of it.
"""
from __future__ import annotations

import sys
import threading

from kb import create_app, search
from kb.extensions import db
from kb.search import EXTENSION, SearchParams, fastpath

QUERIES = ["barn", "barnkonsekvensanalys", "skola", '"barnets bästa"', "delaktighet ungdomar",
           "amal", "ombud", "tandvården", "BKA", "våld", "barn skola -våld", "fritid"]
THREADS = 8
ROUNDS = 4  # each round starts from empty caches, so every thread reads the index files


def _outcome(q: str) -> tuple[int, list[int]]:
    result = search.search(SearchParams(q=q, per_page=100))
    return result.total, [hit.case.id for hit in result.hits]


def race(database_url: str, index_dir: str, path: str) -> list[str]:
    app = create_app({"DATABASE_URL": database_url, "INDEX_DIR": index_dir, "SERVER_NAME": "kb.test"})
    store = app.extensions[EXTENSION]
    if path == "public":
        store.fast = fastpath.Switch(False)
    with app.app_context():
        expected = {q: _outcome(q) for q in QUERIES}
        db.session.remove()
    problems: list[str] = []

    def reader(n: int, start: threading.Barrier) -> None:
        with app.app_context():
            start.wait()
            for i in range(len(QUERIES)):
                q = QUERIES[(n + i) % len(QUERIES)]
                try:
                    found = _outcome(q)
                except Exception as exc:  # noqa: BLE001 — any failure is the finding
                    problems.append(f"{q}: {type(exc).__name__}: {exc}")
                else:
                    if found != expected[q]:
                        problems.append(f"{q}: {found[0]} hits, expected {expected[q][0]}")
            db.session.remove()

    sys.setswitchinterval(1e-5)  # switch threads often, as a busy server does
    for _ in range(ROUNDS):
        with store.exclusive():  # what a new commit does: nothing derived is kept
            store.forget()
        start = threading.Barrier(THREADS)
        threads = [threading.Thread(target=reader, args=(n, start)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return problems


if __name__ == "__main__":
    found = race(*sys.argv[1:4])
    print(*found, sep="\n")
    sys.exit(1 if found else 0)
