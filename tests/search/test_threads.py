"""Searches from several threads of one process (a threaded server, `kb run`) give the same
results as one at a time: Whoosh's readers are not thread-safe, so the index is used by one
thread at a time (IndexStore.exclusive). Without that, threads read each other's file
positions (UnpicklingError, wrong postings) and, under gunicorn's gthread workers, crashed
the process (SIGSEGV; scripts/thread_repro.py reproduces it)."""
from __future__ import annotations

import sys
import threading

import pytest

from kb import search
from kb.extensions import db
from kb.search import EXTENSION, SearchParams

QUERIES = ["barn", "barnkonsekvensanalys", "skola", '"barnets bästa"', "delaktighet ungdomar",
           "amal", "ombud", "tandvården", "BKA", "våld", "barn skola -våld", "fritid"]
THREADS = 8
ROUNDS = 4  # each round starts from empty caches, so every thread reads the index files


def _outcome(q: str) -> tuple[int, list[int]]:
    result = search.search(SearchParams(q=q, per_page=100))
    return result.total, [hit.case.id for hit in result.hits]


@pytest.mark.slow
def test_concurrent_searches_match_sequential_ones(corpus_app):
    store = corpus_app.extensions[EXTENSION]
    with corpus_app.app_context():
        expected = {q: _outcome(q) for q in QUERIES}
        db.session.remove()
    problems: list[str] = []

    def reader(n: int, start: threading.Barrier) -> None:
        with corpus_app.app_context():
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

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, as a busy server does
    try:
        for _ in range(ROUNDS):
            with store.exclusive():  # what a new commit does: nothing derived is kept
                store.forget()
            start = threading.Barrier(THREADS)
            threads = [threading.Thread(target=reader, args=(n, start)) for n in range(THREADS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not problems, problems[:5]
